"""``flask inventory release-expired``: end the checkout holds past their 15 minutes."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import transaction
from core.flask_db import database
from inventory.services import release_expired

inventory_group = AppGroup("inventory", help="Stock holds.")  # its commands get the app context


@inventory_group.command("release-expired")
def release_expired_command() -> None:
    """Release every expired hold (run it every few minutes from cron or a worker)."""
    with transaction(database().write_sessions) as session:
        click.echo(f"released {release_expired(session)} expired holds")
