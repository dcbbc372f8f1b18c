"""Security headers on every response, and throttles of repeated failures.

A throttle counts failures per key (a phone, an address, a parcel) in the storage named by
RATELIMIT_STORAGE_URL (memory for one process, redis:// shared by every worker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request
from limits import RateLimitItem, RateLimitItemPerMinute

from core.errors import CoreError, CunzhanError
from core.throttle_store import FallbackLimiter

FAILED_LOGINS_PER_MINUTE = 10
# Pages that load third-party code need a wider policy; everything else is 'self' only.
_STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_API_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://cdn.jsdelivr.net; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
API_DOCS_PATH = "/api/docs"


def content_security_policy(path: str) -> str:
    return _API_DOCS_CSP if path.startswith(API_DOCS_PATH) else _STRICT_CSP


def add_security_headers(response: Response, *, production: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(request.path))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def install_security_headers(app: Flask, *, production: bool) -> None:
    app.after_request(lambda response: add_security_headers(response, production=production))


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


def login_throttle(storage_url: str) -> FailureThrottle:
    return FailureThrottle.from_url(
        storage_url,
        RateLimitItemPerMinute(FAILED_LOGINS_PER_MINUTE),
        lambda: CoreError("too_many_attempts"),
    )
