"""Core background tasks."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import transaction
from core.flask_db import database, get_session
from core.idempotency import purge_expired
from core.jobs import celery_app
from core.models import User


@celery_app.task(name="core.count_accounts")
def count_accounts() -> int:
    """A cheap task that proves a worker reaches the database (used by the wiring test)."""
    return int(get_session().scalar(select(func.count(User.id))) or 0)


@celery_app.task(name="core.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete the Idempotency-Keys older than a day (expired keys are never answered)."""
    with transaction(database().write_sessions) as session:
        return purge_expired(session)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "purge-idempotency-keys": {"task": "core.purge_idempotency_keys", "schedule": 3600.0},
}
