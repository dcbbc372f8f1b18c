"""accounts: a villager without a phone has an account (it cannot sign in)

Revision ID: a4b7c2d9e610
Revises: 9d1e5f3a7c21
Create Date: 2026-11-27 21:40:00

An old villager without a phone must be registrable at the station so that the agent can
order for them at the counter; their account's phone is empty (NULL: several may lack one).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4b7c2d9e610"
down_revision: str | None = "9d1e5f3a7c21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=11), nullable=True)


def downgrade() -> None:
    # Refused while a phone-less account exists: give it a phone (or remove it) first.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=11), nullable=False)
