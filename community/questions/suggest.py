"""「この質問に答えられそうな人」: members and advisers who could answer, each with why."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from community import policy
from community.auth.models import Role, User
from community.circles import services as circles
from community.circles.models import CircleMembership, CircleVisibility, MembershipStatus
from community.db import savepoint
from community.errors import Conflict, InvalidTransition, NotFound
from community.extensions import db
from community.profiles.models import Profile
from community.questions.models import Answer, Question, QuestionInvite
from community.search import related as search
from community.signals import answer_requested


@dataclass
class Candidate:
    user: User
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    invited: bool = False


def candidates(viewer, question: Question, limit: int = 5) -> list[Candidate]:
    """Ranked by shared field (2), shared topics (2 each) and accepted answers on similar questions
    (3 each); a fixed number of queries."""
    similar_ids = search.related(viewer, question.title, "question", 20, exclude_id=question.id)
    accepted = (
        dict(
            db.session.execute(
                select(Answer.author_id, func.count())
                .join(Question, Question.accepted_answer_id == Answer.id)
                .where(Question.id.in_(similar_ids))
                .group_by(Answer.author_id)
            ).all()
        )
        if similar_ids
        else {}
    )
    topic_codes = {t.code for t in question.topics}
    stmt = (
        select(User)
        .join(Profile, Profile.user_id == User.id)
        .where(User.deleted_at.is_(None), User.id != question.author_id)
        .options(
            selectinload(User.profile).selectinload(Profile.fields),
            selectinload(User.profile).selectinload(Profile.help_topics),
        )
    )
    if question.circle is not None and question.circle.visibility != CircleVisibility.OPEN:
        # Only people who could answer there.
        stmt = stmt.where(
            User.id.in_(
                select(CircleMembership.user_id).where(
                    CircleMembership.circle_id == question.circle_id,
                    CircleMembership.status == MembershipStatus.ACTIVE,
                )
            )
        )
    people = db.session.scalars(stmt)
    invited = set(
        db.session.scalars(
            select(QuestionInvite.user_id).where(QuestionInvite.question_id == question.id)
        )
    )
    out = []
    for user in people:
        c = Candidate(user, invited=user.id in invited)
        if question.field_code and question.field_code in {f.code for f in user.profile.fields}:
            c.score += 2
            c.reasons.append(question.field.name)
        shared = [t for t in user.profile.help_topics if t.code in topic_codes]
        if shared:
            c.score += 2 * len(shared)
            c.reasons.extend(t.name for t in shared)
        if accepted.get(user.id):
            n = accepted[user.id]
            c.score += 3 * n
            c.reasons.append(_("%(n)d accepted answers on similar questions", n=n))
        if c.score:
            if user.role == Role.ADVISER:
                c.score += 1
            out.append(c)
    out.sort(key=lambda c: (-c.score, -c.user.last_seen_at.timestamp()))
    return out[:limit]


def invite(inviter: User, question: Question, username: str) -> QuestionInvite:
    """Ask someone to answer an unanswered question; they are told (answer_requested).

    Inviting the same person twice is a Conflict; only the invitation is undone then."""
    circles.require_reply(inviter, question.circle)
    if question.answer_count or question.is_closed:
        raise InvalidTransition(_("Invitations are for unanswered questions."))
    user = db.session.scalar(
        select(User).where(User.username == username, User.deleted_at.is_(None))
    )
    if (
        user is None
        or user.id == question.author_id
        or not policy.can_see_circle(user, question.circle)
    ):
        raise NotFound(_("Not found."))
    row = QuestionInvite(question_id=question.id, user_id=user.id, inviter_id=inviter.id)
    try:
        with savepoint(db.session):
            db.session.add(row)
            db.session.flush()
    except IntegrityError as exc:  # invited before, or by a request racing this one
        raise Conflict(_("They were already invited.")) from exc
    answer_requested.send(row, inviter=inviter, invitee=user, question=question)
    return row
