"""questions.version: the key of a question page cached for visitors

Revision ID: a8b9c0d1e2f3
Revises: f7a0c3d4e5b6
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "a8b9c0d1e2f3"
down_revision = "f7a0c3d4e5b6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("version")
