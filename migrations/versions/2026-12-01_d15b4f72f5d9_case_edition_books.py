"""case_edition_books: a closed edition's PDF, printed when it was closed and never changed

Revision ID: d15b4f72f5d9
Revises: 7ce35873ce20
Create Date: 2026-12-01 14:10:00

Closing an edition now stores its public PDF. Editions closed before this revision have none:
the first request for one renders it from the cases as they read then and stores it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd15b4f72f5d9'
down_revision = '7ce35873ce20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_edition_books',
        sa.Column('edition_id', sa.Integer(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['edition_id'], ['case_editions.id'],
            name=op.f('fk_case_edition_books_edition_id_case_editions'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_case_edition_books')),
    )


def downgrade():
    op.drop_table('case_edition_books')
