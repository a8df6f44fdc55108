"""The data migration behind issue #14 item 9: booking mail "never", saved while the settings page
showed it as the default (and mail went out anyway), becomes "immediately"; other kinds and other
choices stay as they were, and the downgrade restores the old value."""

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from community.extensions import db
from community.notifications.models import Kind, MailPreference, NotificationSetting
from tests.factories import make_user
from tests.test_migrations import migration_app  # noqa: F401 - fixture

REVISION = "c9e7a3b4d5f6"


def test_saved_never_for_booking_mail_becomes_immediately(migration_app):  # noqa: F811
    migrate = migration_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision(REVISION).down_revision
    upgrade(revision=before)
    saved = make_user(username="saved")
    chose = make_user(username="chose")
    rows = [
        (saved, Kind.BOOKING, MailPreference.NEVER),
        (saved, Kind.COMMENT, MailPreference.NEVER),
        (chose, Kind.BOOKING, MailPreference.DIGEST),
    ]
    for user, kind, mail in rows:
        db.session.add(NotificationSetting(user_id=user.id, kind=kind, mail=mail))
    db.session.commit()
    ids = {saved.id: "saved", chose.id: "chose"}

    def state():
        db.session.expire_all()
        return {
            (ids[r.user_id], r.kind.value): r.mail.value
            for r in db.session.scalars(select(NotificationSetting))
        }

    upgrade(revision=REVISION)
    assert state() == {
        ("saved", "booking"): "immediately",
        ("saved", "comment"): "never",
        ("chose", "booking"): "digest",
    }
    downgrade(revision=before)
    assert state()[("saved", "booking")] == "never"
    upgrade()
