"""Question pages cached whole for visitors, keyed by the question's version.

A visitor's question page is the same for every visitor (the view count aside), so it is
rendered once per version of the thread and served from the fragment store
(community/fragments.py) until the thread changes.

**The version.** `Question.version` is bumped in the transaction of every change to what the
page shows: session hooks see the rows written through the ORM (the question, its answers,
comments and case links; the name, badges and organisation of anyone who wrote in it; its
circle; a linked case), and the services that change counters with bulk UPDATEs (votes, the
accepted answer, the answer count) call `touch`. The bump happens just before commit, so a
reader either sees the old data with the old version or the new data with the new one; data
newer than its key can be stored, never older. Entries also expire after PAGE_TTL, a bound on
any change a future writer forgets to report.

**What stays per request.** Every hit still checks that the question exists, is not hidden and
that its circle is visible to visitors (one statement with the version), counts the view, and
fills in the view count, the CSRF token and one-time keys. Only plain GETs by visitors without
pending flash messages and with nothing in the query string but the page's own parameters are
served from the cache.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask import request, session
from flask_babel import get_locale, get_timezone, ngettext
from markupsafe import escape
from sqlalchemy import Integer, bindparam, event, inspect, or_, select, union, update
from sqlalchemy.orm import Session, joinedload

from community import fragments, policy
from community.auth.models import User
from community.casebook.models import Case, CaseLink
from community.circles.models import Circle
from community.extensions import db
from community.profiles.models import Profile
from community.questions import follows
from community.questions.models import Answer, Comment, Question
from community.web import AUTOCOMMITTED

PAGE_TTL = 600  # seconds
ARGS = frozenset({"page", "sort", "answer", "comment", "expand"})
VIEWS_PLACEHOLDER = "\x00views\x00"
_TOUCHED = "page_versions"

# What of a person, a circle or a case shows on the pages of the questions they appear in.
PERSON_SHOWN = ("display_name", "username", "deleted_at", "role", "verified_staff")
CIRCLE_SHOWN = ("name_ja", "name_en", "slug", "visibility")
CASE_SHOWN = ("title", "slug", "status")


# --- the version ----------------------------------------------------------------------------


def touch(question_id: int | None) -> None:
    """Report a change to a question's page that the session hooks cannot see (a bulk UPDATE)."""
    if question_id is not None:
        db.session.info.setdefault(_TOUCHED, set()).add(("question", question_id))


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    if state.pending or state.deleted:
        return True
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in names)


def _touched_by(obj) -> tuple[str, int] | None:
    """("question", id), ("person", user id), ("circle", id) or ("case", id) for a changed row."""
    if isinstance(obj, Question):
        return ("question", obj.id)
    if isinstance(obj, Answer):
        return ("question", obj.question_id)
    if isinstance(obj, Comment):
        return ("question", obj.thread_id)
    if isinstance(obj, CaseLink):
        return ("question", obj.question_id)
    if isinstance(obj, User) and _changed(obj, PERSON_SHOWN):
        return ("person", obj.id)
    if isinstance(obj, Profile) and _changed(obj, ("organisation",)):
        return ("person", obj.user_id)
    if isinstance(obj, Circle) and _changed(obj, CIRCLE_SHOWN):
        return ("circle", obj.id)
    if isinstance(obj, Case) and _changed(obj, CASE_SHOWN):
        return ("case", obj.id)
    return None


@event.listens_for(Session, "after_flush")
def _note(session, flush_context):  # noqa: ARG001 - SQLAlchemy's signature
    touched = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        found = _touched_by(obj)
        if found is not None and found[1] is not None:
            touched.add(found)
        if isinstance(obj, Question) and _changed(obj, ("title",)):
            touched.add(("duplicates_of", obj.id))
        if isinstance(obj, Case) and _changed(obj, CASE_SHOWN):
            # Comments mention cases by slug (`#case:<slug>`, linked when shown, no CaseLink):
            # the pages with such a comment change too, under the old slug and the new.
            history = inspect(obj).attrs["slug"].history
            for slug in {*history.added, *history.deleted, *history.unchanged, obj.slug}:
                if slug:
                    touched.add(("case_slug", slug))


def _question_ids(touched: set[tuple[str, int]]):
    """A SELECT of the ids of every question whose page the changes touch."""
    by_kind: dict[str, list] = {}
    for kind, ref in touched:
        by_kind.setdefault(kind, []).append(ref)
    parts = []
    if ids := by_kind.get("question"):
        parts.append(select(Question.id).where(Question.id.in_(ids)))
    if ids := by_kind.get("duplicates_of"):
        parts.append(select(Question.id).where(Question.duplicate_of_id.in_(ids)))
    if ids := by_kind.get("person"):
        parts += [
            select(Question.id).where(Question.author_id.in_(ids)),
            select(Answer.question_id).where(Answer.author_id.in_(ids)),
            select(Comment.thread_id).where(Comment.author_id.in_(ids)),
        ]
    if ids := by_kind.get("circle"):
        parts.append(select(Question.id).where(Question.circle_id.in_(ids)))
    if ids := by_kind.get("case"):
        parts.append(select(CaseLink.question_id).where(CaseLink.case_id.in_(ids)))
    for slug in by_kind.get("case_slug", ()):
        parts.append(
            select(Comment.thread_id).where(Comment.body.contains(f"#case:{slug}", autoescape=True))
        )
    return union(*parts) if len(parts) > 1 else parts[0]


@event.listens_for(Session, "before_commit")
def _bump(session):
    if session is not db.session():
        return
    session.flush()  # the commit's own flush comes later: let the hooks see everything
    touched = session.info.pop(_TOUCHED, set())
    if not touched:
        return
    # In id order, so two transactions bumping overlapping sets lock rows in the same order.
    # Most commits touch questions by id only: those ids need no query to find.
    if all(kind == "question" for kind, _ref in touched):
        ids = sorted(ref for _kind, ref in touched)
    else:
        ids = sorted(session.execute(_question_ids(touched)).scalars())
    for start in range(0, len(ids), 500):
        session.execute(
            update(Question)
            .where(Question.id.in_(ids[start : start + 500]))
            .values(version=Question.version + 1)
            .execution_options(synchronize_session=False)
        )


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the earlier changes
        session.info.pop(_TOUCHED, None)


# --- serving --------------------------------------------------------------------------------


def cacheable() -> bool:
    """Whether this request may be answered from (and fill) the page cache."""
    return (
        fragments.store() is not None
        and request.method == "GET"
        and "_flashes" not in session
        and set(request.args) <= ARGS
    )


def question_statement(question_id, *columns, outerjoin=None):
    """A select of the question with its circle and `columns` (each about this question and
    request); `outerjoin` = (entity, on clause) joins a row the columns may name (None when
    missing). `question_id` may be a bound parameter (a statement built once, run many times)."""
    stmt = select(Question, *columns).where(Question.id == question_id)
    if outerjoin is not None:
        stmt = stmt.outerjoin(*outerjoin)
    return stmt.options(joinedload(Question.circle))


def shown_row(stmt, params: dict | None = None):
    """The row (question, *values) of a `question_statement`, or None when the question is
    missing or hidden."""
    row = db.session.execute(stmt, params or {}).first()
    if row is None or row[0].hidden_at is not None:
        return None
    return row


def read_without_transaction() -> bool:
    """On PostgreSQL, let this request's connection commit each statement by itself (no BEGIN,
    no COMMIT: two round trips of a visitor's four); True when it did. Call before the request's
    first statement; a write then has to be one statement (follows.record_view is).
    SQLite keeps its transaction (its round trips cost nothing)."""
    if db.session.get_bind().dialect.name != "postgresql" or db.session().in_transaction():
        return False
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    # On the request, not on `g` (an app context can outlive a request): web.finish_transaction.
    request.environ[AUTOCOMMITTED] = True
    return True


@dataclass
class Seen:
    """What a cached visitor's page reads of its question (a plain row, not an ORM object:
    loading an entity was a tenth of such a page's time)."""

    id: int
    created_at: datetime
    version: int
    view_count: int


@functools.cache
def _visitor_statement():
    """The visitor's statement (see `stamp`), built once with bound parameters: the question's
    key columns and count when it is shown and its circle visible to visitors."""
    qid = bindparam("question_id", type_=Integer)
    viewed = follows.viewed_today_column(qid, bindparam("viewer_key"), bindparam("day"))
    return (
        select(Question.id, Question.created_at, Question.version, Question.view_count, viewed)
        .select_from(Question)
        .outerjoin(Circle, Circle.id == Question.circle_id)
        .where(
            Question.id == qid,
            Question.hidden_at.is_(None),
            # policy.visible_circles_clause for a visitor; the open square has no circle.
            or_(Question.circle_id.is_(None), policy.visible_circles_clause(None)),
        )
    )


def stamp(question_id: int, viewer_key: str) -> tuple[Seen, bool] | None:
    """For a visitor: the question's key columns and whether this visitor's view today is
    already counted (one statement), when a visitor may see it; else None (the normal path then
    answers, 404 included)."""
    params = {"question_id": question_id, "viewer_key": viewer_key, "day": follows.today()}
    row = db.session.connection().execute(_visitor_statement(), params).first()
    if row is None:
        return None
    return Seen(row[0], row[1], row[2], row[3]), bool(row[4])


def key(question: Question, templates_version: str, reader: tuple = ()) -> str:
    """The cache key of this request's page of `question` for visitors, or for signed-in
    readers of the class `reader` (questions/member_pages.py)."""
    return "page:" + fragments.digest(
        templates_version,
        reader,
        question.id,
        # An id can come back (SQLite reuses the highest rowid after a delete): the creation
        # time tells a new question from a deleted one.
        question.created_at,
        question.version,
        request.full_path,
        str(get_locale()),
        str(get_timezone()),
        request.script_root,
    )


def get(cache_key: str) -> str | None:
    return fragments.store().get_many([cache_key]).get(cache_key)


def put(cache_key: str, html: str) -> None:
    fragments.store().set_many({cache_key: html}, ttl=PAGE_TTL)


def fill(html: str, view_count: int) -> str:
    """A cached page with this request's view count, token and one-time keys."""
    views = str(escape(ngettext("%(num)d view", "%(num)d views", view_count)))
    return fragments.personalise(html.replace(VIEWS_PLACEHOLDER, views, 1))
