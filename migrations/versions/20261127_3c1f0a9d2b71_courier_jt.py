"""couriers: J&T (极兔)

Revision ID: 3c1f0a9d2b71
Revises: 9ef8a5e01934
Create Date: 2026-11-27 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '3c1f0a9d2b71'
down_revision: str | None = '9ef8a5e01934'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ('SF', 'EMS', 'ZTO', 'YTO', 'STO', 'YUNDA', 'JD', 'STATION')
AFTER = ('SF', 'EMS', 'ZTO', 'YTO', 'STO', 'YUNDA', 'JD', 'JT', 'STATION')


def _allow(couriers: tuple[str, ...]) -> None:
    listed = ', '.join(f"'{c}'" for c in couriers)
    with op.batch_alter_table('parcel', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_parcel_courier'), type_='check')
        batch_op.create_check_constraint(op.f('ck_parcel_courier'), f'courier IN ({listed})')


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    _allow(BEFORE)
