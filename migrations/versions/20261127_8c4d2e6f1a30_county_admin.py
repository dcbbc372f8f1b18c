"""county admin: the 县级管理员 role, granted for a county

Revision ID: 8c4d2e6f1a30
Revises: 4162f9ee1aa7
Create Date: 2026-11-27 19:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4d2e6f1a30"
down_revision: str | None = "4162f9ee1aa7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = ("villager", "farmer", "agent", "cadre", "dispatcher", "admin", "supplier", "buyer")
ROLES_AFTER = (*ROLES_BEFORE, "county_admin")


def _allow_roles(roles: tuple[str, ...]) -> None:
    """The role column is a checked string: widen (or narrow) its CHECK for the new role."""
    if op.get_bind().dialect.name == "sqlite":  # SQLite rebuilds the table with the new check
        column = sa.Column(
            "role",
            sa.Enum(*roles, name="role", native_enum=False, create_constraint=True, length=30),
            nullable=False,
        )
        with op.batch_alter_table("role_grant", recreate="always", reflect_args=[column]):
            pass
        return
    op.drop_constraint(op.f("ck_role_grant_role"), "role_grant", type_="check")
    allowed = ", ".join(f"'{role}'" for role in roles)
    op.create_check_constraint(op.f("ck_role_grant_role"), "role_grant", f"role IN ({allowed})")


def upgrade() -> None:
    _allow_roles(ROLES_AFTER)
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("county_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_role_grant_county_id"), ["county_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_role_grant_county_id_county"), "county", ["county_id"], ["id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM role_grant WHERE role = 'county_admin'")
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_role_grant_county_id_county"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_role_grant_county_id"))
        batch_op.drop_column("county_id")
    _allow_roles(ROLES_BEFORE)
