"""Wrong pickup codes are throttled.

A code is six digits, so whoever can try codes (an agent at the station desk, a cadre at the
door, or a stolen phone) could otherwise guess one for any parcel. After
``WRONG_CODES_PER_WINDOW`` wrong codes for one parcel or one stop within ``WINDOW_MINUTES`` of
the first, further tries are refused with a 429 until the window ends; right codes count
nothing. Each try is counted atomically before the code is checked (see
``FailureThrottle.attempt``). The counts live in the storage named by RATELIMIT_STORAGE_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from limits import RateLimitItemPerMinute

from core.security import FailureThrottle
from logistics.errors import LogisticsError, WrongPickupCode

THROTTLE_KEY = "cunzhan.pickup_code_throttle"
WRONG_CODES_PER_WINDOW = 5
WINDOW_MINUTES = 15


def install(app: Flask, storage_url: str) -> None:
    app.extensions[THROTTLE_KEY] = FailureThrottle.from_url(
        storage_url,
        RateLimitItemPerMinute(WRONG_CODES_PER_WINDOW, WINDOW_MINUTES),
        lambda: LogisticsError(
            "too_many_attempts", times=WRONG_CODES_PER_WINDOW, minutes=WINDOW_MINUTES
        ),
    )


def count_wrong_code(target: str) -> None:
    """Count a wrong code tried elsewhere (on the phone, without signal)."""
    throttle: FailureThrottle = current_app.extensions[THROTTLE_KEY]
    throttle.count_try(target)


@contextmanager
def throttled(target: str) -> Iterator[None]:
    """Refuse if ``target`` ("parcel:7", "stop:12") has had too many wrong codes. The try is
    counted before the code is looked at and given back unless a WrongPickupCode is raised
    inside, so racing guesses get no more than the limit between them."""
    throttle: FailureThrottle = current_app.extensions[THROTTLE_KEY]
    with throttle.attempt(target, failure=WrongPickupCode):
        yield
