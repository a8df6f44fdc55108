"""search index

Revision ID: e182afb581a2
Revises: 0f8bd1e0561d
Create Date: 2026-11-28 07:37:25.206773

"""
from alembic import op
import sqlalchemy as sa

from community.search.models import create_fulltext, drop_fulltext


# revision identifiers, used by Alembic.
revision = 'e182afb581a2'
down_revision = '0f8bd1e0561d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
    sa.UniqueConstraint('kind', 'ref_id', 'section', name=op.f('uq_search_entries_kind'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_search_entries_kind_ref', ['kind', 'ref_id'], unique=False)
    # The full-text part: FTS5 and triggers on SQLite, a generated tsvector and GIN on PostgreSQL.
    # Fill it afterwards with `flask --app wsgi search reindex`.
    create_fulltext(op.get_bind())


def downgrade():
    drop_fulltext(op.get_bind())
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entries_kind_ref')

    op.drop_table('search_entries')
