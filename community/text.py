"""Text helpers shared by search, tags, the directory and admin lists."""

from __future__ import annotations

import re
import unicodedata

# Variation selectors pick a glyph, not a character (葛 + U+E0100 is 葛): dropped, so that
# text written with them is found by the plain word, and FTS5 does not split the word at them.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def normalise(text: str) -> str:
    """NFKC and lower case: full-width/half-width and case variants compare equal."""
    return _VARIATION_SELECTORS.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def like_pattern(term: str) -> str:
    """`%term%` for LIKE … ESCAPE '\\', with the term's own wildcards escaped."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
