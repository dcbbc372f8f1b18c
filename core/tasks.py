"""Core background tasks."""

from __future__ import annotations

from sqlalchemy import func, select

from core.flask_db import get_session
from core.jobs import celery_app
from core.models import User


@celery_app.task(name="core.count_accounts")
def count_accounts() -> int:
    """A cheap task that proves a worker reaches the database (used by the wiring test)."""
    return int(get_session().scalar(select(func.count(User.id))) or 0)
