"""Votes, accepting an answer, closing and reopening, pinning."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

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
from community.questions.common import field_error, notifier, refresh_status
from community.questions.models import Answer, AnswerVote, CloseReason, Question, QuestionVote


def vote(user: User, post: Question | Answer, value: int) -> int:
    """Up (1) or down (-1); the same vote again withdraws it. Returns the new score.

    The score changes by an atomic UPDATE in the same transaction as the vote row, and the
    unique (post, user) constraint stops double votes even when two requests race.
    """
    question = post if isinstance(post, Question) else post.question
    circles.require_reply(user, question.circle)
    if value not in (1, -1):
        raise ValidationFailed(_("Unknown vote."))
    if post.author_id == user.id:
        raise PermissionDenied(_("You cannot vote on your own post."))
    model, key = (
        (QuestionVote, "question_id") if isinstance(post, Question) else (AnswerVote, "answer_id")
    )
    target = type(post)
    existing = db.session.scalar(
        select(model)
        .where(getattr(model, key) == post.id, model.user_id == user.id)
        .with_for_update()
    )
    if existing is None:
        delta = value
        db.session.add(model(**{key: post.id}, user_id=user.id, value=value))
    elif existing.value == value:
        delta = -value
        db.session.delete(existing)
    else:
        delta = 2 * value
        existing.value = value
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("Your vote was already counted.")) from exc
    db.session.execute(
        update(target).where(target.id == post.id).values(score=target.score + delta)
    )
    return db.session.scalar(select(target.score).where(target.id == post.id))


def accept(actor: User, question: Question, answer_post: Answer | None) -> Question:
    """The asker accepts one answer, changes it, or (None) withdraws the acceptance."""
    ensure_can_post(actor)
    if actor.id != question.author_id:
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    if answer_post is not None and answer_post.question_id != question.id:
        raise NotFound(_("Not found."))
    question.accepted_answer_id = answer_post.id if answer_post else None
    refresh_status(question)
    question.last_activity_at = utcnow()
    db.session.flush()
    if answer_post is not None:
        from community.notifications import services as notes
        from community.notifications.models import Kind

        notes.notify(
            [answer_post.author_id],
            Kind.ACCEPTED,
            actor=actor,
            question=question,
            text=_("Your answer was accepted: %(title)s", title=question.title),
            url=notifier().question_url(question),
        )
    return question


def close(
    actor: User, question: Question, reason: CloseReason, duplicate_of_id: int | None = None
) -> Question:
    """Moderators close a question as a duplicate (pointing to the original) or off-topic."""
    circles.require_moderator(actor, question.circle)
    if question.is_closed:
        raise InvalidTransition(_("This question is already closed."))
    if reason == CloseReason.DUPLICATE:
        original = db.session.get(Question, duplicate_of_id or 0)
        if (
            original is None
            or original.id == question.id
            or not circles.can_view(actor, original.circle)
        ):
            raise field_error("duplicate_of", _("Give the number of the original question."))
        question.duplicate_of_id = original.id
    question.close_reason = reason
    db.session.flush()
    return question


def reopen(actor: User, question: Question) -> Question:
    circles.require_moderator(actor, question.circle)
    if not question.is_closed:
        raise InvalidTransition(_("This question is not closed."))
    question.close_reason = None
    question.duplicate_of_id = None
    db.session.flush()
    return question


def set_pinned(actor: User, question: Question, pinned: bool) -> None:
    if question.circle is None:
        raise InvalidTransition(_("Only questions in a circle can be pinned."))
    circles.require_moderator(actor, question.circle)
    question.pinned = pinned
    db.session.flush()
