"""circles and questions

Revision ID: 5c5a4325ac76
Revises: a45471fe69e0
Create Date: 2026-11-28 06:41:14.963845

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c5a4325ac76'
down_revision = 'a45471fe69e0'
branch_labels = None
depends_on = None


def upgrade():
    # questions.accepted_answer_id and answers.question_id point at each other. PostgreSQL
    # needs the answers table before that foreign key exists; SQLite cannot add one later
    # without rebuilding the table, but accepts it inline before the target exists.
    sqlite = op.get_bind().dialect.name == "sqlite"
    accepted_fk = sa.ForeignKeyConstraint(
        ['accepted_answer_id'], ['answers.id'],
        name=op.f('fk_questions_accepted_answer_id_answers'), ondelete='SET NULL',
    )
    op.create_table('circles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('description_md', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('rules_md', sa.Text(), nullable=False),
    sa.Column('rules_html', sa.Text(), nullable=False),
    sa.Column('renderer', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.Enum('open', 'request', 'private', name='circlevisibility', native_enum=False, length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circles')),
    sa.UniqueConstraint('slug', name=op.f('uq_circles_slug'))
    )
    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circles_visibility'), ['visibility'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('circle_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('owner', 'moderator', 'member', name='circlerole', native_enum=False, length=12), nullable=False),
    sa.Column('status', sa.Enum('active', 'pending', name='membershipstatus', native_enum=False, length=12), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_circle_memberships_circle_id_circles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_circle_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_memberships')),
    sa.UniqueConstraint('circle_id', 'user_id', name=op.f('uq_circle_memberships_circle_id'))
    )
    with op.batch_alter_table('circle_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circle_memberships_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_circle_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('renderer', sa.Integer(), nullable=False),
    sa.Column('field_code', sa.String(length=30), nullable=True),
    sa.Column('stage', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'answered', 'resolved', name='questionstatus', native_enum=False, length=12), nullable=False),
    sa.Column('close_reason', sa.Enum('duplicate', 'off_topic', name='closereason', native_enum=False, length=12), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('accepted_answer_id', sa.Integer(), nullable=True),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answer_count', sa.Integer(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('stage IS NULL OR stage BETWEEN 1 AND 3', name=op.f('ck_questions_stage_range')),
    *([accepted_fk] if sqlite else []),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_questions_author_id_users')),
    sa.ForeignKeyConstraint(['circle_id'], ['circles.id'], name=op.f('fk_questions_circle_id_circles')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['questions.id'], name=op.f('fk_questions_duplicate_of_id_questions')),
    sa.ForeignKeyConstraint(['field_code'], ['fields.code'], name=op.f('fk_questions_field_code_fields')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_questions_circle_activity', ['circle_id', 'last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_circle_id'), ['circle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_field_code'), ['field_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_last_activity_at'), ['last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_score'), ['score'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_status'), ['status'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('renderer', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_answers_author_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_question_id'), ['question_id'], unique=False)

    if not sqlite:
        op.create_foreign_key(
            op.f('fk_questions_accepted_answer_id_answers'), 'questions', 'answers',
            ['accepted_answer_id'], ['id'], ondelete='SET NULL',
        )

    op.create_table('question_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_follows_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_follows')),
    sa.UniqueConstraint('question_id', 'user_id', name=op.f('uq_question_follows_question_id'))
    )
    with op.batch_alter_table('question_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_follows_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_follows_user_id'), ['user_id'], unique=False)

    op.create_table('question_tags',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_tags_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_question_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'tag_id', name=op.f('pk_question_tags'))
    )
    with op.batch_alter_table('question_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('question_topics',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('topic_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_topics_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_code'], ['topics.code'], name=op.f('fk_question_topics_topic_code_topics')),
    sa.PrimaryKeyConstraint('question_id', 'topic_code', name=op.f('pk_question_topics'))
    )
    with op.batch_alter_table('question_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_topics_topic_code'), ['topic_code'], unique=False)

    op.create_table('question_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('viewer', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_views_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_views')),
    sa.UniqueConstraint('question_id', 'viewer', 'day', name=op.f('uq_question_views_question_id'))
    )
    op.create_table('question_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_question_votes_value')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_votes_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_votes')),
    sa.UniqueConstraint('question_id', 'user_id', name=op.f('uq_question_votes_question_id'))
    )
    with op.batch_alter_table('question_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_votes_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_votes_user_id'), ['user_id'], unique=False)

    op.create_table('answer_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_answer_votes_value')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_votes_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_answer_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_votes')),
    sa.UniqueConstraint('answer_id', 'user_id', name=op.f('uq_answer_votes_answer_id'))
    )
    with op.batch_alter_table('answer_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_votes_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_votes_user_id'), ['user_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=600), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(question_id IS NULL) <> (answer_id IS NULL)', name=op.f('ck_comments_one_parent')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_comments_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_comments_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['questions.id'], name=op.f('fk_comments_thread_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_thread_id'), ['thread_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(question_id IS NULL) <> (answer_id IS NULL)', name=op.f('ck_revisions_one_post')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_revisions_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_revisions_editor_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_revisions_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_question_id'), ['question_id'], unique=False)



def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f('fk_questions_accepted_answer_id_answers'), 'questions', type_='foreignkey'
        )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_question_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_answer_id'))

    op.drop_table('revisions')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_thread_id'))
        batch_op.drop_index(batch_op.f('ix_comments_question_id'))
        batch_op.drop_index(batch_op.f('ix_comments_answer_id'))

    op.drop_table('comments')
    with op.batch_alter_table('answer_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_votes_user_id'))
        batch_op.drop_index(batch_op.f('ix_answer_votes_answer_id'))

    op.drop_table('answer_votes')
    with op.batch_alter_table('question_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_votes_user_id'))
        batch_op.drop_index(batch_op.f('ix_question_votes_question_id'))

    op.drop_table('question_votes')
    op.drop_table('question_views')
    with op.batch_alter_table('question_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_topics_topic_code'))

    op.drop_table('question_topics')
    with op.batch_alter_table('question_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_tags_tag_id'))

    op.drop_table('question_tags')
    with op.batch_alter_table('question_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_follows_user_id'))
        batch_op.drop_index(batch_op.f('ix_question_follows_question_id'))

    op.drop_table('question_follows')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_question_id'))
        batch_op.drop_index(batch_op.f('ix_answers_author_id'))

    op.drop_table('answers')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_status'))
        batch_op.drop_index(batch_op.f('ix_questions_score'))
        batch_op.drop_index(batch_op.f('ix_questions_last_activity_at'))
        batch_op.drop_index(batch_op.f('ix_questions_field_code'))
        batch_op.drop_index(batch_op.f('ix_questions_created_at'))
        batch_op.drop_index(batch_op.f('ix_questions_circle_id'))
        batch_op.drop_index('ix_questions_circle_activity')
        batch_op.drop_index(batch_op.f('ix_questions_author_id'))

    op.drop_table('questions')
    with op.batch_alter_table('circle_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circle_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_circle_memberships_circle_id'))

    op.drop_table('circle_memberships')
    op.drop_table('tags')
    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circles_visibility'))

    op.drop_table('circles')
