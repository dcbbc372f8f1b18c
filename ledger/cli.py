"""``flask --app shop.app ledger settle``: close last week's statements (for cron)."""

from __future__ import annotations

import datetime as dt

import click

from core.db import transaction
from core.flask_db import database
from ledger.settlement import settle_week


@click.group("ledger")
def ledger_group() -> None:
    """The sellers' ledger."""


@ledger_group.command("settle")
@click.option("--week", default=None, help="any day of the week to settle (default: last week)")
def settle_command(week: str | None) -> None:
    day = dt.date.fromisoformat(week) if week else None
    with transaction(database().write_sessions) as session:
        statements = settle_week(session, week_start=day)
    click.echo(f"settled {len(statements)} statements")
