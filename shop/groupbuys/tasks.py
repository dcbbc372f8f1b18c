"""Celery beat closes campaigns at their deadline; ``flask groupbuys close-due`` for cron."""

from __future__ import annotations

import click

from core.flask_db import database
from core.jobs import celery_app
from shop.groupbuys.closing import close_due_campaigns

CLOSE_DUE_EVERY_SECONDS = 60


@celery_app.task(name="groupbuys.close_due")
def close_due() -> list[dict[str, object]]:
    return [
        {
            "claimed": r.claimed,
            "status": r.status and r.status.value,
            "settled": r.settled,
            "problems": r.problems,
        }
        for r in close_due_campaigns(database().write_sessions)
    ]


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "close-due-group-buys": {"task": "groupbuys.close_due", "schedule": CLOSE_DUE_EVERY_SECONDS},
}


@click.group("groupbuys")
def groupbuys_group() -> None:
    """Group-buy housekeeping."""


@groupbuys_group.command("close-due")
def close_due_command() -> None:
    """Close every campaign whose deadline has passed (exactly once each)."""
    for outcome in close_due.run():
        click.echo(outcome)
