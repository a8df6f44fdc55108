"""question invitations

Revision ID: 38c9fd491c9c
Revises: e182afb581a2
Create Date: 2026-11-28 07:42:42.195428

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '38c9fd491c9c'
down_revision = 'e182afb581a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('inviter_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inviter_id'], ['users.id'], name=op.f('fk_question_invites_inviter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_invites_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_invites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_invites')),
    sa.UniqueConstraint('question_id', 'user_id', name=op.f('uq_question_invites_question_id'))
    )
    with op.batch_alter_table('question_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_invites_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_invites_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('question_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_invites_user_id'))
        batch_op.drop_index(batch_op.f('ix_question_invites_question_id'))

    op.drop_table('question_invites')
