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


def like_escape(term: str) -> str:
    """The term with LIKE's wildcards (and the escape character) escaped, for ESCAPE '\\'."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(term: str) -> str:
    """`%term%` for LIKE … ESCAPE '\\': rows containing the term as typed."""
    return f"%{like_escape(term)}%"


def like_prefix(term: str) -> str:
    """`term%` for LIKE … ESCAPE '\\': rows starting with the term as typed."""
    return f"{like_escape(term)}%"


# Line breaks of every kind (LF, CR, VT, FF, the information separators, NEL, U+2028/9):
# a one-line field (a title, a name) ends up in mail headers and page titles, where any of
# them would break the line.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Control characters no text needs (tab, LF and CR stay in multi-line text).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(text):
    """Line breaks become spaces and other control characters go (non-text stays as it is)."""
    if not isinstance(text, str):
        return text
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text.replace("\t", " ")))


def clean_multiline(text):
    """Control characters other than tab and line breaks go (non-text stays as it is)."""
    if not isinstance(text, str):
        return text
    return _CONTROLS.sub("", text)
