"""ledger: entries for claims and shipping fees

Revision ID: 7b3e9c1d4a26
Revises: 5e7d1a2b9c40
Create Date: 2026-11-27 18:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from ledger.integrity import sqlite_triggers

revision: str = "7b3e9c1d4a26"
down_revision: str | None = "5e7d1a2b9c40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("sale", "pledge", "refund", "payout")
AFTER = (*BEFORE, "claim", "shipping")


def _allow(kinds: tuple[str, ...]) -> None:
    """SQLite rebuilds the table in batch mode, which drops its insert-only triggers: they
    are created again."""
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_journal_entry_entrykind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_journal_entry_entrykind"), f"kind IN ({listed})")
    if op.get_bind().dialect.name == "sqlite":
        for statement in sqlite_triggers("journal_entry"):
            op.execute(statement)


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    _allow(BEFORE)
