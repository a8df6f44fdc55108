"""Finding questions: filtered lists, similar questions, pinned ones."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from community import policy
from community.circles import services as circles
from community.circles.models import Circle
from community.extensions import db
from community.inputs import page_arg
from community.questions.models import Question, QuestionStatus, Tag
from community.questions.text import tag_key
from community.reference import choices
from community.reference.models import Topic
from community.search import related as search

# Each order ends in the id, so that a page boundary falls between two rows even when many share
# a time or a score. Each is matched by a partial index in models.py (`listed_*`).
SORTS = {
    "newest": (Question.created_at.desc(), Question.id.desc()),
    "activity": (Question.last_activity_at.desc(), Question.id.desc()),
    "votes": (Question.score.desc(), Question.created_at.desc(), Question.id.desc()),
}
PER_PAGE = 20


def list_filters(
    viewer,
    *,
    circle: Circle | None = None,
    field: str = "",
    topic: str = "",
    tag: str = "",
    stage: str = "",
    status: str = "",
    mine_only: bool = False,
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of list_query: what the viewer may see, narrowed by the filters."""
    where = [policy.visible_questions_clause(viewer)]
    if circle is not None:
        where.append(Question.circle_id == circle.id)
    if field:
        where.append(Question.field_code == field)
    if topic:
        where.append(Question.topics.any(Topic.code == topic))
    if tag:
        # The key, so /questions/?tag=判定区分Ⅲ and ?tag=判定区分III find the same tag.
        where.append(Question.tags.any(Tag.name == tag_key(tag)))
    if stage in ("1", "2", "3"):
        where.append(Question.stage == int(stage))
    if status == "unanswered":
        # The 0 is written into the SQL, not bound: PostgreSQL uses a partial index only when
        # it can prove the query's condition implies the index's, which a parameter does not.
        where += [
            Question.answer_count == literal(0, literal_execute=True),
            Question.close_reason.is_(None),
        ]
    elif status == "resolved":
        where.append(Question.status == QuestionStatus.RESOLVED)
    elif status == "open":
        where.append(Question.status != QuestionStatus.RESOLVED)
    if mine_only and policy.is_signed_in(viewer):
        where.append(Question.circle_id.in_(policy.member_circle_ids(viewer)))
    return where


def _row_loads():
    return (
        joinedload(Question.author),
        joinedload(Question.circle),
        joinedload(Question.field),
        selectinload(Question.topics),
        selectinload(Question.tags),
    )


def list_query(viewer, *, sort: str = "activity", **filters):
    """Questions the viewer may see, filtered (list_filters' keywords) and sorted; the caller
    limits (for a numbered page, `paginate` below is cheaper)."""
    return (
        select(Question)
        .where(*list_filters(viewer, **filters))
        .order_by(*SORTS.get(sort, SORTS["activity"]))
        .options(*_row_loads())
    )


class QuestionPages(Pagination):
    """A numbered page of questions read as a deferred join: the page's ids come from the
    sort's index alone (an index-only scan of narrow entries, however deep the page), and only
    those 20 rows are joined to their authors, circles and fields. Plain OFFSET over the full
    query joined and sorted every row before the page, ~19,000 of them on page 960."""

    def _query_items(self) -> list[Question]:
        where, order = self._query_args["where"], self._query_args["order"]
        ids = (
            select(Question.id)
            .where(*where)
            .order_by(*order)
            .limit(self.per_page)
            .offset(self._query_offset)
            .subquery()
        )
        stmt = (
            select(Question)
            .join(ids, ids.c.id == Question.id)
            .order_by(*order)
            .options(*_row_loads())
        )
        return list(db.session.scalars(stmt).unique())

    def _query_count(self) -> int:
        where = self._query_args["where"]
        return db.session.scalar(select(func.count()).select_from(Question).where(*where)) or 0


def paginate(
    viewer, *, page: int = 1, sort: str = "activity", per_page: int = PER_PAGE, **filters
) -> QuestionPages:
    """One numbered page of list_query (3 statements for the page and its count, plus one per
    topic and tag load); a page past the end is empty, never an error."""
    return QuestionPages(
        page=page,
        per_page=per_page,
        error_out=False,
        where=list_filters(viewer, **filters),
        order=SORTS.get(sort, SORTS["activity"]),
    )


def find_tag(raw: str) -> Tag | None:
    """The tag a URL or filter names, in any of its spellings (判定区分Ⅲ or 判定区分III)."""
    key = tag_key(raw or "")
    return db.session.scalar(select(Tag).where(Tag.name == key)) if key else None


def list_page(viewer, args: MultiDict) -> dict:
    """Everything /questions/ shows for the query string `args`: the page of questions, the
    circle filtered on (None when unknown or not visible to the viewer), the filter choices."""
    circle = None
    if slug := args.get("circle"):
        circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
        if circle is None or not policy.can_see_circle(viewer, circle):
            circle = None
    pagination = paginate(
        viewer,
        page=page_arg(args),
        sort=args.get("sort", "activity"),
        circle=circle,
        field=args.get("field", ""),
        topic=args.get("topic", ""),
        tag=args.get("tag", ""),
        stage=args.get("stage", ""),
        status=args.get("status", ""),
    )
    return {
        "pagination": pagination,
        "args": args,
        "circle": circle,
        "circles": [c for c, _n, _m in circles.list_circles(viewer)],
        "tag": find_tag(args.get("tag", "")),
        "ref": choices.all_reference(),
    }


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
