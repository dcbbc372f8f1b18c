"""One idempotency store in core: orders, pledges and stop events use it

The keys and stored answers of stop events move from ``stop_event`` to
``idempotent_request`` (core.idempotency), which also keeps the keys of orders and pledges.
Keys moved over expire a day after the migration.

Revision ID: 5e1d0c2a7b93
Revises: 5d2e8b7a4c10
Create Date: 2026-11-27 15:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '5e1d0c2a7b93'
down_revision: str | None = '5d2e8b7a4c10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_requests = sa.table(
    'idempotent_request',
    sa.column('user_id', sa.Integer),
    sa.column('key', sa.String),
    sa.column('fingerprint', sa.String),
    sa.column('status_code', sa.Integer),
    sa.column('response', sa.Text),
    sa.column('created_at', core.db.UTCDateTime(timezone=True)),
    sa.column('expires_at', core.db.UTCDateTime(timezone=True)),
)
_events = sa.table(
    'stop_event',
    sa.column('user_id', sa.Integer),
    sa.column('idempotency_key', sa.String),
    sa.column('fingerprint', sa.String),
    sa.column('response', sa.Text),
    sa.column('created_at', core.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table('idempotent_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotent_request_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_request')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotent_request_user_id_key'))
    )
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_request_expires_at'), ['expires_at'], unique=False)

    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    rows = op.get_bind().execute(sa.select(_events)).mappings().all()
    if rows:
        op.bulk_insert(_requests, [
            {
                'user_id': row['user_id'], 'key': row['idempotency_key'],
                'fingerprint': row['fingerprint'], 'status_code': 201,
                'response': row['response'], 'created_at': row['created_at'],
                'expires_at': expires,
            }
            for row in rows
        ])
    with op.batch_alter_table('stop_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_stop_event_user_id_idempotency_key'), type_='unique')
        batch_op.drop_column('response')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('idempotency_key')


def downgrade() -> None:
    with op.batch_alter_table('stop_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('response', sa.Text(), nullable=True))
    # The stop events' keys cannot be told apart from the others any more: a repeat of an old
    # confirmation after a downgrade answers 409 with the stop's state, which is safe.
    op.execute("UPDATE stop_event SET idempotency_key = 'migrated-' || id, fingerprint = '', response = '{}'")
    with op.batch_alter_table('stop_event', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('fingerprint', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('response', existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_stop_event_user_id_idempotency_key'), ['user_id', 'idempotency_key'])
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_request_expires_at'))
    op.drop_table('idempotent_request')
