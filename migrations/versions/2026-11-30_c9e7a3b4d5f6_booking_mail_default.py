"""notification_settings: booking mail "never" saved under the old default becomes "immediately"

Revision ID: c9e7a3b4d5f6
Revises: b8d6f2a3c4e5
Create Date: 2026-11-30 23:50:00

The settings page showed 「受け取らない」 (never) as the default for office-hour bookings and
saved it for everyone who pressed Save, yet booking mail was always sent. Booking mail now
follows the setting and defaults to 「すぐに受け取る」: the saved "never" rows are turned into
what their owners have been getting, so that nobody silently loses booking mail.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c9e7a3b4d5f6'
down_revision = 'b8d6f2a3c4e5'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE notification_settings SET mail = 'immediately' "
        "WHERE kind = 'booking' AND mail = 'never'"
    )


def downgrade():
    # Before this revision a booking row of "immediately" or "never" both meant "mail is sent";
    # going back to the old default keeps that behaviour.
    op.execute(
        "UPDATE notification_settings SET mail = 'never' "
        "WHERE kind = 'booking' AND mail = 'immediately'"
    )
