"""Finding questions: filtered lists, similar questions, pinned ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from community import policy
from community.circles.models import Circle
from community.extensions import db
from community.questions.models import Question, QuestionStatus, Tag
from community.questions.text import tag_key
from community.reference.models import Topic
from community.search import services as search

SORTS = {
    "newest": (Question.created_at.desc(),),
    "activity": (Question.last_activity_at.desc(),),
    "votes": (Question.score.desc(), Question.created_at.desc()),
}


def list_query(
    viewer,
    *,
    circle: Circle | None = None,
    field: str = "",
    topic: str = "",
    tag: str = "",
    stage: str = "",
    status: str = "",
    sort: str = "activity",
    mine_only: bool = False,
):
    """Questions the viewer may see, filtered and sorted (the caller paginates)."""
    stmt = select(Question).where(policy.visible_questions_clause(viewer))
    if circle is not None:
        stmt = stmt.where(Question.circle_id == circle.id)
    if field:
        stmt = stmt.where(Question.field_code == field)
    if topic:
        stmt = stmt.where(Question.topics.any(Topic.code == topic))
    if tag:
        # The key, so /questions/?tag=判定区分Ⅲ and ?tag=判定区分III find the same tag.
        stmt = stmt.where(Question.tags.any(Tag.name == tag_key(tag)))
    if stage in ("1", "2", "3"):
        stmt = stmt.where(Question.stage == int(stage))
    if status == "unanswered":
        stmt = stmt.where(Question.answer_count == 0, Question.close_reason.is_(None))
    elif status == "resolved":
        stmt = stmt.where(Question.status == QuestionStatus.RESOLVED)
    elif status == "open":
        stmt = stmt.where(Question.status != QuestionStatus.RESOLVED)
    if mine_only and policy.is_signed_in(viewer):
        stmt = stmt.where(Question.circle_id.in_(policy.member_circle_ids(viewer)))
    return stmt.order_by(*SORTS.get(sort, SORTS["activity"]), Question.id.desc()).options(
        joinedload(Question.author),
        joinedload(Question.circle),
        joinedload(Question.field),
        selectinload(Question.topics),
        selectinload(Question.tags),
    )


def similar(viewer, title: str, exclude_id: int | None = None, limit: int = 5) -> list[Question]:
    """Questions sharing the most words with `title` (the full-text index), best first."""
    ids = search.related(viewer, title, "question", limit, exclude_id)
    found = (
        {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
        if ids
        else {}
    )
    return [found[i] for i in ids if i in found]


def pinned_in(circle: Circle) -> list[Question]:
    """The circle's pinned questions that are not hidden, newest first."""
    return list(
        db.session.scalars(
            select(Question)
            .where(
                Question.circle_id == circle.id,
                Question.pinned.is_(True),
                Question.hidden_at.is_(None),
            )
            .order_by(Question.created_at.desc())
        )
    )
