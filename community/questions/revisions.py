"""Edit history: each version with a line diff against the one before."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community.extensions import db
from community.questions.models import Revision


@dataclass
class Version:
    revision: Revision
    number: int
    lines: list[tuple[str, str]]  # (kind, text) with kind in "add", "del", "ctx", "hunk"


def _diff(before: str, after: str) -> list[tuple[str, str]]:
    out = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        out.append((kind, line[1:] if kind != "hunk" else "…"))
    return out


def _text(r: Revision) -> str:
    return (f"# {r.title}\n\n" if r.title is not None else "") + r.body_md


def history(*, question_id: int | None = None, answer_id: int | None = None) -> list[Version]:
    """Versions newest first, each with its changes against the previous version."""
    column = Revision.question_id if question_id is not None else Revision.answer_id
    rows = list(
        db.session.scalars(
            select(Revision)
            .where(column == (question_id if question_id is not None else answer_id))
            .options(joinedload(Revision.editor))
            .order_by(Revision.created_at, Revision.id)
        )
    )
    versions, previous = [], ""
    for number, r in enumerate(rows, start=1):
        versions.append(Version(r, number, _diff(previous, _text(r))))
        previous = _text(r)
    return list(reversed(versions))
