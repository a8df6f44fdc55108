"""Case addresses made from the title: ASCII words when the title has them, else `case-<n>`.

No romanisation library is installed, so a Japanese title gets a numbered address; editors
may still write a better one by hand. Existing addresses never change."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from community.casebook.models import Case
from community.extensions import db

MAX_LENGTH = 80
_SUFFIX_ROOM = 6  # "-9999" and a little more


def slugify(title: str) -> str:
    """The ASCII words of `title` as a slug ('' when it has fewer than three ASCII letters or
    digits): full-width letters count as their ASCII forms."""
    text = unicodedata.normalize("NFKC", title or "").lower()
    words = re.findall(r"[a-z0-9]+", text)
    slug = "-".join(words)[: MAX_LENGTH - _SUFFIX_ROOM].strip("-")
    if len(slug.replace("-", "")) < 3 or not re.search(r"[a-z]", slug):
        return ""
    return slug


def _numbered() -> str:
    """`case-<n>`, n one past the highest case id (a unique suffix settles any clash)."""
    return f"case-{(db.session.scalar(select(func.max(Case.id))) or 0) + 1}"


def unique_slug(title: str, reserved: frozenset[str] = frozenset(), exclude_id=None) -> str:
    """A free address for a case called `title`: the base, else base-2, base-3 … (one query)."""
    base = slugify(title) or _numbered()
    stmt = select(Case.slug).where(
        (Case.slug == base) | Case.slug.like(base.replace("_", r"\_") + "-%", escape="\\")
    )
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    taken = set(db.session.scalars(stmt)) | set(reserved)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
