"""What the search index holds for each kind of document: the rows of one question (its parts:
the question's own text, each answer, each comment, each in sections of its own), one case,
one person and one circle. Writing them in step with the content is index.py's job."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from community.auth.models import User
from community.casebook.models import Case
from community.circles.models import Circle
from community.db import utcnow
from community.extensions import db
from community.questions.models import Answer, Comment, Question
from community.search.tokens import index_text

# A text gives at most one token per character, so a section stays under PostgreSQL's 16,383
# tsvector positions (beyond them phrases stop matching). Sections overlap by the longest query
# (200 characters), so a word on a boundary is whole in one of them; words in different sections
# of one document (different posts of a thread) are ANDed by window.spread_ref_ids.
SECTION_CHARS = 12_000
SECTION_OVERLAP = 200

# The parts of a question document and their sections: part p owns sections
# [p * PART_SECTIONS, (p + 1) * PART_SECTIONS). Part 0 (HEAD) is the question itself (title,
# body, labels), answer a is part 2a + 1, comment c is part 2c + 2. Eight sections hold 94,000
# characters, far beyond the longest post (questions.models.BODY_MAX); the ids stay below 2**31
# up to 134 million posts.
PART_SECTIONS = 8
HEAD = 0


def answer_part(answer_id: int) -> int:
    """The part of a question document that holds one answer."""
    return 2 * answer_id + 1


def comment_part(comment_id: int) -> int:
    """The part of a question document that holds one comment."""
    return 2 * comment_id + 2


def section_range(part: int) -> tuple[int, int]:
    """The sections [first, end) of one part of a question document."""
    return part * PART_SECTIONS, (part + 1) * PART_SECTIONS


def _chunks(text: str) -> list[str]:
    text = text or ""
    step = SECTION_CHARS - SECTION_OVERLAP
    return [
        text[i : i + SECTION_CHARS] for i in range(0, max(len(text) - SECTION_OVERLAP, 1), step)
    ]


def _rows(kind: str, ref_id: int, first: int, title: str, text: str, hidden: str = "") -> list:
    """The rows of one text from section `first` on; `hidden` (text that finds the document but
    is not shown in snippets: usernames, English names of fields and topics) goes with the first
    section only."""
    now = utcnow()
    return [
        {
            "kind": kind,
            "ref_id": ref_id,
            "section": first + i,
            "title": title[:300],
            "body": chunk,
            "tokens": index_text(f"{chunk}\n{hidden}" if i == 0 and hidden else chunk),
            "updated_at": now,
        }
        for i, chunk in enumerate(_chunks(text))
    ]


# --- what a document contains ----------------------------------------------------------------


def visible_question(ref_id: int, with_labels: bool = False) -> Question | None:
    # populate_existing: the session may hold this question from before the document lock, and a
    # title, tag or field changed meanwhile by another transaction must not be indexed stale.
    stmt = select(Question).where(Question.id == ref_id).execution_options(populate_existing=True)
    if with_labels:
        stmt = stmt.options(
            selectinload(Question.tags), selectinload(Question.topics), joinedload(Question.field)
        )
    q = db.session.scalar(stmt)
    return None if q is None or q.hidden_at is not None else q


def head_rows(q: Question) -> list[dict]:
    labels = " ".join([*(t.name for t in q.tags), *(t.name_ja for t in q.topics)])
    hidden = " ".join(t.name_en for t in q.topics)
    if q.field is not None:
        labels += f" {q.field.name_ja}"
        hidden += f" {q.field.name_en}"
    text = "\n".join([q.title, q.body_md, labels])
    # Only the question's own rows carry the title: search shows the first section's.
    return _rows("question", q.id, 0, q.title, text, hidden)[:PART_SECTIONS]


def post_rows(ref_id: int, part: int, text: str) -> list[dict]:
    return _rows("question", ref_id, section_range(part)[0], "", text)[:PART_SECTIONS]


def answer_bodies(ref_id: int, ids: list[int] | None = None):
    stmt = select(Answer.id, Answer.body_md).where(
        Answer.question_id == ref_id, Answer.hidden_at.is_(None)
    )
    return db.session.execute(stmt if ids is None else stmt.where(Answer.id.in_(ids))).all()


def comment_bodies(ref_id: int, ids: list[int] | None = None):
    stmt = select(Comment.id, Comment.body).where(
        Comment.thread_id == ref_id, Comment.hidden_at.is_(None)
    )
    return db.session.execute(stmt if ids is None else stmt.where(Comment.id.in_(ids))).all()


def _question_doc(ref_id: int) -> list[dict] | None:
    """Every row of a question document: its own text, then each visible answer and comment."""
    q = visible_question(ref_id, with_labels=True)
    if q is None:
        return None
    rows = head_rows(q)
    for answer_id, body in answer_bodies(ref_id):
        rows += post_rows(ref_id, answer_part(answer_id), body)
    for comment_id, body in comment_bodies(ref_id):
        rows += post_rows(ref_id, comment_part(comment_id), body)
    return rows


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
    return _rows("case", ref_id, 0, c.title, "\n".join(p for p in parts if p), hidden)


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
    if p.municipality is not None:  # the picked municipality, whatever the typed text says
        parts.append(p.municipality.name)
        hidden += " " + p.municipality.kana
    return _rows("person", ref_id, 0, u.display_name, "\n".join(x for x in parts if x), hidden)


def _circle_doc(ref_id: int):
    c = db.session.get(Circle, ref_id, populate_existing=True)
    if c is None:
        return None
    text = "\n".join([c.name_ja, c.description_md, c.rules_md])
    return _rows("circle", ref_id, 0, c.name_ja, text, c.name_en)


# Per kind: the rows of one document (None when it is gone or hidden).
BUILDERS = {
    "question": _question_doc,
    "case": _case_doc,
    "person": _person_doc,
    "circle": _circle_doc,
}
