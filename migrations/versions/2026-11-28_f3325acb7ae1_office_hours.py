"""office hours

Revision ID: f3325acb7ae1
Revises: 9ec472a1a108
Create Date: 2026-11-28 07:09:44.659707

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3325acb7ae1'
down_revision = '9ec472a1a108'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('adviser_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('affiliation', sa.String(length=200), nullable=False),
    sa.Column('intro_md', sa.Text(), nullable=False),
    sa.Column('intro_html', sa.Text(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('modes', sa.JSON(), nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('min_notice_hours', sa.Integer(), nullable=False),
    sa.Column('max_days_ahead', sa.Integer(), nullable=False),
    sa.Column('max_active_per_member', sa.Integer(), nullable=False),
    sa.Column('requires_confirmation', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.CheckConstraint('buffer_minutes BETWEEN 0 AND 120', name=op.f('ck_adviser_settings_buffer')),
    sa.CheckConstraint('max_active_per_member BETWEEN 1 AND 10', name=op.f('ck_adviser_settings_cap')),
    sa.CheckConstraint('max_days_ahead BETWEEN 1 AND 180', name=op.f('ck_adviser_settings_window')),
    sa.CheckConstraint('min_notice_hours BETWEEN 0 AND 720', name=op.f('ck_adviser_settings_notice')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_adviser_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_adviser_settings'))
    )
    op.create_table('availability_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('online', 'onsite', 'phone', name='mode', native_enum=False, length=10), nullable=False),
    sa.CheckConstraint("kind IN ('off', 'extra')", name=op.f('ck_availability_exceptions_kind')),
    sa.CheckConstraint('slot_minutes BETWEEN 15 AND 120', name=op.f('ck_availability_exceptions_slot')),
    sa.ForeignKeyConstraint(['adviser_id'], ['users.id'], name=op.f('fk_availability_exceptions_adviser_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_exceptions'))
    )
    with op.batch_alter_table('availability_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_exceptions_adviser_id'), ['adviser_id'], unique=False)

    op.create_table('availability_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('online', 'onsite', 'phone', name='mode', native_enum=False, length=10), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_availability_rules_order')),
    sa.CheckConstraint('slot_minutes BETWEEN 15 AND 120', name=op.f('ck_availability_rules_slot')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_availability_rules_weekday')),
    sa.ForeignKeyConstraint(['adviser_id'], ['users.id'], name=op.f('fk_availability_rules_adviser_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_rules'))
    )
    with op.batch_alter_table('availability_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_rules_adviser_id'), ['adviser_id'], unique=False)

    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=80), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mode', sa.Enum('online', 'onsite', 'phone', name='mode', native_enum=False, length=10), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'confirmed', 'declined', 'cancelled', 'done', 'no_show', name='bookingstatus', native_enum=False, length=12), nullable=False),
    sa.Column('cancel_reason', sa.String(length=500), nullable=False),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=1000), nullable=False),
    sa.Column('adviser_note', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_bookings_order')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_bookings_rating')),
    sa.ForeignKeyConstraint(['adviser_id'], ['users.id'], name=op.f('fk_bookings_adviser_id_users')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_bookings_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_bookings_member_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_bookings_question_id_questions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('uid', name=op.f('uq_bookings_uid'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_adviser_id'), ['adviser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_status'), ['status'], unique=False)
        batch_op.create_index('uq_bookings_active_slot', ['adviser_id', 'starts_at'], unique=True, sqlite_where=sa.text("status IN ('requested', 'confirmed')"), postgresql_where=sa.text("status IN ('requested', 'confirmed')"))



def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_active_slot', sqlite_where=sa.text("status IN ('requested', 'confirmed')"), postgresql_where=sa.text("status IN ('requested', 'confirmed')"))
        batch_op.drop_index(batch_op.f('ix_bookings_status'))
        batch_op.drop_index(batch_op.f('ix_bookings_starts_at'))
        batch_op.drop_index(batch_op.f('ix_bookings_member_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_adviser_id'))

    op.drop_table('bookings')
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('availability_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_rules_adviser_id'))

    op.drop_table('availability_rules')
    with op.batch_alter_table('availability_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_exceptions_adviser_id'))

    op.drop_table('availability_exceptions')
    op.drop_table('adviser_settings')
