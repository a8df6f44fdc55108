"""municipalities (全国地方公共団体コード); profiles name one, with the organisation's kind

Revision ID: b3e4f5a6c7d8
Revises: d15b4f72f5d9
Create Date: 2026-12-01 14:20:00

The rows themselves are reference data (seeds/reference/municipalities.csv, `flask seed
reference`); existing free-text organisations are matched by `flask reference
match-organisations` (run by `make db`) once the rows are there.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e4f5a6c7d8'
down_revision = 'd15b4f72f5d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'municipalities',
        sa.Column('code', sa.String(length=6), nullable=False),
        sa.Column('prefecture_code', sa.String(length=2), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('kana', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('retired_at', sa.Date(), nullable=True),
        sa.Column('successor_code', sa.String(length=6), nullable=True),
        sa.Column('population', sa.Integer(), nullable=True),
        sa.Column('population_as_of', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_municipalities_prefecture_code_prefectures')),
        sa.ForeignKeyConstraint(['successor_code'], ['municipalities.code'], name=op.f('fk_municipalities_successor_code_municipalities')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_municipalities')),
    )
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipalities_prefecture_code'), ['prefecture_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_municipalities_name'), ['name'], unique=False)

    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_code', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('organisation_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('organisation_review', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('technical_staff', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_profiles_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_profiles_municipality_code_municipalities'), 'municipalities', ['municipality_code'], ['code'])


def downgrade():
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_profiles_municipality_code_municipalities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_profiles_municipality_code'))
        batch_op.drop_column('technical_staff')
        batch_op.drop_column('organisation_review')
        batch_op.drop_column('organisation_kind')
        batch_op.drop_column('municipality_code')

    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipalities_name'))
        batch_op.drop_index(batch_op.f('ix_municipalities_prefecture_code'))

    op.drop_table('municipalities')
