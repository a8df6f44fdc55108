"""Text helpers for questions: tag normalisation and keyword extraction for "similar"."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from community.errors import ValidationFailed
from community.text import normalise, one_line

MAX_TAGS = 5
MAX_TAG_LENGTH = 30
# Japanese particles and punctuation split a title into searchable chunks.
_SPLIT = re.compile(
    r"[\s、。,.!?！？「」『』()（）【】・/／:：;；]+|(?<=[^\x00-\x7f])[のはがをにでとやもかへ](?=[^\x00-\x7f])"
)


def parse_tags(raw: str | list[str]) -> list[tuple[str, str]]:
    """Split free tags (comma, space or 、), de-duplicate on the normalised key, and refuse tag
    spam. Each tag is (key, label): the key (NFKC, lower case) matches 判定区分Ⅲ and 判定区分III
    as one tag, the label keeps the form as typed for display."""
    parts = raw if isinstance(raw, list) else re.split(r"[,、\s]+", raw or "")
    tags: dict[str, str] = {}
    for part in parts:
        label = one_line(part).strip().lstrip("#＃").strip()
        key = tag_key(label)
        if key and key not in tags:
            tags[key] = label
    if len(tags) > MAX_TAGS:
        msg = _("Use at most %(n)d tags.", n=MAX_TAGS)
        raise ValidationFailed.for_field("tags", msg)
    if any(len(k) > MAX_TAG_LENGTH or len(v) > MAX_TAG_LENGTH for k, v in tags.items()):
        msg = _("A tag has at most %(n)d characters.", n=MAX_TAG_LENGTH)
        raise ValidationFailed.for_field("tags", msg)
    return list(tags.items())


def tag_key(text: str) -> str:
    """The key a tag is matched and linked by: 判定区分Ⅲ, 判定区分III and #判定区分iii are one."""
    return normalise(text).strip().lstrip("#").strip()


def keywords(title: str, limit: int = 8) -> list[str]:
    """Chunks of a title worth matching: 2+ characters, longest first."""
    chunks = [c for c in _SPLIT.split(normalise(title)) if c and len(c) >= 2]
    unique = list(dict.fromkeys(chunks))
    return sorted(unique, key=len, reverse=True)[:limit]
