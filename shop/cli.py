"""Command-line tasks: ``flask --app shop.app demo load`` and friends."""

from __future__ import annotations

import click
from flask import Flask

from core.db import transaction
from core.flask_db import database
from shop.demo import DEMO_ACCOUNTS_TEXT, database_is_empty, load_demo


@click.group("demo")
def demo_group() -> None:
    """Demo township data."""


@demo_group.command("load")
@click.option("--seed", default=2026, show_default=True, help="random seed of the generator")
def load_command(seed: int) -> None:
    """Load the demo township, only when the database holds no township yet."""
    with transaction(database().write_sessions) as session:
        if not database_is_empty(session):
            click.echo("数据库已有数据，跳过演示数据 (database not empty; demo data not loaded)")
        else:
            demo = load_demo(session, seed=seed)
            click.echo(
                f"已载入演示乡镇 {demo.township.name}: {len(demo.villages)} 个村, "
                f"{len(demo.households)} 户"
            )
    click.echo(DEMO_ACCOUNTS_TEXT)


def register(app: Flask) -> None:
    app.cli.add_command(demo_group)
