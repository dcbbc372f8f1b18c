"""SQLite: one CHECK per enum column, listing every value the models know

Revision ID: 9d1e5f3a7c21
Revises: 8c4d2e6f1a30
Create Date: 2026-11-27 19:55:00

Earlier migrations widened checked-string enum columns on SQLite by rebuilding the table with
the new column type. The rebuild keeps the table's old CHECK constraints beside the new one, so
on a database made by the migrations (``make run``) the old, narrower list still refused the
new values (a county manager's role grant, a city buyer's, an errand's notice). PostgreSQL
replaced its constraints by name and is not touched. Each column gets exactly one CHECK again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d1e5f3a7c21"
down_revision: str | None = "8c4d2e6f1a30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this migration (a migration does not read the models: they move on).
ROLES = (
    "villager",
    "farmer",
    "agent",
    "cadre",
    "dispatcher",
    "admin",
    "supplier",
    "buyer",
    "county_admin",
)
NOTICE_KINDS = (
    "parcel_on_shelf",
    "delivery_today",
    "order_packed",
    "order_ready",
    "groupbuy_tier",
    "groupbuy_reached",
    "groupbuy_succeeded",
    "groupbuy_failed",
    "groupbuy_closing_soon",
    "listing_approved",
    "listing_returned",
    "errand_due_soon",
    "errand_overdue",
    "errand_done",
    "ship_overdue_buyer",
    "ship_overdue_seller",
)
DELIVERIES = ("door", "pickup", "ship")
ORDER_STATUSES = (
    "pending_payment",
    "paid",
    "packed",
    "out_for_delivery",
    "delivered",
    "ready_for_pickup",
    "picked_up",
    "cancelled",
    "refunded",
    "shipped",
    "received",
)
#: table -> column -> (the constraint's name, the values it allows)
CHECKS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "role_grant": {"role": ("ck_role_grant_role", ROLES)},
    "notice": {"kind": ("ck_notice_noticekind", NOTICE_KINDS)},
    "shop_order": {
        "delivery": ("ck_shop_order_delivery", DELIVERIES),
        "status": ("ck_shop_order_orderstatus", ORDER_STATUSES),
    },
}


def _checks_on(table: str, column: str) -> list[str]:
    """Names of the table's CHECK constraints of the form ``column IN (...)``."""
    pattern = re.compile(rf"^\(?\s*{column}\s+IN\s*\(", re.IGNORECASE)
    return [
        check["name"]
        for check in sa.inspect(op.get_bind()).get_check_constraints(table)
        if check.get("name") and pattern.match(check["sqltext"].strip())
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, recreate="always") as batch:
            for column, (name, values) in columns.items():
                for stale in _checks_on(table, column):
                    batch.drop_constraint(op.f(stale), type_="check")
                allowed = ", ".join(f"'{value}'" for value in values)
                batch.create_check_constraint(op.f(name), sa.text(f"{column} IN ({allowed})"))


def downgrade() -> None:
    """Nothing to undo: the single CHECK allows what the duplicates meant to allow."""
