"""Keeping the index in step with the content, inside the same transaction.

Session events note which documents a flush touched; just before the transaction commits,
those documents are rebuilt. Every path that writes content (forms, API, moderation, CLI)
therefore updates the index, and a rollback undoes both together.

Several transactions may rebuild one document at once (four people editing their answers to
one question). Each rebuild takes a lock on that document first (PostgreSQL; SQLite has one
writer at a time anyway), so it reads the content after the previous rebuild has committed and
the last writer's rows contain everyone's text. The rows are written in place (INSERT ... ON
CONFLICT DO UPDATE, then the sections beyond the new length are deleted), so even a writer that
did not lock can never collide on (kind, ref_id, section).
"""

from __future__ import annotations

from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload

from community.auth.models import User
from community.casebook import models as cb
from community.casebook.models import Case
from community.circles.models import Circle
from community.db import utcnow
from community.extensions import db
from community.profiles.models import Profile
from community.questions.models import Answer, Comment, Question
from community.search.models import SearchEntry
from community.search.tokens import index_text

# A text gives at most one token per character, so a section stays under PostgreSQL's 16,383
# tsvector positions (beyond them phrases stop matching). Sections overlap by the longest query
# (200 characters), so a word on a boundary is whole in one of them; words in different sections
# of one document are ANDed by window.spread_ref_ids.
SECTION_CHARS = 12_000
SECTION_OVERLAP = 200

# pg_advisory_xact_lock(class, id): one class per kind of document, in a range of its own
# ("SE" for search) so that it cannot meet another advisory lock of the application.
LOCK_CLASS = {
    "question": 0x5345_0001,
    "case": 0x5345_0002,
    "person": 0x5345_0003,
    "circle": 0x5345_0004,
}


def _chunks(text: str) -> list[str]:
    text = text or ""
    step = SECTION_CHARS - SECTION_OVERLAP
    return [
        text[i : i + SECTION_CHARS] for i in range(0, max(len(text) - SECTION_OVERLAP, 1), step)
    ]


def _question_doc(ref_id: int):
    # populate_existing: the session may hold this question from before the document lock, and a
    # title, tag or field changed meanwhile by another transaction must not be indexed stale.
    q = db.session.scalar(
        select(Question)
        .where(Question.id == ref_id)
        .options(
            selectinload(Question.tags), selectinload(Question.topics), joinedload(Question.field)
        )
        .execution_options(populate_existing=True)
    )
    if q is None or q.hidden_at is not None:
        return None
    answers = db.session.scalars(
        select(Answer.body_md).where(Answer.question_id == q.id, Answer.hidden_at.is_(None))
    )
    comments = db.session.scalars(
        select(Comment.body).where(Comment.thread_id == q.id, Comment.hidden_at.is_(None))
    )
    labels = " ".join([*(t.name for t in q.tags), *(t.name_ja for t in q.topics)])
    hidden = " ".join(t.name_en for t in q.topics)
    if q.field is not None:
        labels += f" {q.field.name_ja}"
        hidden += f" {q.field.name_en}"
    return q.title, "\n".join([q.title, q.body_md, labels, *answers, *comments]), hidden


def _case_doc(ref_id: int):
    c = db.session.scalar(
        select(Case)
        .where(Case.id == ref_id)
        .options(
            selectinload(Case.schedule),
            selectinload(Case.interview),
            selectinload(Case.sources),
            selectinload(Case.costs),
            selectinload(Case.menus),
            selectinload(Case.topics),
            selectinload(Case.fields),
        )
        .execution_options(populate_existing=True)
    )
    if c is None:
        return None
    parts = [
        c.title,
        *c.summary_points,
        c.overview_md,
        c.organisations,
        c.effects_md,
        c.participants,
        c.contact_department,
    ]
    parts += [f"{f.get('label', '')} {f.get('value', '')}" for f in c.effect_figures or []]
    parts += [f"{r.period} {r.content}" for r in c.schedule]
    parts += [r.item for r in c.costs]
    parts += [f"{p.question} {p.answer}" for p in c.interview]
    parts += [s.title for s in c.sources]
    parts += [x.name_ja for x in (*c.menus, *c.topics, *c.fields)]
    hidden = " ".join(x.name_en for x in (*c.menus, *c.topics, *c.fields))
    return c.title, "\n".join(p for p in parts if p), hidden


def _person_doc(ref_id: int):
    u = db.session.get(User, ref_id, populate_existing=True)
    if u is None or u.is_deleted or u.profile is None:
        return None
    p = u.profile
    parts = [
        u.display_name,
        p.organisation,
        p.department,
        p.job_title,
        p.qualifications,
        p.bio_md,
    ]
    parts += [x.name_ja for x in (*p.fields, *p.help_topics)]
    hidden = " ".join([u.username, *(x.name_en for x in (*p.fields, *p.help_topics))])
    return u.display_name, "\n".join(x for x in parts if x), hidden


def _circle_doc(ref_id: int):
    c = db.session.get(Circle, ref_id, populate_existing=True)
    if c is None:
        return None
    return c.name_ja, "\n".join([c.name_ja, c.description_md, c.rules_md]), c.name_en


BUILDERS = {
    "question": _question_doc,
    "case": _case_doc,
    "person": _person_doc,
    "circle": _circle_doc,
}


def _lock(kind: str, ref_id: int) -> None:
    """Wait until no other transaction is rebuilding this document; held until commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(LOCK_CLASS[kind], ref_id)))


def _upsert(rows: list[dict]) -> None:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SearchEntry).values(rows)
    # The id too: the search window takes the newest ids as the most recently active documents
    # (window.py), so a rebuilt section must move to the end as a fresh insert would.
    columns = ("id", "title", "body", "tokens", "updated_at")
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "ref_id", "section"],
        set_={name: stmt.excluded[name] for name in columns},
    )
    db.session.execute(stmt)


def reindex(kind: str, ref_id: int) -> None:
    """Replace the entries of one document (none when it is gone or hidden)."""
    _lock(kind, ref_id)
    doc = BUILDERS[kind](ref_id)
    rows = []
    if doc is not None:
        # `hidden`: text that finds the document but is not shown in snippets (usernames,
        # English names of fields and topics): indexed with the first section only.
        title, body, hidden = doc
        now = utcnow()
        rows = [
            {
                "kind": kind,
                "ref_id": ref_id,
                "section": section,
                "title": title[:300],
                "body": chunk,
                "tokens": index_text(f"{chunk}\n{hidden}" if section == 0 else chunk),
                "updated_at": now,
            }
            for section, chunk in enumerate(_chunks(body))
        ]
        _upsert(rows)
    db.session.execute(
        delete(SearchEntry)
        .where(
            SearchEntry.kind == kind,
            SearchEntry.ref_id == ref_id,
            SearchEntry.section >= len(rows),
        )
        .execution_options(synchronize_session=False)
    )


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


def _documents(obj) -> list[tuple[str, int]]:
    if isinstance(obj, Question):
        return [("question", obj.id)]
    if isinstance(obj, Answer):
        return [("question", obj.question_id)]
    if isinstance(obj, Comment):
        return [("question", obj.thread_id)]
    if isinstance(obj, cb.Case):
        return [("case", obj.id)]
    if isinstance(obj, cb.CaseScheduleRow | cb.CaseCostRow | cb.CaseInterviewPair | cb.CaseSource):
        return [("case", obj.case_id)]
    if isinstance(obj, Profile):
        return [("person", obj.user_id)]
    if isinstance(obj, User):
        # Only what the person document contains: the last-seen time changes on every visit.
        state = inspect(obj)
        if (
            state.pending
            or state.deleted
            or any(
                state.attrs[name].history.has_changes()
                for name in ("display_name", "username", "deleted_at")
            )
        ):
            return [("person", obj.id)]
        return []
    if isinstance(obj, Circle):
        return [("circle", obj.id)]
    return []


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context):  # noqa: ARG001 - SQLAlchemy's signature
    pending = session.info.setdefault("search_dirty", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, SearchEntry):
            continue
        for kind, ref_id in _documents(obj):
            if ref_id is not None:
                pending.add((kind, ref_id))


@event.listens_for(Session, "before_commit")
def _reindex_changed(session):
    if session is not db.session():
        return
    # before_commit runs before the commit's own flush: flush first so that every change is seen.
    session.flush()
    done: set[tuple[str, int]] = set()
    for _round in range(3):  # reindexing may autoflush more changes; they get their turn too
        pending = session.info.pop("search_dirty", set()) - done
        if not pending:
            break
        for kind, ref_id in sorted(pending):
            reindex(kind, ref_id)
        done |= pending
    session.info.pop("search_dirty", None)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the earlier changes
        session.info.pop("search_dirty", None)


def mark_dirty(kind: str, ref_id: int) -> None:
    """For changes no session event sees (bulk DELETE or UPDATE statements)."""
    db.session.info.setdefault("search_dirty", set()).add((kind, ref_id))
