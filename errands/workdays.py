"""Working days for time limits: weekends and China's public holidays are skipped.

The holidays (and the weekend days worked in exchange, 调休) come from the
``chinese-calendar`` package, which knows the years the State Council has announced; for a
later year, not announced yet, only weekends are skipped.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from core.timeutil import LOCAL_ZONE, to_local


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no announcement for
        return day.weekday() < 5


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``day`` (``day`` itself is not counted)."""
    found = 0
    while found < days:
        day += dt.timedelta(days=1)
        found += is_working_day(day)
    return day


def due_moment(filed_at: dt.datetime, limit_days: int) -> dt.datetime:
    """The end (local midnight) of the limit's last working day, in UTC."""
    last_day = add_working_days(to_local(filed_at).date(), limit_days)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_ZONE)
    return end.astimezone(dt.UTC)


REMIND_SHARE = 0.8


def remind_moment(filed_at: dt.datetime, due_at: dt.datetime) -> dt.datetime:
    """When 80 % of the time between filing and the limit has passed."""
    return filed_at + (due_at - filed_at) * REMIND_SHARE
