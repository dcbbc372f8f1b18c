"""Wrong pickup codes are throttled.

A code is six digits, so whoever can try codes (an agent at the station desk, a cadre at the
door, or a stolen phone) could otherwise guess one for any parcel. After
``WRONG_CODES_PER_WINDOW`` wrong codes for one parcel or one stop within
``WINDOW_MINUTES``, further tries are refused with a 429 until the window moves on; right codes
count nothing. The counts live in the storage named by RATELIMIT_STORAGE_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from limits import RateLimitItemPerMinute

from core.security import FailureThrottle
from logistics.codes import WrongPickupCode

THROTTLE_KEY = "cunzhan.pickup_code_throttle"
WRONG_CODES_PER_WINDOW = 5
WINDOW_MINUTES = 15


def install(app: Flask, storage_url: str) -> None:
    app.extensions[THROTTLE_KEY] = FailureThrottle.from_url(
        storage_url,
        RateLimitItemPerMinute(WRONG_CODES_PER_WINDOW, WINDOW_MINUTES),
        f"取件码错了{WRONG_CODES_PER_WINDOW}次，请{WINDOW_MINUTES}分钟后再试"
        f" (too many wrong pickup codes: try again in {WINDOW_MINUTES} minutes)",
    )


def count_wrong_code(target: str) -> None:
    """Count a wrong code tried elsewhere (on the phone, without signal)."""
    throttle: FailureThrottle = current_app.extensions[THROTTLE_KEY]
    throttle.record_failure(target)


@contextmanager
def throttled(target: str) -> Iterator[None]:
    """Refuse at once if ``target`` ("parcel:7", "stop:12") has had too many wrong codes;
    count a WrongPickupCode raised inside."""
    throttle: FailureThrottle = current_app.extensions[THROTTLE_KEY]
    throttle.check(target)
    try:
        yield
    except WrongPickupCode:
        throttle.record_failure(target)
        raise
