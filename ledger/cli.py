"""``flask --app shop.app ledger settle``: close last week's statements (for cron)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from core.db import transaction
from core.flask_db import database
from ledger.commission import ANY_CATEGORY, set_rate
from ledger.settlement import settle_week

#: An AppGroup: its commands run inside the app context (the database).
ledger_group = AppGroup("ledger", help="The sellers' ledger.")


@ledger_group.command("settle")
@click.option("--week", default=None, help="any day of the week to settle (default: last week)")
def settle_command(week: str | None) -> None:
    day = dt.date.fromisoformat(week) if week else None
    with transaction(database().write_sessions) as session:
        statements = settle_week(session, week_start=day)
    click.echo(f"settled {len(statements)} statements")


@ledger_group.command("rate")
@click.argument("village_id", type=int)
@click.argument("rate_bp", type=click.IntRange(0, 10_000))
@click.option("--category", default=ANY_CATEGORY, show_default=True, help="a product category")
@click.option(
    "--local-rate-bp",
    type=click.IntRange(0, 10_000),
    default=0,
    show_default=True,
    help="the rate on produce of the station's own village",
)
def rate_command(village_id: int, rate_bp: int, category: str, local_rate_bp: int) -> None:
    """Set a station's commission (basis points: 500 = 5 %) for a category."""
    with transaction(database().write_sessions) as session:
        set_rate(
            session,
            village_id=village_id,
            category=category,
            rate_bp=rate_bp,
            local_rate_bp=local_rate_bp,
        )
    click.echo(f"station {village_id}, {category}: {rate_bp} bp, own village {local_rate_bp} bp")
