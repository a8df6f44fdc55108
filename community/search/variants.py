"""Spelling variants, compound splitting and 「もしかして」 candidates, from variants.yaml.

Variants are applied at query time: a term is ORed with its other spellings (橋りょう → 橋梁,
きょうりょう), so the index keeps the text as written and needs no rebuild when the list
changes. Splitting and suggestions use a vocabulary: the list's words and spellings plus the
names of fields and topics (passed in by the caller, who has them loaded already).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from community.text import normalise

DATA = Path(__file__).with_name("variants.yaml")
MAX_SPELLINGS = 6  # per term: keeps the query (and the page's cost) bounded
_KANA = re.compile(r"[\u3041-\u309f]")  # hiragana: particles (と, の) between words
# Pieces of names worth a word of their own: runs of kanji, katakana and ASCII (定期点検と判定区分
# gives 定期点検 and 判定区分).
_NAME_WORDS = re.compile(r"[\u4e00-\u9fff\u3005\u30a0-\u30ffa-z0-9]{2,}")


@functools.cache
def _data() -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    # Longest spelling first, so that one holding a shorter one is replaced whole.
    groups = tuple(
        tuple(sorted((normalise(w) for w in g), key=len, reverse=True)) for g in raw["variants"]
    )
    words = tuple(normalise(w) for w in raw["words"])
    return groups, words


def spellings(text: str) -> list[str]:
    """Other spellings of `text`: each group member found in it replaced by the others
    (下水道管きょ → 下水道管渠, 下水道かんきょ)."""
    groups, _words = _data()
    out: list[str] = []
    for group in groups:
        member = next((m for m in group if m in text), None)
        if member is None:
            continue
        for other in group:
            candidate = text.replace(member, other)
            if other != member and candidate not in out:
                out.append(candidate)
    return out[:MAX_SPELLINGS]


def vocabulary(names: Iterable[str] = ()) -> frozenset[str]:
    """Known words: the list's words and spellings, and word-like pieces of `names` (field and
    topic names)."""
    groups, words = _data()
    out = set(words) | {w for g in groups for w in g}
    for name in names:
        out.update(_NAME_WORDS.findall(normalise(name)))
    return frozenset(w for w in out if len(w) >= 2)


def segment(text: str, vocab: frozenset[str]) -> list[str]:
    """`text` split into known words, longest first from the left (長寿命化計画 → 長寿命化, 計画);
    text between known words is a part of its own, a lone kana between them (と, の) is dropped
    and a lone kanji joins the word before it. [] when it does not split into two or more."""
    if len(text) < 3:
        return []
    longest = max((len(w) for w in vocab), default=0)
    parts: list[str] = []
    unknown = ""
    i = 0
    while i < len(text):
        word = next(
            (
                text[i : i + n]
                for n in range(min(longest, len(text) - i), 1, -1)
                if text[i : i + n] in vocab
            ),
            None,
        )
        if word is None:
            unknown += text[i]
            i += 1
            continue
        _flush(parts, unknown)
        unknown = ""
        parts.append(word)
        i += len(word)
    _flush(parts, unknown)
    return parts if len(parts) > 1 else []


def _flush(parts: list[str], unknown: str) -> None:
    if not unknown:
        return
    if len(unknown) == 1:
        if _KANA.fullmatch(unknown):
            return
        if parts:
            parts[-1] += unknown
            return
    parts.append(unknown)


def _one_off(a: str, b: str) -> bool:
    """Edit distance exactly 1 (one character replaced, added or dropped)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def corrections(text: str, vocab: frozenset[str], limit: int = 3) -> list[str]:
    """Texts one edit from `text` that are known words or contain one in place of a typo
    (点険 → 点検, 橋梁点険 → 橋梁点検), longest replaced word first. Pure computation over the
    vocabulary (a few hundred words): no query."""
    if len(text) < 2 or len(text) > 30 or text in vocab:
        return []
    found: list[tuple[int, str]] = []
    for word in vocab:
        if _one_off(text, word):
            found.append((len(word), word))
        elif 2 <= len(word) < len(text) and word not in text:
            n = len(word)
            for i in range(len(text) - n + 1):
                window = text[i : i + n]
                # A two-character word differs from any text sharing one character with it:
                # only when that text is not a word itself.
                if _one_off(window, word) and not (n == 2 and window in vocab):
                    found.append((n, text[:i] + word + text[i + n :]))
    found.sort(key=lambda x: (-x[0], x[1]))
    out: list[str] = []
    for _n, candidate in found:
        if candidate not in out:
            out.append(candidate)
    return out[:limit]
