"""tags: the display form as first written, beside the normalised key

Revision ID: a7c5e1f2b3d4
Revises: f4d3e5a6b7c8
Create Date: 2026-11-30 23:40:00

Existing tags were stored only in their normalised form, which is what they keep showing (the
form first written was not kept); new tags show as written.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c5e1f2b3d4'
down_revision = 'f4d3e5a6b7c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=40), nullable=True))
    op.execute("UPDATE tags SET label = name")
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.alter_column('label', existing_type=sa.String(length=40), nullable=False)


def downgrade():
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_column('label')
