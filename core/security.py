"""Security headers on every response, and throttles of repeated failures.

A throttle counts failures per key (a phone, an address, a parcel) in the storage named by
RATELIMIT_STORAGE_URL (memory for one process, redis:// shared by every worker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, Response, request
from limits import RateLimitItem, RateLimitItemPerMinute

from core.errors import CoreError, CunzhanError
from core.throttle_store import FallbackLimiter

FAILED_LOGINS_PER_MINUTE = 10
# Every page, the API docs included ('self' only: Swagger UI is served from a package).
_STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def same_site_path(target: str | None) -> str | None:
    r"""``target`` when it is a path on this site, else None: the only kind of place a form's
    ``back`` or a login's ``next`` may send the browser (no open redirect).

    Browsers read ``//host``, ``/\host`` and "/", a tab, "/host" as another site, so a path
    must start with a single "/" and carry no backslash, whitespace or control character."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(c == "\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None


def add_security_headers(response: Response, *, production: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _STRICT_CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def install_security_headers(app: Flask, *, production: bool) -> None:
    app.after_request(lambda response: add_security_headers(response, production=production))
    app.before_request(refuse_nul_characters)


def _carries_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_carries_nul(k) or _carries_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_carries_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    """A NUL character in a query, a form or a JSON body is a 422 before any view sees it.

    No person types one; PostgreSQL refuses it in text, so it would otherwise surface as a
    500 from whichever insert met it first (SQLite stores it, and so hid the problem)."""
    sources: list[object] = [
        list(request.args.values()),
        list(request.args.keys()),
        list(request.form.values()),
        list(request.form.keys()),
    ]
    if request.is_json:
        sources.append(request.get_json(silent=True))
    if any(_carries_nul(source) for source in sources):
        raise CoreError("nul_in_input")


@dataclass
class FailureThrottle:
    """At most ``item`` failures per key within its window (the failed-login throttle, wrong
    pickup codes). ``check`` raises the error ``refusal`` makes (a 429 with code
    ``too_many_attempts``) once any of the keys has used them up; only ``record_failure`` counts."""

    limiter: FallbackLimiter
    item: RateLimitItem
    refusal: Callable[[], CunzhanError]

    @classmethod
    def from_url(
        cls, storage_url: str, item: RateLimitItem, refusal: Callable[[], CunzhanError]
    ) -> FailureThrottle:
        return cls(FallbackLimiter(storage_url), item, refusal)

    def check(self, *keys: str) -> None:
        if not all(self.limiter.test(self.item, key) for key in keys):
            raise self.refusal()

    def record_failure(self, *keys: str) -> None:
        for key in keys:
            self.limiter.hit(self.item, key)

    def count_try(self, key: str) -> None:
        """Count a failed try made elsewhere (a code refused on an offline phone) against
        the same budget as ``attempt``."""
        self.limiter.incr(self._tries_key(key), self.item.get_expiry())

    def _tries_key(self, key: str) -> str:
        return f"{self.item.key_for(key)}/tries"

    @contextmanager
    def attempt(self, key: str, *, failure: type[Exception]) -> Iterator[None]:
        """Count the try *before* the work, in one atomic increment, so that parallel tries
        cannot all pass a check made before any of them was counted (check, work, count let
        20 racing guesses through 5 or 6 at a time). Past ``item.amount`` tries within the
        window (from the first try counted) the try is refused; a try that does not end in
        ``failure`` is given back, so right answers count nothing."""
        counter, expiry = self._tries_key(key), self.item.get_expiry()
        if self.limiter.incr(counter, expiry) > self.item.amount:
            raise self.refusal()
        failed = False
        try:
            yield
        except failure:
            failed = True
            raise
        finally:
            if not failed:
                self.limiter.incr(counter, expiry, amount=-1)


def login_throttle(storage_url: str) -> FailureThrottle:
    return FailureThrottle.from_url(
        storage_url,
        RateLimitItemPerMinute(FAILED_LOGINS_PER_MINUTE),
        lambda: CoreError("too_many_attempts"),
    )


def signup_throttle(storage_url: str) -> FailureThrottle:
    """Refused sign-ups per address, as many as failed logins."""
    return FailureThrottle.from_url(
        storage_url,
        RateLimitItemPerMinute(FAILED_LOGINS_PER_MINUTE),
        lambda: CoreError("too_many_attempts"),
    )
