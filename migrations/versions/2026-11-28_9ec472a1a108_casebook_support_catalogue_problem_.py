"""casebook, support catalogue, problem stage on profiles

Revision ID: 9ec472a1a108
Revises: 5c5a4325ac76
Create Date: 2026-11-28 07:02:09.276081

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9ec472a1a108'
down_revision = '5c5a4325ac76'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('support_menus',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('stages', sa.JSON(), nullable=False),
    sa.Column('description_ja', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_support_menus'))
    )
    op.create_table('support_organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('offers_md', sa.Text(), nullable=False),
    sa.Column('offers_html', sa.Text(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('prefectures', sa.JSON(), nullable=False),
    sa.Column('menu_codes', sa.JSON(), nullable=False),
    sa.Column('field_codes', sa.JSON(), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_support_organisations_slug'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('summary_points', sa.JSON(), nullable=False),
    sa.Column('overview_md', sa.Text(), nullable=False),
    sa.Column('overview_html', sa.Text(), nullable=False),
    sa.Column('organisations', sa.String(length=500), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=True),
    sa.Column('population_band_code', sa.String(length=20), nullable=True),
    sa.Column('direction', sa.Enum('outside', 'inside', name='direction', native_enum=False, length=10), nullable=False),
    sa.Column('effects_md', sa.Text(), nullable=False),
    sa.Column('effects_html', sa.Text(), nullable=False),
    sa.Column('effect_figures', sa.JSON(), nullable=False),
    sa.Column('cost_initial', sa.BigInteger(), nullable=True),
    sa.Column('cost_running', sa.BigInteger(), nullable=True),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('contact_department', sa.String(length=300), nullable=False),
    sa.Column('is_new', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'review', 'published', name='casestatus', native_enum=False, length=10), nullable=False),
    sa.Column('renderer', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cases_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['population_band_code'], ['population_bands.code'], name=op.f('fk_cases_population_band_code_population_bands')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_cases_prefecture_code_prefectures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('slug', name=op.f('uq_cases_slug'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_direction'), ['direction'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_population_band_code'), ['population_band_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_prefecture_code'), ['prefecture_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('answer_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_citations_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_answer_citations_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_citations')),
    sa.UniqueConstraint('answer_id', 'case_id', name=op.f('uq_answer_citations_answer_id'))
    )
    with op.batch_alter_table('answer_citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_citations_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_citations_case_id'), ['case_id'], unique=False)

    op.create_table('case_cost_rows',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('initial', 'running')", name=op.f('ck_case_cost_rows_kind')),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_case_cost_rows_amount')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_cost_rows_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_cost_rows'))
    )
    with op.batch_alter_table('case_cost_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_cost_rows_case_id'), ['case_id'], unique=False)

    op.create_table('case_fields',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('field_code', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_fields_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_code'], ['fields.code'], name=op.f('fk_case_fields_field_code_fields')),
    sa.PrimaryKeyConstraint('case_id', 'field_code', name=op.f('pk_case_fields'))
    )
    with op.batch_alter_table('case_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_fields_field_code'), ['field_code'], unique=False)

    op.create_table('case_interview_pairs',
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_interview_pairs_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_interview_pairs'))
    )
    with op.batch_alter_table('case_interview_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_interview_pairs_case_id'), ['case_id'], unique=False)

    op.create_table('case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_case_links_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links')),
    sa.UniqueConstraint('question_id', 'case_id', name=op.f('uq_case_links_question_id'))
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_links_question_id'), ['question_id'], unique=False)

    op.create_table('case_menus',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('menu_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_menus_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['menu_code'], ['support_menus.code'], name=op.f('fk_case_menus_menu_code_support_menus')),
    sa.PrimaryKeyConstraint('case_id', 'menu_code', name=op.f('pk_case_menus'))
    )
    with op.batch_alter_table('case_menus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_menus_menu_code'), ['menu_code'], unique=False)

    op.create_table('case_organisations',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_organisations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['support_organisations.id'], name=op.f('fk_case_organisations_organisation_id_support_organisations')),
    sa.PrimaryKeyConstraint('case_id', 'organisation_id', name=op.f('pk_case_organisations'))
    )
    with op.batch_alter_table('case_organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_organisations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('case_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_revisions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_case_revisions_editor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_revisions'))
    )
    with op.batch_alter_table('case_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_revisions_case_id'), ['case_id'], unique=False)

    op.create_table('case_schedule_rows',
    sa.Column('period', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_schedule_rows_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_schedule_rows'))
    )
    with op.batch_alter_table('case_schedule_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_schedule_rows_case_id'), ['case_id'], unique=False)

    op.create_table('case_sources',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_sources_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_sources'))
    )
    with op.batch_alter_table('case_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_sources_case_id'), ['case_id'], unique=False)

    op.create_table('case_stages',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), autoincrement=False, nullable=False),
    sa.CheckConstraint('stage BETWEEN 1 AND 3', name=op.f('ck_case_stages_stage_range')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_stages_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'stage', name=op.f('pk_case_stages'))
    )
    with op.batch_alter_table('case_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_stages_stage'), ['stage'], unique=False)

    op.create_table('case_topics',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('topic_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_topics_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_code'], ['topics.code'], name=op.f('fk_case_topics_topic_code_topics')),
    sa.PrimaryKeyConstraint('case_id', 'topic_code', name=op.f('pk_case_topics'))
    )
    with op.batch_alter_table('case_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_topics_topic_code'), ['topic_code'], unique=False)

    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('problem_stage', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_column('problem_stage')

    with op.batch_alter_table('case_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_topics_topic_code'))

    op.drop_table('case_topics')
    with op.batch_alter_table('case_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_stages_stage'))

    op.drop_table('case_stages')
    with op.batch_alter_table('case_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_sources_case_id'))

    op.drop_table('case_sources')
    with op.batch_alter_table('case_schedule_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_schedule_rows_case_id'))

    op.drop_table('case_schedule_rows')
    with op.batch_alter_table('case_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_revisions_case_id'))

    op.drop_table('case_revisions')
    with op.batch_alter_table('case_organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_organisations_organisation_id'))

    op.drop_table('case_organisations')
    with op.batch_alter_table('case_menus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_menus_menu_code'))

    op.drop_table('case_menus')
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_links_question_id'))
        batch_op.drop_index(batch_op.f('ix_case_links_case_id'))

    op.drop_table('case_links')
    with op.batch_alter_table('case_interview_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_interview_pairs_case_id'))

    op.drop_table('case_interview_pairs')
    with op.batch_alter_table('case_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_fields_field_code'))

    op.drop_table('case_fields')
    with op.batch_alter_table('case_cost_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_cost_rows_case_id'))

    op.drop_table('case_cost_rows')
    with op.batch_alter_table('answer_citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_citations_case_id'))
        batch_op.drop_index(batch_op.f('ix_answer_citations_answer_id'))

    op.drop_table('answer_citations')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_prefecture_code'))
        batch_op.drop_index(batch_op.f('ix_cases_population_band_code'))
        batch_op.drop_index(batch_op.f('ix_cases_direction'))

    op.drop_table('cases')
    op.drop_table('support_organisations')
    op.drop_table('support_menus')
