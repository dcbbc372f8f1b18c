"""Background jobs of the ledger (Celery beat): the weekly settlement, Monday early."""

from __future__ import annotations

from celery.schedules import crontab

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from ledger.settlement import settle_week


@celery_app.task(name="ledger.settle_week")
def settle_last_week() -> int:
    """Close last week's statements; safe to run again (one statement per seller and week)."""
    with transaction(database().write_sessions) as session:
        return len(settle_week(session))


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    # Celery's timezone is Asia/Shanghai (core.jobs): Monday 02:00 local time.
    "settle-ledger-week": {
        "task": "ledger.settle_week",
        "schedule": crontab(minute=0, hour=2, day_of_week="mon"),
    },
}
