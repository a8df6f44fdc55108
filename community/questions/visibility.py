"""Which questions and answers a viewer may see."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from community.circles import services as circles
from community.errors import NotFound
from community.extensions import db
from community.questions.models import Answer, Question


def visible_questions_clause(viewer):
    """Questions a viewer may find in lists: not in hidden circles, not hidden by moderators."""
    return and_(
        circles.visible_circle_id_clause(Question.circle_id, viewer), Question.hidden_at.is_(None)
    )


def openable_questions_clause(viewer):
    """Questions a viewer may open: the list clause, plus their own posts while hidden.

    For whatever shows a question's title outside its page (notifications, digests), so that
    a title stays out of sight once its question is moved or its circle is left."""
    signed_in = getattr(viewer, "is_authenticated", False)
    shown = (
        or_(Question.hidden_at.is_(None), Question.author_id == viewer.id)
        if signed_in
        else Question.hidden_at.is_(None)
    )
    return and_(circles.visible_circle_id_clause(Question.circle_id, viewer), shown)


def openable_question_ids(viewer):
    """Subquery of the ids in openable_questions_clause (for `question_id IN (...)`)."""
    return select(Question.id).where(openable_questions_clause(viewer))


def can_see(viewer, question: Question | None) -> bool:
    """May the viewer see this question: its title, a link to it (get_visible, as a yes/no)."""
    if question is None:
        return False
    if not circles.can_view(viewer, question.circle):
        return False
    return question.hidden_at is None or can_see_hidden(viewer, question)


def can_see_hidden(viewer, question: Question) -> bool:
    """Hidden posts stay visible, with a banner, to their author and the circle's moderators."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.id == question.author_id or circles.can_moderate(viewer, question.circle)


def get_visible(viewer, question_id: int) -> Question:
    """The question, or NotFound when it is missing or in a circle hidden from the viewer."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Not found."))
    circles.require_view(viewer, question.circle)
    if question.hidden_at is not None and not can_see_hidden(viewer, question):
        raise NotFound(_("Not found."))
    return question


def get_answer(viewer, answer_id: int) -> Answer:
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(_("Not found."))
    get_visible(viewer, answer.question_id)
    if answer.hidden_at is not None and not (
        getattr(viewer, "id", None) == answer.author_id
        or circles.can_moderate(viewer, answer.question.circle)
    ):
        raise NotFound(_("Not found."))
    return answer
