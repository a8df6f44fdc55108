"""JSON for the ask form: questions and cases like the title being typed."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from community.api import bp
from community.casebook.models import Case
from community.extensions import db
from community.questions import services as questions
from community.questions.models import TITLE_MAX
from community.search import related as search


def _similar_cases(viewer, title: str, limit: int = 3) -> list[Case]:
    """The cases the index finds for `title` that the viewer may see, best first."""
    ids = search.related(viewer, title, "case", limit)
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@bp.route("/questions/similar")
def similar_questions():
    """Questions and cases like the title being typed (for the ask form)."""
    title = (request.args.get("title") or "")[:TITLE_MAX]
    found = questions.similar(current_user, title)
    cases = _similar_cases(current_user, title)
    return jsonify(
        {
            "questions": [
                {
                    "id": q.id,
                    "title": q.title,
                    "url": url_for("questions.show", question_id=q.id),
                    "status": q.status.value,
                    "answers": q.answer_count,
                }
                for q in found
            ],
            "cases": [
                {
                    "slug": c.slug,
                    "title": c.title,
                    "url": url_for("casebook.show", slug=c.slug),
                }
                for c in cases
            ],
        }
    )
