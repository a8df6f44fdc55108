"""site_settings: site-wide settings, one row per key (first: the demo banner)

Revision ID: f7a0c3d4e5b6
Revises: e6f9b2c3d4a5
Create Date: 2026-12-01 11:30:00

`flask seed demo` stores demo_banner=on, so that every page served from demo data says that its
people, questions and affiliations are fictional.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a0c3d4e5b6'
down_revision = 'e6f9b2c3d4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'site_settings',
        sa.Column('key', sa.String(length=50), nullable=False),
        sa.Column('value', sa.String(length=500), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings')),
    )


def downgrade():
    op.drop_table('site_settings')
