"""Celery beat closes campaigns at their deadline; ``flask groupbuys close-due`` for cron."""

from __future__ import annotations

import click

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from core.timeutil import utcnow
from shop.groupbuys.closing import close_due_campaigns
from shop.groupbuys.notices import announce_closing_soon

CLOSE_DUE_EVERY_SECONDS = 60
CLOSING_SOON_EVERY_SECONDS = 600


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


@celery_app.task(name="groupbuys.closing_soon")
def closing_soon() -> int:
    """Tell the pledging households, once, that a campaign closes within a day."""
    with transaction(database().write_sessions) as session:
        return announce_closing_soon(session, now=utcnow())


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "close-due-group-buys": {"task": "groupbuys.close_due", "schedule": CLOSE_DUE_EVERY_SECONDS},
    "group-buys-closing-soon": {
        "task": "groupbuys.closing_soon",
        "schedule": CLOSING_SOON_EVERY_SECONDS,
    },
}


@click.group("groupbuys")
def groupbuys_group() -> None:
    """Group-buy housekeeping."""


@groupbuys_group.command("close-due")
def close_due_command() -> None:
    """Close every campaign whose deadline has passed (exactly once each)."""
    for outcome in close_due.run():
        click.echo(outcome)
    click.echo(f"closing soon: {closing_soon.run()} campaign(s) announced")
