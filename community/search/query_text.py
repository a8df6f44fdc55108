"""The query text of a search: the FTS5 query (SQLite) and the tsquery (PostgreSQL) for a list
of terms, each term a phrase of its pieces, a last character as a prefix, and its alternatives
(spellings, a compound's parts) ORed in."""

from __future__ import annotations

from community.search.tokens import Term


def _fts5_term(t: Term) -> str:
    phrase = '"' + " ".join(t.pieces) + '"'
    if t.prefix:
        phrase += "*"
    if not t.alternatives:
        return phrase
    # The phrase OR each alternative (an AND of terms: a spelling, or a compound's parts).
    alts = ["(" + " AND ".join(_fts5_term(p) for p in conj) + ")" for conj in t.alternatives]
    return "(" + " OR ".join([phrase, *alts]) + ")"


def fts5_query(kind: str | None, terms: list[Term], any_term: bool = False) -> str:
    """The FTS5 query for terms in one kind (every kind with None). Pieces come from
    tokens._runs() (letters, digits), so they never hold a quote or an operator character."""
    words = (" OR " if any_term else " AND ").join(_fts5_term(t) for t in terms)
    if kind is None:
        return f"tokens : ({words})"
    return f'kind : "{kind}" AND tokens : ({words})'


def _ts_term(t: Term) -> str:
    lexemes = [f"'{p}'" for p in t.pieces]
    if t.prefix:  # a last character that may go on: 町 → 町役場
        lexemes[-1] += ":*"
    phrase = "(" + " <-> ".join(lexemes) + ")"
    if not t.alternatives:
        return phrase
    alts = ["(" + " & ".join(_ts_term(p) for p in conj) + ")" for conj in t.alternatives]
    return "(" + " | ".join([phrase, *alts]) + ")"


def tsquery(terms: list[Term], any_term: bool = False) -> str:
    """The same as a PostgreSQL tsquery: phrases of lexemes, a last character as a prefix."""
    return (" | " if any_term else " & ").join(_ts_term(t) for t in terms)
