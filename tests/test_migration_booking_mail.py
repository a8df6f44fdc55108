"""The data migration behind issue #14 item 9: booking mail "never", saved while the settings page
showed it as the default (and mail went out anyway), becomes "immediately"; other kinds and other
choices stay as they were, and the downgrade restores the old value."""

from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import Boolean, DateTime, Integer, MetaData, Table, insert, select

from community.extensions import db
from community.notifications.models import Kind, MailPreference, NotificationSetting
from tests.test_migrations import migration_app  # noqa: F401 - fixture

REVISION = "c9e7a3b4d5f6"


def test_saved_never_for_booking_mail_becomes_immediately(migration_app):  # noqa: F811
    migrate = migration_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision(REVISION).down_revision
    upgrade(revision=before)
    saved, chose = _user_at_this_revision("saved"), _user_at_this_revision("chose")
    rows = [
        (saved, Kind.BOOKING, MailPreference.NEVER),
        (saved, Kind.COMMENT, MailPreference.NEVER),
        (chose, Kind.BOOKING, MailPreference.DIGEST),
    ]
    for user_id, kind, mail in rows:
        db.session.add(NotificationSetting(user_id=user_id, kind=kind, mail=mail))
    db.session.commit()
    ids = {saved: "saved", chose: "chose"}

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


def _user_at_this_revision(username: str) -> int:
    """A users row written with the columns the table has at this revision (today's models may
    have more), every required one filled in; its id."""
    users = Table("users", MetaData(), autoload_with=db.engine)
    values = {}
    for column in users.columns:
        if column.primary_key or column.nullable or column.server_default is not None:
            continue
        if isinstance(column.type, DateTime):
            values[column.name] = datetime.now(UTC)
        elif isinstance(column.type, Boolean):
            values[column.name] = False
        elif isinstance(column.type, Integer):
            values[column.name] = 0
        elif column.name == "email":
            values[column.name] = f"{username}@example.com"
        elif column.name == "role":
            values[column.name] = "member"
        else:
            values[column.name] = username
    user_id = db.session.execute(insert(users).values(values).returning(users.c.id)).scalar_one()
    db.session.commit()
    return user_id
