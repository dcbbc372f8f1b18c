"""Checkout holds past their 15 minutes are released every minute by Celery beat, or by
``flask inventory release-expired`` from cron; the next reservation on the same stock
releases them too, so a missed run never blocks a sale."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from inventory.services import release_expired

RELEASE_EVERY_SECONDS = 60

inventory_group = AppGroup("inventory", help="Stock holds.")  # its commands get the app context


@celery_app.task(name="inventory.release_expired")
def release_expired_holds() -> int:
    with transaction(database().write_sessions) as session:
        return release_expired(session)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "release-expired-holds": {
        "task": "inventory.release_expired",
        "schedule": RELEASE_EVERY_SECONDS,
    },
}


@inventory_group.command("release-expired")
def release_expired_command() -> None:
    """Release every expired hold now."""
    click.echo(f"released {release_expired_holds.run()} expired holds")
