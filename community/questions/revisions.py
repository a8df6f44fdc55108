"""Edit history: each version with a line diff against the one before, a page at a time."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community.extensions import db
from community.questions.models import Revision

PER_PAGE = 10
EXACT_DIFF_LINES = 500
MAX_DIFF_LINES = 400


@dataclass
class Version:
    revision: Revision
    number: int
    # (kind, text): kind is "add", "del", "ctx", "hunk", or "more" (text: lines not shown)
    lines: list[tuple[str, str]]


@dataclass
class HistoryPage:
    """One page of versions, newest first; `pagination` drives the pager."""

    versions: list[Version]
    pagination: Any


def _diff(before: str, after: str) -> list[tuple[str, str]]:
    a, b = before.splitlines(), after.splitlines()
    # Without autojunk, lines repeated all over a long post still match (otherwise a one-line
    # edit shows as the whole post removed and added again); its cost grows with the square of
    # the length, so it is kept for posts of ordinary length.
    exact = max(len(a), len(b)) <= EXACT_DIFF_LINES
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=not exact)
    out: list[tuple[str, str]] = []
    for group in matcher.get_grouped_opcodes(2):
        out.append(("hunk", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(("ctx", line) for line in a[i1:i2])
                continue
            out.extend(("del", line) for line in a[i1:i2])
            out.extend(("add", line) for line in b[j1:j2])
    if len(out) > MAX_DIFF_LINES:
        # A page shows ten versions: each diff is bounded, whatever was pasted.
        out = [*out[:MAX_DIFF_LINES], ("more", str(len(out) - MAX_DIFF_LINES))]
    return out


def _text(r: Revision) -> str:
    return (f"# {r.title}\n\n" if r.title is not None else "") + r.body_md


def history(
    *,
    question_id: int | None = None,
    answer_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> HistoryPage:
    """One page of versions, newest first, each diffed against the version before it.

    Three queries however long the history: the count, the page, and the version just older
    than the page (what the page's oldest version is compared with)."""
    column = Revision.question_id if question_id is not None else Revision.answer_id
    where = column == (question_id if question_id is not None else answer_id)
    newest_first = (
        select(Revision)
        .where(where)
        .options(joinedload(Revision.editor))
        .order_by(Revision.created_at.desc(), Revision.id.desc())
    )
    pagination = db.paginate(newest_first, page=page, per_page=per_page, error_out=False)
    rows = list(pagination.items)
    offset = (pagination.page - 1) * per_page
    if rows and offset + len(rows) < (pagination.total or 0):
        rows.append(db.session.scalar(newest_first.offset(offset + len(rows)).limit(1)))
    versions = [
        Version(
            r,
            (pagination.total or 0) - offset - i,
            _diff(_text(rows[i + 1]) if i + 1 < len(rows) else "", _text(r)),
        )
        for i, r in enumerate(rows[:per_page])
    ]
    return HistoryPage(versions, pagination)
