"""Routing counts seconds from local midnight; the database keeps UTC instants."""

from __future__ import annotations

import datetime as dt

from core.timeutil import LOCAL_ZONE, ensure_utc


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_ZONE).astimezone(dt.UTC)


def instant(day: dt.date, seconds: int) -> dt.datetime:
    """The UTC instant ``seconds`` after local midnight of ``day``."""
    return local_midnight(day) + dt.timedelta(seconds=seconds)


def seconds_of_day(day: dt.date, moment: dt.datetime) -> int:
    """Seconds since local midnight of ``day`` (negative before it)."""
    return int((ensure_utc(moment) - local_midnight(day)).total_seconds())
