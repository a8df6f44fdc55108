"""Keeping the index in step with the content, inside the same transaction.

Session events note which documents a flush touched; just before the transaction commits,
those documents are rebuilt. Every path that writes content (forms, API, moderation, CLI)
therefore updates the index, and a rollback undoes both together.
"""

from __future__ import annotations

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session, selectinload

from community.db import utcnow
from community.extensions import db
from community.search.models import SearchEntry
from community.search.tokens import index_text

# A text gives at most one token per character, so a section stays under PostgreSQL's 16,383
# tsvector positions (beyond them phrases stop matching). Sections overlap by the longest query
# (200 characters), so a word on a boundary is whole in one of them; words in different sections
# of one document are ANDed by window.spread_ref_ids.
SECTION_CHARS = 12_000
SECTION_OVERLAP = 200


def _chunks(text: str) -> list[str]:
    text = text or ""
    step = SECTION_CHARS - SECTION_OVERLAP
    return [
        text[i : i + SECTION_CHARS] for i in range(0, max(len(text) - SECTION_OVERLAP, 1), step)
    ]


def _question_doc(ref_id: int):
    from community.questions.models import Answer, Comment, Question

    q = db.session.get(Question, ref_id)
    if q is None or q.hidden_at is not None:
        return None
    answers = db.session.scalars(
        select(Answer.body_md).where(Answer.question_id == q.id, Answer.hidden_at.is_(None))
    )
    comments = db.session.scalars(
        select(Comment.body).where(Comment.thread_id == q.id, Comment.hidden_at.is_(None))
    )
    labels = " ".join([*(t.name for t in q.tags), *(f"{t.name_ja} {t.name_en}" for t in q.topics)])
    if q.field is not None:
        labels += f" {q.field.name_ja} {q.field.name_en}"
    return q.title, "\n".join([q.title, q.body_md, labels, *answers, *comments])


def _case_doc(ref_id: int):
    from community.casebook.models import Case

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
    parts += [f"{x.name_ja} {x.name_en}" for x in (*c.menus, *c.topics, *c.fields)]
    return c.title, "\n".join(p for p in parts if p)


def _person_doc(ref_id: int):
    from community.auth.models import User

    u = db.session.get(User, ref_id)
    if u is None or u.is_deleted or u.profile is None:
        return None
    p = u.profile
    parts = [
        u.display_name,
        u.username,
        p.organisation,
        p.department,
        p.job_title,
        p.qualifications,
        p.bio_md,
    ]
    parts += [f"{x.name_ja} {x.name_en}" for x in (*p.fields, *p.help_topics)]
    return u.display_name, "\n".join(x for x in parts if x)


def _circle_doc(ref_id: int):
    from community.circles.models import Circle

    c = db.session.get(Circle, ref_id)
    if c is None:
        return None
    return c.name_ja, "\n".join([c.name_ja, c.name_en, c.description_md, c.rules_md])


BUILDERS = {
    "question": _question_doc,
    "case": _case_doc,
    "person": _person_doc,
    "circle": _circle_doc,
}


def reindex(kind: str, ref_id: int) -> None:
    """Replace the entries of one document (none when it is gone or hidden)."""
    db.session.execute(
        delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref_id == ref_id)
    )
    doc = BUILDERS[kind](ref_id)
    if doc is None:
        return
    title, body = doc
    now = utcnow()
    for section, chunk in enumerate(_chunks(body)):
        db.session.add(
            SearchEntry(
                kind=kind,
                ref_id=ref_id,
                section=section,
                title=title[:300],
                body=chunk,
                tokens=index_text(chunk),
                updated_at=now,
            )
        )
    db.session.flush()


def reindex_all() -> int:
    """Rebuild everything (`flask search reindex`); returns the number of documents."""
    from community.auth.models import User
    from community.casebook.models import Case
    from community.circles.models import Circle
    from community.questions.models import Question

    db.session.execute(delete(SearchEntry))
    count = 0
    for kind, model in (
        ("question", Question),
        ("case", Case),
        ("person", User),
        ("circle", Circle),
    ):
        for ref_id in db.session.scalars(select(model.id)).all():
            reindex(kind, ref_id)
            count += 1
    return count


# --- keeping up with changes ------------------------------------------------------------------


def _documents(obj) -> list[tuple[str, int]]:
    from community.auth.models import User
    from community.casebook import models as cb
    from community.circles.models import Circle
    from community.profiles.models import Profile
    from community.questions.models import Answer, Comment, Question

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
    session.info.pop("search_dirty", None)


def mark_dirty(kind: str, ref_id: int) -> None:
    """For changes no session event sees (bulk DELETE or UPDATE statements)."""
    db.session.info.setdefault("search_dirty", set()).add((kind, ref_id))
