"""users: when the member closed the getting-started checklist

Revision ID: f4d3e5a6b7c8
Revises: e3c2d4f5a6b7
Create Date: 2026-11-30 23:30:00

NULL means the checklist still shows on the home page; the page itself stays reachable from the
account menu either way.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4d3e5a6b7c8'
down_revision = 'e3c2d4f5a6b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('onboarding_dismissed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('onboarding_dismissed_at')
