"""Finding an adviser: the office-hours list with its filters, soonest free first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.auth.models import Role, User
from community.extensions import db
from community.office_hours.availability import free_slots_for_many
from community.office_hours.models import AdviserSettings
from community.office_hours.slots import TOKYO, Slot
from community.profiles.models import Profile
from community.questions.models import Question

AdviserRow = tuple[User, AdviserSettings | None, Slot | None]


def adviser_rows(
    now: datetime, *, field: str = "", topic: str = "", prefecture: str = ""
) -> list[AdviserRow]:
    """(adviser, settings, first free slot) for the advisers who match every filter given.

    `prefecture` matches an adviser based there or serving it (no regions listed means all).
    Advisers with a free slot come first, the soonest first."""
    advisers = _advisers()
    settings = {s.user_id: s for s in db.session.scalars(select(AdviserSettings))}
    if field:
        advisers = [a for a in advisers if field in {f.code for f in a.profile.fields}]
    if topic:
        advisers = [a for a in advisers if topic in {t.code for t in a.profile.help_topics}]
    if prefecture:
        advisers = [a for a in advisers if _serves(a, settings.get(a.id), prefecture)]
    slots = free_slots_for_many([a.id for a in advisers], now)
    rows = [(a, settings.get(a.id), (slots.get(a.id) or [None])[0]) for a in advisers]
    rows.sort(
        key=lambda r: (r[2] is None, r[2].start if r[2] else datetime.max.replace(tzinfo=TOKYO))
    )
    return rows


def _advisers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Profile, Profile.user_id == User.id)
            .where(User.role == Role.ADVISER, User.deleted_at.is_(None))
            .options(
                selectinload(User.profile).selectinload(Profile.fields),
                selectinload(User.profile).selectinload(Profile.help_topics),
                selectinload(User.profile).joinedload(Profile.prefecture),
            )
            .order_by(User.display_name)
        )
    )


def _serves(adviser: User, settings: AdviserSettings | None, prefecture: str) -> bool:
    if adviser.profile.prefecture_code == prefecture:
        return True
    return settings is not None and (not settings.regions or prefecture in settings.regions)


def questions_to_link(member: User, limit: int = 50) -> list[Question]:
    """The member's own questions, newest first, that a booking may be about."""
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.author_id == member.id)
            .order_by(Question.created_at.desc())
            .limit(limit)
        )
    )
