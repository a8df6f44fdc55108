"""The getting-started checklist a member sees after confirming their email address.

Each step is worked out from what the member has already done, so the list stays true
whenever it is opened again. Seeing the casebook leaves no trace in the database, so that
one step is remembered in the session for as long as the browser keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import session
from sqlalchemy import func, select

from community import policy
from community.auth.models import User
from community.circles.models import Circle, CircleMembership, CircleVisibility
from community.db import utcnow
from community.extensions import db
from community.office_hours.models import Booking
from community.questions.models import Question

CASEBOOK_SEEN = "onboarding_casebook_seen"


@dataclass
class Step:
    key: str
    done: bool


@dataclass
class Suggestion:
    circle: Circle
    in_my_fields: int  # visible questions in the member's fields asked in this circle


@dataclass
class Checklist:
    steps: list[Step]
    circles: list[Suggestion] = field(default_factory=list)
    missing_profile: list[str] = field(default_factory=list)  # "fields", "municipality"

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)


def _exists(stmt) -> bool:
    return bool(db.session.scalar(select(stmt.exists())))


def suggested_circles(user: User, field_codes: list[str], limit: int = 3) -> list[Suggestion]:
    """Circles the member is not in (nor asked to join), busiest in their fields first.

    Circles carry no field of their own, so "matching" means where questions in the member's
    fields are asked; without fields, or when no circle matches them, the circles with the
    most questions (`in_my_fields` is then 0). One query, two at most."""

    in_fields = Question.field_code.in_(field_codes) if field_codes else Question.id.isnot(None)
    hits = (
        select(Question.circle_id, func.count().label("n"))
        .where(Question.hidden_at.is_(None), Question.circle_id.isnot(None), in_fields)
        .group_by(Question.circle_id)
        .subquery()
    )
    mine = select(CircleMembership.circle_id).where(CircleMembership.user_id == user.id)
    rows = db.session.execute(
        select(Circle, func.coalesce(hits.c.n, 0))
        .outerjoin(hits, hits.c.circle_id == Circle.id)
        .where(Circle.visibility != CircleVisibility.PRIVATE, Circle.id.not_in(mine))
        .order_by(func.coalesce(hits.c.n, 0).desc(), Circle.id)
        .limit(limit)
    ).all()
    if field_codes:
        matching = [Suggestion(circle, n) for circle, n in rows if n]
        return matching or suggested_circles(user, [], limit)
    return [Suggestion(circle, 0) for circle, _n in rows]


def checklist(user: User) -> Checklist:
    """The five steps and whether each is done, with up to three circles to join."""

    profile = user.profile
    field_codes = [f.code for f in profile.fields] if profile else []
    missing = []
    if not field_codes:
        missing.append("fields")
    if not (profile and profile.organisation.strip() and profile.prefecture_code):
        missing.append("municipality")
    in_circle = _exists(select(CircleMembership.id).where(CircleMembership.user_id == user.id))
    steps = [
        Step("profile", not missing),
        Step("circle", in_circle),
        Step("ask", _exists(select(Question.id).where(Question.author_id == user.id))),
        Step("cases", bool(session.get(CASEBOOK_SEEN))),
        Step("office_hours", _exists(select(Booking.id).where(Booking.member_id == user.id))),
    ]
    circles = [] if in_circle else suggested_circles(user, field_codes)
    return Checklist(steps=steps, circles=circles, missing_profile=missing)


def show_on_home(user: User) -> bool:
    """The home page carries the checklist until the member closes it."""
    return policy.is_signed_in(user) and user.onboarding_dismissed_at is None


def dismiss(user: User) -> None:
    """Hide the checklist from the home page; the page itself stays in the account menu."""
    if user.onboarding_dismissed_at is None:
        user.onboarding_dismissed_at = utcnow()
        db.session.flush()


def restore(user: User) -> None:
    """Show the checklist on the home page again."""
    user.onboarding_dismissed_at = None
    db.session.flush()


def note_casebook_visit(blueprint: str | None, authenticated: bool) -> None:
    """Remember in the session that the member has opened the casebook (set once)."""
    if authenticated and blueprint == "casebook" and not session.get(CASEBOOK_SEEN):
        session[CASEBOOK_SEEN] = True
