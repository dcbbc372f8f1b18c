"""Command-line tasks: ``flask --app shop.app demo load``, ``backup``, ``restore``."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from core import backup
from core.db import transaction
from core.demo import DEMO_PASSWORD, demo_phone
from core.flask_db import database
from core.settings import instance_dir
from shop.county.demo import CADRE_PHONE_BASE, DISPATCHER_PHONE_BASE, CountySize, build_county
from shop.demo import DEMO_ACCOUNTS_TEXT, database_is_empty, load_demo

COUNTY_ACCOUNTS_TEXT = f"""演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD})
  县级管理员 county manager {demo_phone(7, 1)}
  乡镇调度 dispatchers     {DISPATCHER_PHONE_BASE + 1} - (one per township)
  村干部 cadres           {CADRE_PHONE_BASE + 1} - (one per two villages)"""


@click.group("demo")
def demo_group() -> None:
    """Demo township data."""


@demo_group.command("load")
@click.option("--seed", default=2026, show_default=True, help="random seed of the generator")
@click.option("--townships", type=click.IntRange(1, 200), help="build a county of this many")
@click.option(
    "--villages",
    type=click.IntRange(1, 200),
    default=30,
    show_default=True,
    help="villages per township (with --townships)",
)
@click.option(
    "--households",
    type=click.IntRange(1, 2_000),
    default=250,
    show_default=True,
    help="households per village (with --townships)",
)
def load_command(seed: int, townships: int | None, villages: int, households: int) -> None:
    """Load the demo township (or with --townships a county of that size, in bulk), only
    when the database holds no county yet."""
    with transaction(database().write_sessions) as session:
        if not database_is_empty(session):
            click.echo("数据库已有数据，跳过演示数据 (database not empty; demo data not loaded)")
        elif townships:
            began = time.monotonic()
            county = build_county(session, CountySize(townships, villages, households), seed=seed)
            click.echo(
                f"已载入演示县：{county.townships} 个乡镇，{county.villages} 个村，"
                f"{county.households} 户，{county.cadres} 名村干部，{county.parcels} 件包裹 "
                f"({time.monotonic() - began:.1f} s)"
            )
            click.echo(COUNTY_ACCOUNTS_TEXT)
            return
        else:
            demo = load_demo(session, seed=seed)
            click.echo(
                f"已载入演示乡镇 {demo.township.name}: {len(demo.villages)} 个村, "
                f"{len(demo.households)} 户"
            )
    click.echo(DEMO_ACCOUNTS_TEXT)


@click.command("backup")
@with_appcontext
@click.argument("target", required=False, type=click.Path(path_type=Path))
def backup_command(target: Path | None) -> None:
    """Back up the database while the app runs (SQLite: online backup API; PostgreSQL:
    pg_dump). TARGET defaults to instance/backups/cunzhan-<UTC time>.sqlite3|.dump."""
    url = _database_url()
    target = target or backup.default_backup_path(url, instance_dir() / "backups")
    try:
        written = backup.backup(url, target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"备份已写入 {written} (backup written)")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "into_url",
    required=True,
    help="URL of a NEW, empty database (a new SQLite file; PostgreSQL: createdb it first)",
)
def restore_command(source: Path, into_url: str) -> None:
    """Restore a backup into a new database; point DATABASE_URL at it once checked."""
    try:
        backup.restore(source, into_url)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"已恢复到 {make_url(into_url).render_as_string()} (restored)")


def _database_url() -> str:
    return database().engine.url.render_as_string(hide_password=False)


def register(app: Flask) -> None:
    app.cli.add_command(demo_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
