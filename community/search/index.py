"""Keeping the index in step with the content, inside the same transaction.

Session events note which documents a flush touched, and for a question which part of it: the
question's own text, one answer, one comment. Just before the transaction commits, those parts
are rebuilt. Every path that writes content (forms, API, moderation, CLI) therefore updates the
index, and a rollback undoes both together.

A question's index rows are its parts, each in sections of its own (`section_range`): posting,
editing, hiding or deleting an answer or a comment rewrites or removes that post's rows and no
others, so it costs the same on the 1st and the 500th answer of a thread. The question's own
rows are then moved to the end (fresh ids, same text), because the search window reads the
newest ids as the most recently active threads (window.py). What affects the whole thread (the
question hidden, restored, deleted) rebuilds the whole document, as does `flask search reindex`.

Several transactions may write one document at once (four people editing their answers to one
question). Each takes a lock on the document first (PostgreSQL; SQLite has one writer at a time
anyway), so it reads the content after the previous writer has committed. The rows are written
in place (INSERT ... ON CONFLICT DO UPDATE, then the sections a part no longer uses are deleted),
so even a writer that did not lock can never collide on (kind, ref_id, section).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import and_, bindparam, delete, event, func, inspect, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from community.auth.models import User
from community.casebook import models as cb
from community.casebook.models import Case
from community.circles.models import Circle
from community.db import utcnow
from community.extensions import db
from community.profiles.models import Profile
from community.questions.models import Answer, Comment, Question
from community.search.documents import (
    BUILDERS,
    HEAD,
    PART_SECTIONS,
    answer_bodies,
    answer_part,
    comment_bodies,
    comment_part,
    head_rows,
    post_rows,
    section_range,
    visible_question,
)
from community.search.models import SearchEntry

# pg_advisory_xact_lock(class, id): one class per kind of document, in a range of its own
# ("SE" for search) so that it cannot meet another advisory lock of the application.
LOCK_CLASS = {
    "question": 0x5345_0001,
    "case": 0x5345_0002,
    "person": 0x5345_0003,
    "circle": 0x5345_0004,
}


# --- writing ---------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _lock(kind: str, ref_id: int) -> None:
    """Wait until no other transaction is writing this document; held until commit."""
    if _dialect() == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(LOCK_CLASS[kind], ref_id)))


def _insert():
    return pg_insert if _dialect() == "postgresql" else sqlite_insert


def _upsert(rows: list[dict]) -> None:
    if not rows:
        return
    stmt = _insert()(SearchEntry).values(rows)
    # The id too: the search window takes the newest ids as the most recently active documents
    # (window.py), so a rewritten section must move to the end as a fresh insert would.
    columns = ("id", "title", "body", "tokens", "updated_at")
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "ref_id", "section"],
        set_={name: stmt.excluded[name] for name in columns},
    )
    db.session.execute(stmt)


def _delete(kind: str, ref_id: int, *where) -> None:
    db.session.execute(
        delete(SearchEntry)
        .where(SearchEntry.kind == kind, SearchEntry.ref_id == ref_id, *where)
        .execution_options(synchronize_session=False)
    )


def _touch_head(ref_id: int) -> int:
    """Move a question's own rows to the end (fresh ids, text unchanged): its thread is active.
    Returns how many rows moved (0 when the question has none yet)."""
    now = bindparam("now", utcnow(), type_=SearchEntry.updated_at.type)
    columns = ("kind", "ref_id", "section", "title", "body", "tokens")
    own = select(*(getattr(SearchEntry, c) for c in columns), now).where(
        SearchEntry.kind == "question",
        SearchEntry.ref_id == ref_id,
        SearchEntry.section < PART_SECTIONS,
    )
    stmt = _insert()(SearchEntry).from_select([*columns, "updated_at"], own)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "ref_id", "section"],
        set_={"id": stmt.excluded.id, "updated_at": stmt.excluded.updated_at},
    )
    return db.session.execute(stmt).rowcount


def reindex(kind: str, ref_id: int) -> None:
    """Replace every entry of one document (none when it is gone or hidden)."""
    _lock(kind, ref_id)
    rows = BUILDERS[kind](ref_id) or []
    _upsert(rows)
    if kind == "question":  # parts are sparse: delete the sections that were not written
        written = [r["section"] for r in rows]
        _delete(kind, ref_id, SearchEntry.section.not_in(written) if written else true())
    else:
        _delete(kind, ref_id, SearchEntry.section >= len(rows))


def reindex_parts(ref_id: int, parts: set[int]) -> None:
    """Rewrite some parts of one question document (HEAD, answer_part(id), comment_part(id)):
    each post's rows, or none when it is gone or hidden; a hidden or missing question has no
    rows at all. The cost depends on the parts only, never on the size of the thread."""
    _lock("question", ref_id)
    q = visible_question(ref_id, with_labels=HEAD in parts)
    if q is None:
        _delete("question", ref_id)
        return
    rows = head_rows(q) if HEAD in parts else []
    answers = [(p - 1) // 2 for p in parts if p % 2 == 1]
    comments = [(p - 2) // 2 for p in parts if p and p % 2 == 0]
    for i, body in answer_bodies(ref_id, answers) if answers else ():
        rows += post_rows(ref_id, answer_part(i), body)
    for i, body in comment_bodies(ref_id, comments) if comments else ():
        rows += post_rows(ref_id, comment_part(i), body)
    _upsert(rows)
    # Each part keeps the sections just written; a post gone or hidden keeps none.
    written = Counter(r["section"] // PART_SECTIONS for r in rows)
    stale = [
        and_(
            SearchEntry.section >= section_range(p)[0] + written[p],
            SearchEntry.section < section_range(p)[1],
        )
        for p in sorted(parts)
    ]
    _delete("question", ref_id, or_(*stale))
    if HEAD not in parts and not _touch_head(ref_id):
        # No rows of its own (an index emptied by hand, or written by an older version).
        _upsert(head_rows(visible_question(ref_id, with_labels=True)))


def reindex_all() -> int:
    """Rebuild everything (`flask search reindex`); returns the number of documents."""

    # No DELETE of the whole table first: it would hold every row while the rebuild waits for
    # document locks that requests hold, and those requests wait for the rows. Documents are
    # locked in the order the commit hook uses (sorted by kind, then id), so neither deadlocks.
    count = 0
    for kind, model in sorted(
        {"question": Question, "case": Case, "person": User, "circle": Circle}.items()
    ):
        for ref_id in db.session.scalars(select(model.id).order_by(model.id)).all():
            reindex(kind, ref_id)
            count += 1
        db.session.execute(
            delete(SearchEntry)
            .where(SearchEntry.kind == kind, SearchEntry.ref_id.not_in(select(model.id)))
            .execution_options(synchronize_session=False)
        )
    return count


# --- keeping up with changes ------------------------------------------------------------------

WHOLE = None  # in a dirty mark: the whole document, not one part
# What a question's own rows are built from; its other columns (counts, status, activity, the
# circle: rights are checked when searching) change nothing in the index.
QUESTION_INDEXED = ("title", "body_md", "field_code", "field", "tags", "topics")


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _documents(obj, added_or_deleted: bool = False) -> list[tuple[str, int, int | None]]:
    """(kind, ref_id, part) of each document part a changed object is in (part WHOLE: all)."""
    if isinstance(obj, Question):
        if added_or_deleted or _changed(obj, ("hidden_at",)):
            return [("question", obj.id, WHOLE)]
        return [("question", obj.id, HEAD)] if _changed(obj, QUESTION_INDEXED) else []
    if isinstance(obj, Answer):
        return [("question", obj.question_id, answer_part(obj.id))]
    if isinstance(obj, Comment):
        return [("question", obj.thread_id, comment_part(obj.id))]
    if isinstance(obj, cb.Case):
        return [("case", obj.id, WHOLE)]
    if isinstance(obj, cb.CaseScheduleRow | cb.CaseCostRow | cb.CaseInterviewPair | cb.CaseSource):
        return [("case", obj.case_id, WHOLE)]
    if isinstance(obj, Profile):
        return [("person", obj.user_id, WHOLE)]
    if isinstance(obj, User):
        # Only what the person document contains: the last-seen time changes on every visit.
        if added_or_deleted or _changed(obj, ("display_name", "username", "deleted_at")):
            return [("person", obj.id, WHOLE)]
        return []
    if isinstance(obj, Circle):
        return [("circle", obj.id, WHOLE)]
    return []


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context):  # noqa: ARG001 - SQLAlchemy's signature
    pending = session.info.setdefault("search_dirty", set())
    # In after_flush the session's lists and the attributes' history are still those of the
    # flush that just ran.
    changed = [(obj, True) for obj in (*session.new, *session.deleted)]
    changed += [(obj, False) for obj in session.dirty]
    for obj, added_or_deleted in changed:
        if isinstance(obj, SearchEntry):
            continue
        for kind, ref_id, part in _documents(obj, added_or_deleted):
            if ref_id is not None:
                pending.add((kind, ref_id, part))


def _write(marks: set[tuple[str, int, int | None]]) -> None:
    """Rebuild the marked documents and parts, locking documents in (kind, id) order."""
    by_doc: dict[tuple[str, int], set[int | None]] = {}
    for kind, ref_id, part in marks:
        by_doc.setdefault((kind, ref_id), set()).add(part)
    for (kind, ref_id), parts in sorted(by_doc.items()):
        if WHOLE in parts or kind != "question":
            reindex(kind, ref_id)
        else:
            reindex_parts(ref_id, parts)


@event.listens_for(Session, "before_commit")
def _reindex_changed(session):
    if session is not db.session():
        return
    # before_commit runs before the commit's own flush: flush first so that every change is seen.
    session.flush()
    done: set[tuple[str, int, int | None]] = set()
    for _round in range(3):  # reindexing may autoflush more changes; they get their turn too
        pending = session.info.pop("search_dirty", set()) - done
        if not pending:
            break
        _write(pending)
        done |= pending
    session.info.pop("search_dirty", None)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the earlier changes
        session.info.pop("search_dirty", None)


def mark_dirty(kind: str, ref_id: int) -> None:
    """For changes no session event sees (bulk DELETE or UPDATE statements): the whole
    document is rebuilt."""
    db.session.info.setdefault("search_dirty", set()).add((kind, ref_id, WHOLE))
