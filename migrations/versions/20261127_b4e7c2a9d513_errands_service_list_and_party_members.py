"""errands: the station's service list (categories withdrawn), grids' party members

Revision ID: b4e7c2a9d513
Revises: a4b7c2d9e610
Create Date: 2026-11-27 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b4e7c2a9d513'
down_revision: str | None = 'a4b7c2d9e610'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The values as of this migration (a migration does not read the models: they move on).
CATEGORIES = (
    'insurance',
    'certificate',
    'bill_payment',
    'repair',
    'farming_advice',
    'shopping',
    'other',
)


def upgrade() -> None:
    op.create_table('errand_withdrawn_category',
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum(*CATEGORIES, name='category', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], name=op.f('fk_errand_withdrawn_category_village_id_village')),
    sa.PrimaryKeyConstraint('village_id', 'category', name=op.f('pk_errand_withdrawn_category'))
    )
    with op.batch_alter_table('errand_grid', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('party_member', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('errand_grid', schema=None) as batch_op:
        batch_op.drop_column('party_member')
    op.drop_table('errand_withdrawn_category')
