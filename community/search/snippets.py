"""Snippets: a piece of a document's original text around the first match, terms marked.

Matching happens on normalised text (NFKC, lower case), so marking maps each normalised
character back to the span of the original it came from."""

from __future__ import annotations

import html
import re
import unicodedata

from markupsafe import Markup

from community.search.tokens import Term
from community.text import normalise


def normalised_with_origins(text_: str) -> tuple[str, list[int], list[int]]:
    """normalise(text_), with the span of text_ each of its characters came from.

    NFKC can change lengths (Ⅲ → iii, ㎜ → mm, ｶﾞ → ガ), so positions in the normalised text are
    not positions in the original. Each character is normalised with the combining marks that
    follow it (NFKC joins them), which is how a match is marked on the original text."""
    norm = normalise(text_)
    if norm == text_ and not any(map(unicodedata.combining, text_)):
        # Already normal, character for character (most text): each comes from itself.
        return norm, list(range(len(text_))), list(range(1, len(text_) + 1))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text_)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text_[j]) or text_[j] in "\uff9e\uff9f"):
            j += 1
        piece = normalise(text_[i:j])
        out.append(piece)
        starts += [i] * len(piece)
        ends += [j] * len(piece)
        i = j
    return "".join(out), starts, ends


def snippet(entries, terms: list[Term], width: int = 90) -> Markup:
    """A piece of the original text around the first match, with every term marked; `entries`
    are the sections of one document in order (anything with a `body`)."""
    texts = [x for t in terms for x in t.texts()]
    text_ = next(
        (e.body for e in entries if any(x in normalise(e.body) for x in texts)),
        entries[0].body,
    )
    # Markdown punctuation (**, #, |, `) is noise in a one-line snippet.
    flat = re.sub(r"\s+", " ", re.sub(r"[*_`#>|]+", "", text_))
    norm, starts, ends = normalised_with_origins(flat)
    # Every occurrence of every term, as spans of the original text.
    spans = []
    for x in texts:
        i = norm.find(x)
        while i != -1:
            spans.append((starts[i], ends[i + len(x) - 1]))
            i = norm.find(x, i + 1)
    spans.sort(key=lambda s: (s[0], -s[1]))  # the longest of matches starting together
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    end = start + width
    out, pos = [], start
    for a, b in spans:
        if a < pos or b > end:
            continue
        out.append(html.escape(flat[pos:a]))
        out.append("<mark>" + html.escape(flat[a:b]) + "</mark>")
        pos = b
    out.append(html.escape(flat[pos:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    # Every piece above went through html.escape; only our <mark> tags are markup.
    return Markup(prefix + "".join(out) + suffix)  # noqa: S704
