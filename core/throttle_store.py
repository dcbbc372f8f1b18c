"""The throttles' storage, degrading to a per-process store when the shared one is gone.

Throttles (failed logins, wrong pickup codes) count in the storage named by
RATELIMIT_STORAGE_URL, normally Redis shared by every worker. When that store cannot be
reached we keep counting in this process's memory rather than answering 500 to every login
and every delivery confirmed with a code (why we fail open, not closed: docs/security.md,
"When the throttle store is unreachable"). The switch is logged once, loudly, at ERROR; the
return of the store once, at WARNING; ``/healthz`` shows ``throttle_store: "fallback"``
meanwhile. The shared store is tried again every ``RETRY_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import cast
from urllib.parse import urlsplit

from flask import Flask
from limits import RateLimitItem, storage, strategies
from limits.errors import StorageError

log = logging.getLogger("cunzhan.throttle")
RETRY_SECONDS = 15.0
# A Redis that does not answer must not hold a login for longer than this.
SOCKET_TIMEOUT_SECONDS = 1.0


def _open_storage(url: str) -> storage.Storage:
    options: dict[str, float] = {}
    if url.startswith(("redis", "valkey")):
        options = {
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
        }
    backend = storage.storage_from_string(url, wrap_exceptions=True, **options)
    return cast(storage.Storage, backend)  # a synchronous URL makes a synchronous storage


def redacted(url: str) -> str:
    """The URL without its password, for logs and /healthz."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


class FallbackLimiter(strategies.MovingWindowRateLimiter):
    """A moving-window limiter on the shared store, falling back to process memory."""

    def __init__(self, storage_url: str) -> None:
        super().__init__(_open_storage(storage_url))
        self.storage_url = storage_url
        self._local = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self._lock = threading.Lock()
        self._down_since: float | None = None

    @property
    def degraded(self) -> bool:
        """True while counts go to this process's memory instead of the shared store."""
        return self._down_since is not None

    def ping(self) -> bool:
        """Whether the shared store answers now (start-up report, /healthz)."""
        try:
            reachable = bool(self.storage.check())
        except Exception:
            reachable = False
        if reachable:
            self._recovered()
        else:
            self._failed(None)
        return reachable

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if self._use_shared():
            try:
                return super().hit(item, *identifiers, cost=cost)
            except StorageError as error:
                self._failed(error)
        return self._local.hit(item, *identifiers, cost=cost)

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if self._use_shared():
            try:
                allowed = super().test(item, *identifiers, cost=cost)
            except StorageError as error:
                self._failed(error)
            else:
                self._recovered()
                return allowed
        return self._local.test(item, *identifiers, cost=cost)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to a plain counter that lapses ``expiry`` seconds after its first
        increment, atomically (a throttle that counts each try before the work)."""
        if self._use_shared():
            try:
                return self.storage.incr(key, expiry, amount=amount)
            except StorageError as error:
                self._failed(error)
        return self._local.storage.incr(key, expiry, amount=amount)

    def _use_shared(self) -> bool:
        down_since = self._down_since
        return down_since is None or time.monotonic() - down_since >= RETRY_SECONDS

    def _failed(self, error: StorageError | None) -> None:
        with self._lock:
            first = self._down_since is None
            self._down_since = time.monotonic()
        if first:
            log.error(
                "THROTTLE STORE UNREACHABLE at %s (%s): counting failed logins and wrong "
                "pickup codes in this process only until it answers again",
                redacted(self.storage_url),
                error.storage_error if error else "no answer",
            )

    def _recovered(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            was_down = self._down_since is not None
            self._down_since = None
        if was_down:
            log.warning("throttle store at %s answers again", redacted(self.storage_url))


def fallback_limiters(extensions: dict[str, object]) -> list[FallbackLimiter]:
    """The limiters of every throttle installed in the app (login, pickup codes...)."""
    found = (getattr(value, "limiter", None) for value in extensions.values())
    return [limiter for limiter in found if isinstance(limiter, FallbackLimiter)]


def throttle_store_status(extensions: dict[str, object]) -> str:
    """``ok`` when every throttle's shared store answers now, else ``fallback``."""
    limiters = fallback_limiters(extensions)
    return "ok" if all([limiter.ping() for limiter in limiters]) else "fallback"


def report_throttle_stores(app: Flask) -> None:
    """At start-up: say where the throttles count, loudly when that store is unreachable."""
    if throttle_store_status(app.extensions) == "ok":
        urls = sorted(
            {redacted(limiter.storage_url) for limiter in fallback_limiters(app.extensions)}
        )
        log.info("throttle store %s answers", ", ".join(urls))
