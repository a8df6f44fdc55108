"""What the audit page needs beside its entries: filter choices in words, circle names, rows
of changed fields (a fixed number of queries whatever the page holds)."""

from __future__ import annotations

from flask_babel import pgettext
from sqlalchemy import select

from community.auth.models import User
from community.circles.models import Circle
from community.extensions import db
from community.moderation import labels
from community.moderation.models import AuditEntry
from community.moderation.notices import kind_labels
from community.questions.models import Answer, Comment, Question

TARGET_TYPES = ("question", "answer", "comment", "case_link", "user", "domain", "mail")


def page_context(entries) -> dict:
    """Filter choices, and each entry's changes as (field, before, after) in words."""
    circle_ids = {e.circle_id for e in entries if e.circle_id}
    for e in entries:
        for side in (e.before or {}, e.after or {}):
            if isinstance(side.get("circle_id"), int):
                circle_ids.add(side["circle_id"])
    names = (
        {c.id: c.name for c in db.session.scalars(select(Circle).where(Circle.id.in_(circle_ids)))}
        if circle_ids
        else {}
    )
    actors = db.session.execute(
        select(User.username, User.display_name)
        .where(User.id.in_(select(AuditEntry.actor_id).distinct()))
        .order_by(User.display_name)
    ).all()
    kinds = kind_labels()
    kinds.update(domain=pgettext("moderation", "Domain"), mail=pgettext("moderation", "Mail"))
    return {
        "titles": _titles(entries),
        "changes": {e.id: labels.audit_changes(e, names) for e in entries},
        "circle_names": names,
        "action_choices": list(labels.actions().items()),
        "actor_choices": actors,
        "target_choices": [(k, kinds[k]) for k in TARGET_TYPES],
        "target_labels": kinds,
    }


def _titles(entries) -> dict[tuple[str, int], str]:
    """What each target is called: its question's title, or a member's name (a query per kind)."""

    ids: dict[str, set[int]] = {}
    for e in entries:
        if e.target_id:
            ids.setdefault(e.target_type, set()).add(e.target_id)
    sources = {
        "question": select(Question.id, Question.title),
        "answer": select(Answer.id, Question.title).join(
            Question, Question.id == Answer.question_id
        ),
        "comment": select(Comment.id, Question.title).join(
            Question, Question.id == Comment.thread_id
        ),
        "user": select(User.id, User.display_name),
    }
    out = {}
    for kind, stmt in sources.items():
        if ids.get(kind):
            key = stmt.selected_columns[0]
            for target_id, title in db.session.execute(stmt.where(key.in_(ids[kind]))):
                out[(kind, target_id)] = title
    return out
