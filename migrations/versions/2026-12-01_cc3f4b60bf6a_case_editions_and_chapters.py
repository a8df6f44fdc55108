"""cases: editions (版), chapter section, ☆モデル事例, 見送り・不調 type, 掲載承諾

Revision ID: cc3f4b60bf6a
Revises: e7f1a9c2b4d6
Create Date: 2026-12-01 11:00:00

A case records the edition it first appeared in; "New" (cases.is_new) means first published in
the open edition. Existing cases keep their New marks: published cases not marked New go into a
closed 第1版, the New ones into the open 第2版 (or everything into an open 第1版 when all are
New). Each existing case is placed in a chapter section by its direction and menus, the rule
community/casebook/chapters.yaml states.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cc3f4b60bf6a'
down_revision = 'e7f1a9c2b4d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_editions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=300), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_case_editions_closed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_editions')),
        sa.UniqueConstraint('number', name=op.f('uq_case_editions_number')),
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('section', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('is_model', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('case_type', sa.Enum('standard', 'not_pursued', name='casetype', native_enum=False, length=12), server_default='standard', nullable=False))
        batch_op.add_column(sa.Column('consent', sa.Enum('none', 'requested', 'granted', name='consent', native_enum=False, length=10), server_default='none', nullable=False))
        batch_op.create_index(batch_op.f('ix_cases_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_section'), ['section'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_case_type'), ['case_type'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_edition_id_case_editions'), 'case_editions', ['edition_id'], ['id'], ondelete='SET NULL')
    _backfill()


def _backfill():
    bind = op.get_bind()
    cases = sa.table(
        'cases',
        sa.column('id', sa.Integer), sa.column('direction', sa.String), sa.column('is_new', sa.Boolean),
        sa.column('published_at', sa.DateTime), sa.column('edition_id', sa.Integer),
        sa.column('section', sa.String),
    )
    menus = sa.table('case_menus', sa.column('case_id', sa.Integer), sa.column('menu_code', sa.String))
    editions = sa.table(
        'case_editions', sa.column('id', sa.Integer), sa.column('number', sa.Integer),
        sa.column('opened_at', sa.DateTime), sa.column('closed_at', sa.DateTime),
    )
    rows = bind.execute(sa.select(cases.c.id, cases.c.direction, cases.c.is_new, cases.c.published_at)).all()
    if not rows:
        return
    codes: dict[int, set[str]] = {}
    for case_id, code in bind.execute(sa.select(menus.c.case_id, menus.c.menu_code)):
        codes.setdefault(case_id, set()).add(code)
    for case_id, direction, _new, _pub in rows:
        mine = codes.get(case_id, set())
        if direction == 'inside':
            section = 'staff_exchange' if mine & {'staff_exchange', 'exchange'} else 'talent_development'
        else:
            section = 'adviser_dispatch' if mine & {'adviser_dispatch', 'accompanying'} else 'existing_orgs'
        bind.execute(sa.update(cases).where(cases.c.id == case_id).values(section=section))

    now = datetime.now(timezone.utc)
    published = [r for r in rows if r.published_at is not None]
    earlier = [r.id for r in published if not r.is_new]
    newer = [r.id for r in published if r.is_new]

    def add_edition(number, closed_at):
        # No explicit id: PostgreSQL's sequence must hand out the ids the app uses later.
        bind.execute(sa.insert(editions).values(number=number, opened_at=now, closed_at=closed_at))
        return bind.execute(sa.select(editions.c.id).where(editions.c.number == number)).scalar_one()

    number = 1
    if earlier:
        first = add_edition(1, now)
        bind.execute(sa.update(cases).where(cases.c.id.in_(earlier)).values(edition_id=first))
        number = 2
    current = add_edition(number, None)
    if newer:
        bind.execute(sa.update(cases).where(cases.c.id.in_(newer)).values(edition_id=current))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_edition_id_case_editions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_case_type'))
        batch_op.drop_index(batch_op.f('ix_cases_section'))
        batch_op.drop_index(batch_op.f('ix_cases_edition_id'))
        batch_op.drop_column('consent')
        batch_op.drop_column('case_type')
        batch_op.drop_column('is_model')
        batch_op.drop_column('section')
        batch_op.drop_column('edition_id')
    op.drop_table('case_editions')
