"""Votes, accepting an answer, closing and reopening, pinning."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from community import policy
from community.auth.models import User
from community.auth.services import ensure_can_post
from community.circles import services as circles
from community.db import utcnow
from community.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from community.extensions import db
from community.questions import page_cache
from community.questions.common import refresh_status
from community.questions.models import Answer, AnswerVote, CloseReason, Question, QuestionVote
from community.signals import answer_accepted

VOTE_STATES = {"up": 1, "none": 0, "down": -1}


class _AsRead:
    def __repr__(self) -> str:
        return "AS_READ"


AS_READ = _AsRead()  # accept(): expect the accepted answer this request read


def vote(user: User, post: Question | Answer, value: int) -> int:
    """Set the user's vote on a post to up (1), none (0) or down (-1). Returns the new score.

    A vote names the state it wants rather than "the other one": the same state sent twice (a
    double click, two tabs) changes nothing the second time, where a toggle would withdraw it.
    """
    question = post if isinstance(post, Question) else post.question
    circles.require_reply(user, question.circle)
    if value not in (1, 0, -1):
        raise ValidationFailed(_("Unknown vote."))
    if post.author_id == user.id:
        raise PermissionDenied(_("You cannot vote on your own post."))
    model, key = (
        (QuestionVote, "question_id") if isinstance(post, Question) else (AnswerVote, "answer_id")
    )
    target = type(post)
    mine = (getattr(model, key) == post.id, model.user_id == user.id)
    # PostgreSQL: votes on one post take turns on the post's row lock, and every statement after
    # it (READ COMMITTED) sees the votes of those who went before. SQLite ignores FOR UPDATE; its
    # one writer lock, taken by the first write below and held to the commit, does the same.
    db.session.execute(select(target.id).where(target.id == post.id).with_for_update())
    if value == 0:
        db.session.execute(delete(model).where(*mine))
    else:
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(
            insert(model)
            .values({key: post.id, "user_id": user.id, "value": value, "created_at": utcnow()})
            .on_conflict_do_update(index_elements=[key, "user_id"], set_={"value": value})
        )
    # The score is counted from the vote rows, not moved by a delta worked out from an earlier
    # read: a delta from a stale read is what let ten parallel +1s end at -2. Counted under the
    # lock above, it is exact whatever order the requests ran in.
    count = (
        select(func.coalesce(func.sum(model.value), 0))
        .where(getattr(model, key) == post.id)
        .scalar_subquery()
    )
    page_cache.touch(question.id)  # a bulk UPDATE: the session hooks do not see it
    return db.session.execute(
        update(target)
        .where(target.id == post.id)
        .values(score=count)
        .returning(target.score)
        .execution_options(synchronize_session="fetch")
    ).scalar_one()


def accept(
    actor: User,
    question: Question,
    answer_post: Answer | None,
    seen: int | None | _AsRead = AS_READ,
) -> Question:
    """The asker accepts one answer, changes it, or (None) withdraws the acceptance.

    A compare-and-set: it applies only while the accepted answer is still `seen`, the one the
    asker's page showed (by default the one this request read). Of two tabs accepting different
    answers at once, the second finds the first's choice and gets Conflict, so only the winner's
    author hears of it. Asking again for what is already accepted changes nothing.
    """
    ensure_can_post(actor)
    if actor.id != question.author_id:
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    if answer_post is not None and answer_post.question_id != question.id:
        raise NotFound(_("Not found."))
    before = question.accepted_answer_id if isinstance(seen, _AsRead) else seen
    wanted = answer_post.id if answer_post else None
    unchanged = (
        Question.accepted_answer_id.is_(None)
        if before is None
        else Question.accepted_answer_id == before
    )
    page_cache.touch(question.id)
    won = db.session.execute(
        update(Question)
        .where(Question.id == question.id, unchanged)
        .values(accepted_answer_id=wanted, last_activity_at=utcnow())
        .returning(Question.id)
        .execution_options(synchronize_session="fetch")
    ).first()
    if won is None:
        # Lost the race, or the page was out of date; the current choice is read fresh (the
        # UPDATE above waited for the winner on PostgreSQL, or holds SQLite's writer lock).
        now_accepted = db.session.scalar(
            select(Question.accepted_answer_id).where(Question.id == question.id)
        )
        if now_accepted != wanted:
            raise Conflict(
                _(
                    "The accepted answer was changed by another action. "
                    "Please check the page and try again."
                )
            )
        db.session.refresh(question)
        return question
    refresh_status(question)
    db.session.flush()
    if answer_post is not None:
        answer_accepted.send(question, actor=actor, answer=answer_post)
    return question


def close(
    actor: User, question: Question, reason: CloseReason, duplicate_of_id: int | None = None
) -> Question:
    """Moderators close a question as a duplicate (pointing to the original) or off-topic."""
    policy.require_moderator(actor, question.circle)
    if question.is_closed:
        raise InvalidTransition(_("This question is already closed."))
    if reason == CloseReason.DUPLICATE:
        original = db.session.get(Question, duplicate_of_id or 0)
        if (
            original is None
            or original.id == question.id
            or not policy.can_see_circle(actor, original.circle)
        ):
            raise ValidationFailed.for_field(
                "duplicate_of", _("Give the number of the original question.")
            )
        question.duplicate_of_id = original.id
    question.close_reason = reason
    db.session.flush()
    return question


def reopen(actor: User, question: Question) -> Question:
    """Moderators open a closed question again (a duplicate loses its link to the original)."""
    policy.require_moderator(actor, question.circle)
    if not question.is_closed:
        raise InvalidTransition(_("This question is not closed."))
    question.close_reason = None
    question.duplicate_of_id = None
    db.session.flush()
    return question


def set_pinned(actor: User, question: Question, pinned: bool) -> None:
    """Moderators pin a question to the top of its circle's page, or unpin it."""
    if question.circle is None:
        raise InvalidTransition(_("Only questions in a circle can be pinned."))
    policy.require_moderator(actor, question.circle)
    question.pinned = pinned
    db.session.flush()
