"""a round's delay: the seconds a late cadre is behind the plan (the open stops' times moved by
it, the expected return is ``return_at`` plus it; ``return_at`` stays the plan's)

Revision ID: a4c8e2f6b913
Revises: b4e7c2a9d513
Create Date: 2026-11-27 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4c8e2f6b913"
down_revision: str | None = "b4e7c2a9d513"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_round") as batch:
        batch.add_column(sa.Column("delay_s", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("delivery_round") as batch:
        batch.drop_column("delay_s")
