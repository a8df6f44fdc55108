"""cases: whose words the interview section holds (editors' summary or a cited interview)

Revision ID: e6f9b2c3d4a5
Revises: d5e8a1b2c3f4
Create Date: 2026-12-01 11:00:00

Existing cases become 'summary' (編集部による要約): their question-and-answer text was written by
the editors, and only an editor who cites a published interview (who, when, where, a link) may
show it as one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6f9b2c3d4a5'
down_revision = 'd5e8a1b2c3f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview_kind', sa.Enum('summary', 'published', name='interviewkind', native_enum=False, length=10), server_default='summary', nullable=False))
        batch_op.add_column(sa.Column('interview_source', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('interview_url', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('interview_url')
        batch_op.drop_column('interview_source')
        batch_op.drop_column('interview_kind')
