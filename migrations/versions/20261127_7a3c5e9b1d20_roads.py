"""roads: a township's OpenStreetMap extract; a plan run's distance source and far households;
a round's way along the roads

Revision ID: 7a3c5e9b1d20
Revises: 6a2e4c8d1f30
Create Date: 2026-11-27 18:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3c5e9b1d20"
down_revision: str | None = "6a2e4c8d1f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("township") as batch:
        batch.add_column(
            sa.Column("osm_extract", sa.String(120), nullable=False, server_default="")
        )
    with op.batch_alter_table("plan_run") as batch:
        batch.add_column(
            sa.Column("distance_source", sa.String(20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("far_from_road", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("delivery_round") as batch:
        batch.add_column(sa.Column("road_path", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("delivery_round") as batch:
        batch.drop_column("road_path")
    with op.batch_alter_table("plan_run") as batch:
        batch.drop_column("far_from_road")
        batch.drop_column("distance_source")
    with op.batch_alter_table("township") as batch:
        batch.drop_column("osm_extract")
