"""Helpers shared by the question modules: lengths, a question's status, answer counts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from community.errors import ValidationFailed
from community.extensions import db
from community.questions import page_cache
from community.questions.models import Question, QuestionStatus


def check_length(field: str, text: str, low: int, high: int) -> str:
    """The text stripped, or a field error when it is shorter than `low` or longer than `high`."""
    text = (text or "").strip()
    if len(text) < low:
        raise ValidationFailed.for_field(field, _("Write at least %(n)d characters.", n=low))
    if len(text) > high:
        raise ValidationFailed.for_field(field, _("Use at most %(n)d characters.", n=high))
    return text


def refresh_status(question: Question) -> None:
    """Set the status from the accepted answer and the count of visible answers."""
    if question.accepted_answer_id is not None:
        question.status = QuestionStatus.RESOLVED
    elif question.answer_count > 0:
        question.status = QuestionStatus.ANSWERED
    else:
        question.status = QuestionStatus.OPEN


def answer_shown(question_id: int, delta: int) -> None:
    """An answer became visible (+1) or hidden/held (-1): only visible answers count.

    An atomic UPDATE, as for new answers, so concurrent hides and posts never lose a step;
    the status (回答あり or not) follows the count."""
    page_cache.touch(question_id)
    db.session.execute(
        update(Question)
        .where(Question.id == question_id)
        .values(answer_count=Question.answer_count + delta)
    )
    question = db.session.get(Question, question_id)
    db.session.refresh(question, ["answer_count"])
    refresh_status(question)
