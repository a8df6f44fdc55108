"""Tokens for Japanese full-text search: NFKC, lower case, ASCII words whole, other text as
overlapping character bigrams plus its last character.

Bigrams give exact substring behaviour for any term of two or more characters, on SQLite (FTS5)
and PostgreSQL (tsvector) alike: a term becomes the phrase of its bigrams, a one-character term
a prefix. Morphological analysers split words inconsistently, and trigram indexes find nothing
for the two-character words (橋梁, 下水) that municipal engineers search for most.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from community.search import variants
from community.text import normalise

_ASCII_WORD = re.compile(r"[a-z0-9]+")


def _token_class() -> str:
    """Every non-ASCII letter, digit and private-use character, as a regex class body: FTS5's
    unicode61 tokenizer keeps exactly these ("L* N* Co") and splits on everything else, and
    PostgreSQL's parser drops the rest too. So a run never contains a symbol: a term made of
    them (・, ×, →) would match nothing on one database and be ignored on the other.
    々, 〆, 〇 and ー are letters (佐々木, 〆切). (Listing what to keep is six times faster to
    match than listing what to drop: measured on the benchmark's posts.)"""
    ranges, start = [], None
    for cp in range(0x80, 0x20000):
        category = unicodedata.category(chr(cp))
        keep = category[0] in "LN" or category == "Co"
        if keep and start is None:
            start = cp
        elif not keep and start is not None:
            ranges.append((start, cp - 1))
            start = None
    if start is not None:
        ranges.append((start, 0x1FFFF))
    # Beyond: ideographs (planes 2 and 3) and private use (planes 15 and 16); plane 14 holds
    # tags and variation selectors, which are not letters.
    ranges += [(0x20000, 0x3FFFF), (0xF0000, 0x10FFFF)]
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


@functools.cache
def _runs() -> re.Pattern[str]:
    """Runs of text: an ASCII word, or letters and digits that are not ASCII. Built on first use,
    not at import: walking the code points takes ~40 ms that a process which never searches
    (a CLI command, a worker) should not pay."""
    return re.compile(rf"[a-z0-9]+|[{_token_class()}]+")


def tokens(text: str) -> list[str]:
    """The token stream stored in the index, in text order."""
    out: list[str] = []
    for run in _runs().findall(normalise(text)):
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
    """One query term: a phrase of tokens; with `prefix`, its last token may begin a longer one
    (a single character: 町 is in 町役場's bigram 町役).

    `alternatives`: other ways the term matches, ORed with the phrase; each is an AND of terms.
    Spelling variants are one term each (橋りょう → 橋梁, see variants.py); a compound split into
    its parts is several (長寿命化計画 → 長寿命化 AND 計画), and `parts` names them for the page."""

    text: str  # normalised, for highlighting
    pieces: tuple[str, ...]
    prefix: bool = False
    alternatives: tuple[tuple[Term, ...], ...] = ()
    parts: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        """Every text this term may match as written, for highlighting."""
        out = [self.text]
        for conj in self.alternatives:
            for t in conj:
                out += [x for x in t.texts() if x not in out]
        return out


def _term(raw: str) -> list[Term]:
    text = normalise(raw).strip()
    out = []
    for run in _runs().findall(text):
        if _ASCII_WORD.fullmatch(run):
            out.append(Term(run, (run,)))
        elif len(run) == 1:
            out.append(Term(run, (run,), prefix=True))
        else:
            out.append(Term(run, tuple(run[i : i + 2] for i in range(len(run) - 1))))
    return out


def _phrase(words: list[Term]) -> Term:
    """Words in quotes: one phrase, the words in this order, as the index has them. A Japanese
    run is indexed as its bigrams plus its last character, so that character stands between it
    and the next word; at the end of the phrase the text may go on (点検 → 点検作業), so the last
    word is matched as it is alone: bigrams without the last character, one character as a
    prefix."""
    pieces: list[str] = []
    for k, word in enumerate(words):
        pieces.extend(word.pieces)
        japanese = not _ASCII_WORD.fullmatch(word.text) and len(word.text) > 1
        if japanese and k < len(words) - 1:
            pieces.append(word.text[-1])
    return Term(" ".join(w.text for w in words), tuple(pieces), prefix=words[-1].prefix)


# Phrase quotes as people type them; NFKC already turns full-width ＂ into ".
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "「": '"', "」": '"'})


def _parts(query: str) -> list[tuple[str, bool]]:
    """Words, and "quoted words" as one part (with True: quoted). Only double quotes (and 「」,
    “”) quote: an apostrophe is part of the text (it's), a backslash too. Unbalanced quotes are
    ignored."""
    query = query.translate(_QUOTES)
    if query.count('"') % 2:
        return [(w, False) for w in query.replace('"', " ").split()]
    parts: list[tuple[str, bool]] = []
    for i, piece in enumerate(query.split('"')):
        if i % 2:  # inside quotes
            if piece.strip():
                parts.append((piece.strip(), True))
        else:
            parts.extend((w, False) for w in piece.split())
    return parts


def expand(term: Term, split: Callable[[str], list[str]] | None = None) -> Term:
    """`term` with its spellings, and with `split`, its parts, as alternatives."""
    if term.prefix or " " in term.text or re.fullmatch(r"[a-z0-9]+", term.text):
        return term
    alternatives: list[tuple[Term, ...]] = []
    for spelling in variants.spellings(term.text):
        t = plain_term(spelling)
        if t is not None:
            alternatives.append((t,))
    parts: tuple[str, ...] = ()
    if split is not None:
        pieces = [plain_term(p) for p in split(term.text)]
        if len(pieces) > 1 and all(p is not None for p in pieces):
            alternatives.append(tuple(expand(p) for p in pieces))
            parts = tuple(p.text for p in pieces)
    if not alternatives:
        return term
    return Term(term.text, term.pieces, term.prefix, tuple(alternatives), parts)


def parse(query: str, limit: int = 8, split=None) -> list[Term]:
    """Terms ANDed together; "quoted words" stay one phrase. Each term also matches its
    spelling variants (variants.py). With `split` (text → its parts, or [] to keep it whole), a
    long word outside quotes also matches all of its parts (the relaxed search)."""
    terms: list[tuple[Term, bool]] = []
    for part, quoted in _parts(normalise(query)[:200]):
        sub = _term(part)
        if len(sub) > 1 and " " in part:
            if not any(_ASCII_WORD.fullmatch(t.text) for t in sub):
                # Japanese written with spaces in the query: match it as continuous text.
                terms.extend((t, quoted) for t in _term("".join(t.text for t in sub)))
            else:
                terms.append((_phrase(sub), quoted))
        else:
            terms.extend((t, quoted) for t in sub)
    # Words in quotes are meant as written: never split.
    return [expand(t, None if quoted else split) for t, quoted in terms[:limit]]


def plain_term(text: str) -> Term | None:
    """`text` as one term (no variants): None unless it is a single run of letters."""
    runs = _term(text)
    return runs[0] if len(runs) == 1 and runs[0].text == normalise(text).strip() else None
