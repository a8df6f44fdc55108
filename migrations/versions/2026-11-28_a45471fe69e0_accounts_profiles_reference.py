"""accounts profiles reference

Revision ID: a45471fe69e0
Revises: 
Create Date: 2026-11-28 06:20:25.287315

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a45471fe69e0'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fields',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_fields'))
    )
    op.create_table('population_bands',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_population_bands'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('topics',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_topics'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=30), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('member', 'adviser', 'editor', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_staff', sa.Boolean(), nullable=False),
    sa.Column('verified_manually', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_last_seen_at'), ['last_seen_at'], unique=False)

    op.create_table('verified_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verified_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_verified_domains_domain'))
    )
    op.create_table('prefectures',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_prefectures_region_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_prefectures'))
    )
    op.create_table('profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=True),
    sa.Column('population_band_code', sa.String(length=20), nullable=True),
    sa.Column('department', sa.String(length=120), nullable=False),
    sa.Column('job_title', sa.String(length=80), nullable=False),
    sa.Column('years_experience', sa.Integer(), nullable=True),
    sa.Column('qualifications', sa.String(length=300), nullable=False),
    sa.Column('bio_md', sa.Text(), nullable=False),
    sa.Column('bio_html', sa.Text(), nullable=False),
    sa.Column('bio_renderer', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.Enum('members', 'public', name='visibility', native_enum=False, length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['population_band_code'], ['population_bands.code'], name=op.f('fk_profiles_population_band_code_population_bands')),
    sa.ForeignKeyConstraint(['prefecture_code'], ['prefectures.code'], name=op.f('fk_profiles_prefecture_code_prefectures')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_profiles'))
    )
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profiles_population_band_code'), ['population_band_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_profiles_prefecture_code'), ['prefecture_code'], unique=False)

    op.create_table('profile_fields',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('field_code', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['field_code'], ['fields.code'], name=op.f('fk_profile_fields_field_code_fields')),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.user_id'], name=op.f('fk_profile_fields_profile_id_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'field_code', name=op.f('pk_profile_fields'))
    )
    with op.batch_alter_table('profile_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_fields_field_code'), ['field_code'], unique=False)

    op.create_table('profile_help_topics',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('topic_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.user_id'], name=op.f('fk_profile_help_topics_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_code'], ['topics.code'], name=op.f('fk_profile_help_topics_topic_code_topics')),
    sa.PrimaryKeyConstraint('profile_id', 'topic_code', name=op.f('pk_profile_help_topics'))
    )
    with op.batch_alter_table('profile_help_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_help_topics_topic_code'), ['topic_code'], unique=False)

    op.create_table('profile_learn_topics',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('topic_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.user_id'], name=op.f('fk_profile_learn_topics_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_code'], ['topics.code'], name=op.f('fk_profile_learn_topics_topic_code_topics')),
    sa.PrimaryKeyConstraint('profile_id', 'topic_code', name=op.f('pk_profile_learn_topics'))
    )
    with op.batch_alter_table('profile_learn_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_learn_topics_topic_code'), ['topic_code'], unique=False)



def downgrade():
    with op.batch_alter_table('profile_learn_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_learn_topics_topic_code'))

    op.drop_table('profile_learn_topics')
    with op.batch_alter_table('profile_help_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_help_topics_topic_code'))

    op.drop_table('profile_help_topics')
    with op.batch_alter_table('profile_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_fields_field_code'))

    op.drop_table('profile_fields')
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profiles_prefecture_code'))
        batch_op.drop_index(batch_op.f('ix_profiles_population_band_code'))

    op.drop_table('profiles')
    op.drop_table('prefectures')
    op.drop_table('verified_domains')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_last_seen_at'))

    op.drop_table('users')
    op.drop_table('topics')
    op.drop_table('regions')
    op.drop_table('population_bands')
    op.drop_table('fields')
