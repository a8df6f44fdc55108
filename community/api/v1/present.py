"""Questions, answers and comments as the API's plain dicts (schemas.py documents them)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from community.questions.page import QuestionPage


def person(user) -> dict:
    """A post's author; a deleted member has no username, as on the pages."""
    if user.is_deleted:
        return {"username": None, "display_name": _("Deleted member")}
    return {"username": user.username, "display_name": user.display_name}


def summary(q) -> dict:
    """A question as lists show it."""
    return {
        "id": q.id,
        "title": q.title,
        "url": url_for("questions.show", question_id=q.id, _external=True),
        "status": q.status,
        "closed": q.is_closed,
        "circle": {"slug": q.circle.slug, "name": q.circle.name} if q.circle else None,
        "field": q.field_code,
        "stage": q.stage,
        "topics": [t.code for t in q.topics],
        "tags": [t.label for t in q.tags],
        "answer_count": q.answer_count,
        "score": q.score,
        "author": person(q.author),
        "created_at": q.created_at,
        "last_activity_at": q.last_activity_at,
    }


def _comment(c) -> dict:
    return {"id": c.id, "author": person(c.author), "body": c.body, "created_at": c.created_at}


def _answer(a, data: QuestionPage) -> dict:
    return {
        "id": a.id,
        "author": person(a.author),
        "body_md": a.body_md,
        "body_html": a.body_html,
        "score": a.score,
        "accepted": a.id == data.question.accepted_answer_id,
        "hidden": a.hidden_at is not None,
        "created_at": a.created_at,
        "edited_at": a.edited_at,
        "comments": [_comment(c) for c in data.comments.get(("answer", a.id), [])],
    }


def detail(data: QuestionPage) -> dict:
    """A question page as the web loads it (questions/page.py: the same visibility of hidden
    posts), with the Markdown source that its history page shows beside the stored HTML."""
    q = data.question
    return {
        **summary(q),
        "hidden": q.hidden_at is not None,
        "body_md": q.body_md,
        "body_html": q.body_html,
        "edited_at": q.edited_at,
        "accepted_answer_id": q.accepted_answer_id,
        "comments": [_comment(c) for c in data.comments.get(("question", q.id), [])],
        "answers": [_answer(a, data) for a in data.answers],
        "answers_page": data.pager.page if data.pager else 1,
        "answers_pages": data.pager.pages if data.pager else 1,
    }
