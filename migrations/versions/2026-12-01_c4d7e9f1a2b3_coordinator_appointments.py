"""coordinator_appointments: members appointed to coordinate the network view of a prefecture

Revision ID: c4d7e9f1a2b3
Revises: b3e4f5a6c7d8
Create Date: 2026-12-01 17:00:00

A coordinator (群マネ担当) sees /network/ for the prefectures they are appointed to; the
appointment sits beside the member's role and does not replace it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d7e9f1a2b3'
down_revision = 'b3e4f5a6c7d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'coordinator_appointments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('prefecture_code', sa.String(length=2), nullable=False),
        sa.Column('appointed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_coordinator_appointments_user_id_users'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['prefecture_code'], ['prefectures.code'],
            name=op.f('fk_coordinator_appointments_prefecture_code_prefectures'),
        ),
        sa.ForeignKeyConstraint(
            ['appointed_by_id'], ['users.id'],
            name=op.f('fk_coordinator_appointments_appointed_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coordinator_appointments')),
        sa.UniqueConstraint(
            'user_id', 'prefecture_code',
            name=op.f('uq_coordinator_appointments_user_id'),
        ),
    )
    with op.batch_alter_table('coordinator_appointments', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_coordinator_appointments_user_id'), ['user_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_coordinator_appointments_prefecture_code'), ['prefecture_code'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('coordinator_appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinator_appointments_prefecture_code'))
        batch_op.drop_index(batch_op.f('ix_coordinator_appointments_user_id'))
    op.drop_table('coordinator_appointments')
