"""profile_stage_changes: the history of members' problem stages (課題ステータス)

Revision ID: c4d6e8f0a2b4
Revises: b3c5d7e9f1a2
Create Date: 2026-12-01 19:00:00

Stages set before the history began are recorded once as a first set (None → n) at the
profile's last update, so that the counts of members at each stage start complete.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d6e8f0a2b4'
down_revision = 'b3c5d7e9f1a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'profile_stage_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('from_stage', sa.Integer(), nullable=True),
        sa.Column('to_stage', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_profile_stage_changes_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_stage_changes')),
    )
    op.create_index(
        op.f('ix_profile_stage_changes_changed_at'), 'profile_stage_changes', ['changed_at']
    )
    op.create_index(
        op.f('ix_profile_stage_changes_user_id'), 'profile_stage_changes', ['user_id']
    )
    op.execute(
        "INSERT INTO profile_stage_changes (user_id, from_stage, to_stage, changed_at) "
        "SELECT user_id, NULL, problem_stage, updated_at FROM profiles "
        "WHERE problem_stage IS NOT NULL"
    )


def downgrade():
    op.drop_index(op.f('ix_profile_stage_changes_user_id'), table_name='profile_stage_changes')
    op.drop_index(op.f('ix_profile_stage_changes_changed_at'), table_name='profile_stage_changes')
    op.drop_table('profile_stage_changes')
