"""station hours; shop orders collected at the buyer's station with a pickup code

Revision ID: 3c1f7a9e5b20
Revises: 5e1d0c2a7b93
Create Date: 2026-11-27 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f7a9e5b20"
down_revision: str | None = "5e1d0c2a7b93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROUTES = ("same_station", "cadre", "hub")


def upgrade() -> None:
    with op.batch_alter_table("village") as batch:
        batch.add_column(
            sa.Column(
                "station_hours",
                sa.String(length=60),
                nullable=False,
                server_default="每天 8:00-18:00",
            )
        )
    with op.batch_alter_table("shop_order") as batch:
        batch.add_column(sa.Column("source_village_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "route",
                sa.Enum(
                    *ROUTES, name="route", native_enum=False, create_constraint=True, length=30
                ),
                nullable=False,
                server_default="same_station",
            )
        )
        batch.add_column(sa.Column("expected_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("pickup_code", sa.String(length=6), nullable=True))
        batch.create_foreign_key(
            "fk_shop_order_source_village_id_village", "village", ["source_village_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_order") as batch:
        batch.drop_constraint("fk_shop_order_source_village_id_village", type_="foreignkey")
        batch.drop_column("pickup_code")
        batch.drop_column("expected_on")
        batch.drop_constraint(op.f("ck_shop_order_route"), type_="check")
        batch.drop_column("route")
        batch.drop_column("source_village_id")
    with op.batch_alter_table("village") as batch:
        batch.drop_column("station_hours")
