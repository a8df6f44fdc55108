"""The migration of the problem-stage history: each stage already set on a profile is recorded
once as a first set at the profile's last update; profiles without one get no row; the
downgrade removes the table."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import Boolean, DateTime, Integer, MetaData, Table, insert, inspect, text

from community.extensions import db
from tests.test_migration_booking_mail import _user_at_this_revision
from tests.test_migrations import migration_app  # noqa: F401 - fixture

REVISION = "c4d6e8f0a2b4"
BEFORE = "b3c5d7e9f1a2"


def _profile_at_this_revision(user_id: int, stage: int | None, updated_at: datetime) -> None:
    """A profiles row with the columns the table has at this revision, required ones filled."""
    profiles = Table("profiles", MetaData(), autoload_with=db.engine)
    values = {"user_id": user_id, "problem_stage": stage, "updated_at": updated_at}
    for column in profiles.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        if isinstance(column.type, DateTime):
            values[column.name] = updated_at
        elif isinstance(column.type, Boolean):
            values[column.name] = False
        elif isinstance(column.type, Integer):
            values[column.name] = 0
        elif column.name == "visibility":
            values[column.name] = "members"
        else:
            values[column.name] = ""
    db.session.execute(insert(profiles).values(values))
    db.session.commit()


def test_stages_already_set_become_first_sets(migration_app):  # noqa: F811
    upgrade(revision=BEFORE)
    when = datetime(2026, 6, 1, 3, tzinfo=UTC)
    _profile_at_this_revision(_user_at_this_revision("staged"), 2, when)
    _profile_at_this_revision(_user_at_this_revision("unstaged"), None, when)
    upgrade(revision=REVISION)
    rows = db.session.execute(
        text(
            "SELECT u.username, c.from_stage, c.to_stage, c.changed_at "
            "FROM profile_stage_changes c JOIN users u ON u.id = c.user_id"
        )
    ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [("staged", None, 2)]
    assert str(rows[0][3]).startswith("2026-06-01")
    db.session.commit()
    downgrade(revision=BEFORE)
    assert "profile_stage_changes" not in inspect(db.engine).get_table_names()
    upgrade()
