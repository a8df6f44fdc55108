"""bookings: a version counter so that two changes racing on one booking cannot both apply

Revision ID: c1a0b2d3e4f5
Revises: b7d41c2e9f30
Create Date: 2026-11-30 09:00:00

Every UPDATE of a booking says `WHERE version = <the version it read>` and raises the counter;
the loser of a race updates no row and is told that the booking changed. Existing rows start at 1.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1a0b2d3e4f5'
down_revision = 'b7d41c2e9f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1'))
        )


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('version')
