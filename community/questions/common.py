"""Helpers shared by the question modules: field errors, lengths, a question's status."""

from __future__ import annotations

from flask_babel import gettext as _

from community.errors import ValidationFailed
from community.questions.models import Question, QuestionStatus


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def check_length(field: str, text: str, low: int, high: int) -> str:
    text = (text or "").strip()
    if len(text) < low:
        raise field_error(field, _("Write at least %(n)d characters.", n=low))
    if len(text) > high:
        raise field_error(field, _("Use at most %(n)d characters.", n=high))
    return text


def refresh_status(question: Question) -> None:
    if question.accepted_answer_id is not None:
        question.status = QuestionStatus.RESOLVED
    elif question.answer_count > 0:
        question.status = QuestionStatus.ANSWERED
    else:
        question.status = QuestionStatus.OPEN


def notifier():
    """Who hears of new posts lives in questions/notify.py (imported late: it imports us)."""
    from community.questions import notify

    return notify
