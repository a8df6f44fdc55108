"""The history of members' problem stages (課題ステータス): one row per change of
`Profile.problem_stage`, written in the transaction of the change.

Every writer passes by the flush (the support navigator's 「このステータスをプロフィールに残す」,
a new profile created with a stage, scripts and seeds), so a session hook records the change
there rather than each service: after each flush, one INSERT for the profiles whose stage the
flush changed (new profiles with a stage count as a first set, None → n). Assigning the value
it already has writes nothing. No bulk UPDATE of the column exists; one would pass by the hook
and has to insert its rows itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from community.db import UTCDateTime, utcnow
from community.extensions import db
from community.profiles.models import Profile


class ProfileStageChange(db.Model):
    """One change of a member's problem stage (None = not set)."""

    __tablename__ = "profile_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[int | None]
    to_stage: Mapped[int | None]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


# active_history: the old value is loaded when the stage is set on an expired profile (after a
# commit), so the flush knows where the member came from.
@event.listens_for(Profile.problem_stage, "set", active_history=True)
def _keep_old(target, value, oldvalue, initiator):  # noqa: ARG001 - SQLAlchemy's signature
    return value


def _change(profile: Profile) -> tuple[int | None, int | None] | None:
    """(from, to) when this flush changes the profile's stage, else None."""
    state = inspect(profile)
    history = state.attrs.problem_stage.history
    if not history.has_changes():
        return None
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return None if old == new else (old, new)


@event.listens_for(Session, "after_flush")
def _record(session, flush_context):  # noqa: ARG001 - SQLAlchemy's signature
    # After the flush the user ids of new profiles are known; the history is still unreset.
    rows = []
    now = utcnow()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Profile) and obj not in session.deleted:
            change = _change(obj)
            if change is not None:
                rows.append(
                    {
                        "user_id": obj.user_id,
                        "from_stage": change[0],
                        "to_stage": change[1],
                        "changed_at": now,
                    }
                )
    if rows:
        # Core, on the flush's own connection: no ORM flush inside this one.
        session.connection().execute(insert(ProfileStageChange.__table__), rows)
