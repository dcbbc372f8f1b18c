"""The deadline check on Celery beat, and ``flask --app shop.app errands check`` for cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from errands.deadlines import check_deadlines

CHECK_EVERY_SECONDS = 15 * 60

#: An AppGroup: its commands run inside the app context (the database).
errands_group = AppGroup("errands", help="Requests (代办事项) and their time limits.")


def run_check() -> dict[str, int]:
    """Remind and escalate in one transaction; safe to run on several workers at once."""
    with transaction(database().write_sessions) as session:
        found = check_deadlines(session)
    return {"reminded": found.reminded, "escalated": found.escalated}


@celery_app.task(name="errands.check_deadlines")
def check_deadlines_task() -> dict[str, int]:
    return run_check()


@errands_group.command("check")
def check_command() -> None:
    """Remind members of requests near their limit, escalate those past it."""
    found = run_check()
    click.echo(f"reminded {found['reminded']}, escalated {found['escalated']}")


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "check-errand-deadlines": {
        "task": "errands.check_deadlines",
        "schedule": CHECK_EVERY_SECONDS,
    },
}
