"""moderation: flags, audit log, hidden posts, suspensions

Revision ID: 0f8bd1e0561d
Revises: f3325acb7ae1
Create Date: 2026-11-28 07:31:36.137331

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0f8bd1e0561d'
down_revision = 'f3325acb7ae1'
branch_labels = None
depends_on = None


def upgrade():
    # server_default fills the new NOT NULL columns of existing rows.
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('circle_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.Enum('question', 'answer', 'comment', 'case_link', 'profile', name='targettype', native_enum=False, length=12), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('spam', 'harassment', 'off_topic', 'personal_info', 'other', name='flagreason', native_enum=False, length=16), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', 'dismissed', name='flagstatus', native_enum=False, length=10), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('outcome_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_flags_circle_id_circles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_flags_claimed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_flags_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('target_type', 'target_id', 'reporter_id', name=op.f('uq_flags_target_type'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index('ix_flags_open_target', ['status', 'target_type', 'target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_status'), ['status'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=300), nullable=False, server_default=''))

    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=300), nullable=False, server_default=''))

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_questions_hidden_at'), ['hidden_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.String(length=500), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('suspended_until')

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_hidden_at'))
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')
        batch_op.drop_column('locked')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_status'))
        batch_op.drop_index(batch_op.f('ix_flags_reporter_id'))
        batch_op.drop_index('ix_flags_open_target')
        batch_op.drop_index(batch_op.f('ix_flags_circle_id'))

    op.drop_table('flags')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_circle_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
