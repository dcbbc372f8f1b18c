"""a photo (and the neighbour's name) as proof of delivery at a stop

Revision ID: 5c1f0a7d2e94
Revises: 3c7a91d2e4b5
Create Date: 2026-11-27 15:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1f0a7d2e94"
down_revision: str | None = "3c7a91d2e4b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_stop") as batch:
        batch.add_column(sa.Column("photo", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("handed_to", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_stop") as batch:
        batch.drop_column("handed_to")
        batch.drop_column("photo")
