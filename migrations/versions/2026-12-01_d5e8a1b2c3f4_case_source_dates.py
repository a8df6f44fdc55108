"""case_sources: access date (閲覧日), as-of date (時点) and what the source supports

Revision ID: d5e8a1b2c3f4
Revises: c9e7a3b4d5f6
Create Date: 2026-12-01 10:30:00

A figure in a case is only as good as its source and the date it holds for; existing rows get
no dates (NULL / empty) and show without them until an editor fills them in.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e8a1b2c3f4'
down_revision = 'c9e7a3b4d5f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accessed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('as_of', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('supports', sa.String(length=1000), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('case_sources', schema=None) as batch_op:
        batch_op.drop_column('supports')
        batch_op.drop_column('as_of')
        batch_op.drop_column('accessed_on')
