"""``flask payments reconcile``: settle online payments stuck between states (for cron)."""

from __future__ import annotations

import datetime as dt

import click

from core.db import transaction
from core.flask_db import database
from payments.statements import reconcile


@click.group("payments")
def payments_group() -> None:
    """Payments housekeeping."""


@payments_group.command("reconcile")
@click.option("--minutes", default=30, show_default=True, help="only payments idle this long")
def reconcile_command(minutes: int) -> None:
    with transaction(database().write_sessions) as session:
        report = reconcile(session, stale_after=dt.timedelta(minutes=minutes))
    click.echo(f"checked {report.checked}, moved {report.moved}, unreachable {report.unreachable}")
