"""network_month_figures: stored KPI figures of closed months, each month's change count, and
indexes for the current month computed live (answers by time, questions' authors and fields)

Revision ID: b3c5d7e9f1a2
Revises: a8d3f6e1c2b9
Create Date: 2026-12-01 18:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c5d7e9f1a2'
down_revision = 'a8d3f6e1c2b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'network_month_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('by_kind', sa.String(length=10), nullable=False),
        sa.Column('filter_key', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_month_figures')),
        sa.UniqueConstraint(
            'month', 'by_kind', 'filter_key',
            name=op.f('uq_network_month_figures_month'),
        ),
    )
    op.create_table(
        'network_month_changes',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_network_month_changes')),
    )
    op.create_index('ix_answers_created_at', 'answers', ['created_at'])
    op.create_index(
        'ix_questions_shown_authors', 'questions', ['id', 'author_id', 'field_code'],
        postgresql_where=sa.text('hidden_at IS NULL'), sqlite_where=sa.text('hidden_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_questions_shown_authors', table_name='questions')
    op.drop_index('ix_answers_created_at', table_name='answers')
    op.drop_table('network_month_changes')
    op.drop_table('network_month_figures')
