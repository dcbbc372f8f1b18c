"""The deadlines of shipped orders, run by Celery beat every few minutes or from cron:

- ``flask shipping cancel-overdue``: paid orders whose goods missed the station deadline
  are refunded and both sides told;
- ``flask shipping confirm-receipts``: orders handed to the courier long enough ago are
  taken as received.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import transaction
from core.flask_db import database
from core.jobs import celery_app
from shop.orders import services

EVERY_SECONDS = 300

shipping_group = AppGroup("shipping", help="Deadlines of shipped orders.")


@celery_app.task(name="shipping.cancel_overdue")
def cancel_overdue() -> int:
    with transaction(database().write_sessions) as session:
        return len(services.cancel_overdue_ship_orders(session))


@celery_app.task(name="shipping.confirm_receipts")
def confirm_receipts() -> int:
    with transaction(database().write_sessions) as session:
        return len(services.confirm_overdue_receipts(session))


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "cancel-overdue-ship-orders": {"task": "shipping.cancel_overdue", "schedule": EVERY_SECONDS},
    "confirm-ship-receipts": {"task": "shipping.confirm_receipts", "schedule": EVERY_SECONDS},
}


@shipping_group.command("cancel-overdue")
def cancel_overdue_command() -> None:
    """Refund the paid shipped orders whose goods missed the station deadline."""
    click.echo(f"cancelled {cancel_overdue.run()} overdue shipped orders")


@shipping_group.command("confirm-receipts")
def confirm_receipts_command() -> None:
    """Take as received the shipped orders nobody confirmed in time."""
    click.echo(f"confirmed {confirm_receipts.run()} shipped orders as received")
