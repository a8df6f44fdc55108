"""Tokens for Japanese full-text search: NFKC, lower case, ASCII words whole, other text as
overlapping character bigrams plus its last character.

Bigrams give exact substring behaviour for any term of two or more characters, on SQLite (FTS5)
and PostgreSQL (tsvector) alike: a term becomes the phrase of its bigrams, a one-character term
a prefix. Morphological analysers split words inconsistently, and trigram indexes find nothing
for the two-character words (橋梁, 下水) that municipal engineers search for most.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass

_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Runs of "other" text: anything that is not ASCII and not white space or punctuation.
# 々, 〆 and 〇 (U+3005–U+3007) are letters, not punctuation: 佐々木, 〆切.
_RUN = re.compile(
    r"[a-z0-9]+|[^\x00-\x7f\s\u3000-\u3004\u3008-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+"
)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str) -> list[str]:
    """The token stream stored in the index, in text order."""
    out: list[str] = []
    for run in _RUN.findall(normalise(text)):
        if _ASCII_WORD.fullmatch(run) or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
    return out


def index_text(text: str) -> str:
    return " ".join(tokens(text))


@dataclass(frozen=True)
class Term:
    """One query term: a phrase of tokens, or a single-character prefix."""

    text: str  # normalised, for highlighting
    pieces: tuple[str, ...]
    prefix: bool = False


def _term(raw: str) -> list[Term]:
    text = normalise(raw).strip()
    out = []
    for run in _RUN.findall(text):
        if _ASCII_WORD.fullmatch(run):
            out.append(Term(run, (run,)))
        elif len(run) == 1:
            out.append(Term(run, (run,), prefix=True))
        else:
            out.append(Term(run, tuple(run[i : i + 2] for i in range(len(run) - 1))))
    return out


def parse(query: str, limit: int = 8) -> list[Term]:
    """Terms ANDed together; "quoted words" stay one phrase."""
    query = normalise(query)[:200]
    try:
        parts = shlex.split(query)
    except ValueError:  # an unbalanced quote: read it as plain words
        parts = query.replace('"', " ").split()
    terms: list[Term] = []
    for part in parts:
        sub = _term(part)
        if len(sub) > 1 and " " in part:
            if not any(_ASCII_WORD.fullmatch(t.text) for t in sub):
                # Japanese written with spaces in the query: match it as continuous text.
                terms.extend(_term("".join(t.text for t in sub)))
            else:
                # Words in quotes: one phrase, the words in this order.
                pieces = tuple(p for t in sub for p in t.pieces)
                terms.append(Term(" ".join(t.text for t in sub), pieces))
        else:
            terms.extend(sub)
    return terms[:limit]
