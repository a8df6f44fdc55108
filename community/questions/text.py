"""Text helpers for questions: tag normalisation and keyword extraction for "similar"."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from community.errors import ValidationFailed
from community.text import normalise

MAX_TAGS = 5
MAX_TAG_LENGTH = 30
# Japanese particles and punctuation split a title into searchable chunks.
_SPLIT = re.compile(
    r"[\s、。,.!?！？「」『』()（）【】・/／:：;；]+|(?<=[^\x00-\x7f])[のはがをにでとやもかへ](?=[^\x00-\x7f])"
)


def parse_tags(raw: str | list[str]) -> list[str]:
    """Split free tags (comma, space or 、), normalise, de-duplicate, and refuse tag spam."""
    parts = raw if isinstance(raw, list) else re.split(r"[,、\s]+", raw or "")
    tags: list[str] = []
    for part in parts:
        tag = normalise(part).strip().lstrip("#")
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        msg = _("Use at most %(n)d tags.", n=MAX_TAGS)
        raise ValidationFailed(msg, {"tags": [msg]})
    if any(len(t) > MAX_TAG_LENGTH for t in tags):
        msg = _("A tag has at most %(n)d characters.", n=MAX_TAG_LENGTH)
        raise ValidationFailed(msg, {"tags": [msg]})
    return tags


def keywords(title: str, limit: int = 8) -> list[str]:
    """Chunks of a title worth matching: 2+ characters, longest first."""
    chunks = [c for c in _SPLIT.split(normalise(title)) if c and len(c) >= 2]
    unique = list(dict.fromkeys(chunks))
    return sorted(unique, key=len, reverse=True)[:limit]
