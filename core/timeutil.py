"""Times are stored timezone-aware in UTC and shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """Refuse naive datetimes: a time without a zone is a bug waiting to happen."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a timezone before storing it")
    return moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return ensure_utc(moment).astimezone(LOCAL_ZONE)


def local_today(now: datetime | None = None) -> date:
    return to_local(now or utcnow()).date()


def format_local(moment: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(moment).strftime(pattern)
