"""case_suggestions: members' short case suggestions and the editors' decisions

Revision ID: 7ce35873ce20
Revises: cc3f4b60bf6a
Create Date: 2026-12-01 13:26:01

A member suggests a case in a few lines (what happened, where, who, a link, a contact); an
editor turns it into a case (case_id) or declines it with a reason.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7ce35873ce20'
down_revision = 'cc3f4b60bf6a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_suggestions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=150), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('people', sa.String(length=300), nullable=False),
        sa.Column('source_url', sa.String(length=500), nullable=True),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('suggested_by_id', sa.Integer(), nullable=True),
        sa.Column(
            'status',
            sa.Enum(
                'pending', 'accepted', 'declined',
                name='suggestionstatus', native_enum=False, length=10,
            ),
            nullable=False,
        ),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decline_reason', sa.String(length=500), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['case_id'], ['cases.id'],
            name=op.f('fk_case_suggestions_case_id_cases'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['users.id'],
            name=op.f('fk_case_suggestions_decided_by_id_users'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['suggested_by_id'], ['users.id'],
            name=op.f('fk_case_suggestions_suggested_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_suggestions')),
    )
    op.create_index(
        op.f('ix_case_suggestions_status'), 'case_suggestions', ['status'], unique=False
    )
    op.create_index(
        op.f('ix_case_suggestions_suggested_by_id'),
        'case_suggestions', ['suggested_by_id'], unique=False,
    )


def downgrade():
    op.drop_index(op.f('ix_case_suggestions_suggested_by_id'), table_name='case_suggestions')
    op.drop_index(op.f('ix_case_suggestions_status'), table_name='case_suggestions')
    op.drop_table('case_suggestions')
