"""Keeping stored HTML current (DESIGN.md: render once, read many).

Pages show the HTML stored beside each Markdown source and never render on read. Two things make
stored HTML stale: a new renderer (RENDERER_VERSION goes up: `flask markdown rerender` renders
again every row an older one wrote), and a case that a post mentions (`#case:<slug>`) changing
its title or leaving or entering publication (`refresh_case_mentions`, called by the casebook when
that happens, so a link never keeps a title that is no longer public)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from community import markdown
from community.casebook.models import Case, SupportOrganisation
from community.circles.models import Circle
from community.extensions import db
from community.office_hours.models import AdviserSettings
from community.profiles.models import Profile
from community.questions.models import Answer, Question
from community.text import like_pattern

BATCH = 200
# Every stored render: (model, the fields whose `<field>_md` is rendered into `<field>_html`).
# The version column of each comes from markdown.version_column; SupportOrganisation and
# AdviserSettings have none (few rows, rendered again on every run).
SOURCES = [
    (Question, ["body"]),
    (Answer, ["body"]),
    (Case, ["overview", "effects"]),
    (Circle, ["description", "rules"]),
    (Profile, ["bio"]),
    (SupportOrganisation, ["offers"]),
    (AdviserSettings, ["intro"]),
]


def _render_rows(rows: Iterable, fields: list[str]) -> int:
    count = 0
    for row in rows:
        for field in fields:
            markdown.store(row, field, getattr(row, f"{field}_md"))
        count += 1
    return count


def rerender_stale() -> int:
    """Render again every stored HTML an older renderer wrote; returns the rows rendered.
    Commits after each batch, so a long run can be stopped and started again."""
    total = 0
    for model, fields in SOURCES:
        version = markdown.version_column(model, fields[0])
        last = 0
        while True:
            stmt = select(model).order_by(*model.__mapper__.primary_key).limit(BATCH)
            key = model.__mapper__.primary_key[0]
            stmt = stmt.where(key > last)
            if version:
                stmt = stmt.where(getattr(model, version) < markdown.RENDERER_VERSION)
            rows = list(db.session.scalars(stmt))
            if not rows:
                break
            last = getattr(rows[-1], key.key)
            total += _render_rows(rows, fields)
            db.session.commit()
    return total


def refresh_case_mentions(slugs: Iterable[str]) -> int:
    """Render again whatever mentions any of these cases (its title or publication changed).
    One query a table finds them (a LIKE on the source); mentions are deliberate, so rows are few.
    """
    patterns = [like_pattern(f"#case:{s}") for s in dict.fromkeys(slugs) if s]
    if not patterns:
        return 0
    count = 0
    for model, fields in SOURCES:
        columns = [getattr(model, f"{field}_md") for field in fields]
        rows = db.session.scalars(
            select(model).where(or_(*(c.like(p, escape="\\") for c in columns for p in patterns)))
        )
        count += _render_rows(rows, fields)
    db.session.flush()
    return count
