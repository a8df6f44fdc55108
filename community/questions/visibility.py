"""Loading a question or answer the viewer may see (the rules themselves: community.policy)."""

from __future__ import annotations

from flask_babel import gettext as _

from community import policy
from community.errors import NotFound
from community.extensions import db
from community.questions.models import Answer, Question


def get_visible(viewer, question_id: int) -> Question:
    """The question, or NotFound when it is missing or in a circle hidden from the viewer."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Not found."))
    policy.require_see_circle(viewer, question.circle)
    if question.hidden_at is not None and not policy.can_see_hidden(viewer, question):
        raise NotFound(_("Not found."))
    return question


def get_answer(viewer, answer_id: int) -> Answer:
    """The answer, or NotFound when it or its question is hidden from the viewer."""
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(_("Not found."))
    get_visible(viewer, answer.question_id)
    if answer.hidden_at is not None and not (
        getattr(viewer, "id", None) == answer.author_id
        or policy.can_moderate(viewer, answer.question.circle)
    ):
        raise NotFound(_("Not found."))
    return answer
