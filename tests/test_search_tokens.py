"""The bigram tokenizer and query parser (no database), and the tokenizer's weaknesses found
while writing the search tests (against the shared corpus)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.extensions import db
from community.search.tokens import Term, index_text, parse, tokens
from community.text import normalise
from tests import factories
from tests import test_search as base
from tests.test_search import ANON, found

# Fixtures of test_search.py, shared by assignment.
corpus = base.corpus


# --- 1. tokens and the query parser (no database) ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Japanese runs: overlapping bigrams plus the last character.
        ("橋梁の点検", ["橋梁", "梁の", "の点", "点検", "検"]),
        ("下水", ["下水", "水"]),
        ("町", ["町"]),
        # ASCII words stay whole, next to Japanese too.
        ("NETIS登録", ["netis", "登録", "録"]),
        ("drone inspection", ["drone", "inspection"]),
        ("A町B", ["a", "町", "b"]),
        # Punctuation and white space (also the ideographic space) end a run.
        ("橋梁、下水。", ["橋梁", "梁", "下水", "水"]),
        ("橋梁\u3000点検", ["橋梁", "梁", "点検", "検"]),
        ("「市」・町", ["市", "町"]),
        # Symbols are separators, as in FTS5 and PostgreSQL's parser: ○○町 is 町.
        ("○○町 → ×", ["町"]),
        # NFKC: full width, half-width katakana (voiced marks joined), compatibility forms.
        ("ＮＥＴＩＳ", ["netis"]),
        ("ｶﾞｽ管", ["ガス", "ス管", "管"]),
        ("判定区分Ⅲ", ["判定", "定区", "区分", "分", "iii"]),
        ("１０㎜", ["10mm"]),
        ("", []),
        ("、。！？ ", []),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected
    assert index_text(text) == " ".join(expected)


@pytest.mark.parametrize("variant", ["ＮＥＴＩＳ", "netis", "NETIS", "Netis", "ＮＥＴＩＳ　"])
def test_width_and_case_variants_give_the_same_tokens_and_terms(variant):
    assert tokens(variant) == ["netis"]
    assert parse(variant) == [Term("netis", ("netis",))]


def test_normalise_is_nfkc_lower():
    assert normalise("ＡＢＣ　ｶﾀｶﾅ") == "abc カタカナ"
    assert normalise(None) == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Two or more characters: the phrase of their bigrams.
        ("橋梁", [Term("橋梁", ("橋梁",))]),
        ("長寿命化計画", [Term("長寿命化計画", ("長寿", "寿命", "命化", "化計", "計画"))]),
        # One character: a prefix of any token.
        ("町", [Term("町", ("町",), prefix=True)]),
        # ASCII words whole, whatever their width or case.
        ("ＮＥＴＩＳ", [Term("netis", ("netis",))]),
        # Several words are ANDed; the ideographic space separates words too.
        ("橋梁 点検", [Term("橋梁", ("橋梁",)), Term("点検", ("点検",))]),
        ("橋梁\u3000点検", [Term("橋梁", ("橋梁",)), Term("点検", ("点検",))]),
        # ASCII next to Japanese in one word: two terms.
        ("NETIS登録", [Term("netis", ("netis",)), Term("登録", ("登録",))]),
        # Quoted ASCII words: one phrase of whole words.
        ('"drone inspection"', [Term("drone inspection", ("drone", "inspection"))]),
        ('"netis 登録"', [Term("netis 登録", ("netis", "登録"))]),
        # Quoted Japanese written with spaces: continuous text.
        ('"長寿命化 計画"', [Term("長寿命化計画", ("長寿", "寿命", "命化", "化計", "計画"))]),
        ("＂点検 結果＂", [Term("点検結果", ("点検", "検結", "結果"))]),
        # Unbalanced quotes: plain words.
        ('"橋梁 点検', [Term("橋梁", ("橋梁",)), Term("点検", ("点検",))]),
        ('橋梁" 点検', [Term("橋梁", ("橋梁",)), Term("点検", ("点検",))]),
        ('"長寿命化計画', [Term("長寿命化計画", ("長寿", "寿命", "命化", "化計", "計画"))]),
        (
            "o'neil bridge",
            [Term("o", ("o",)), Term("neil", ("neil",)), Term("bridge", ("bridge",))],
        ),
        # Only double quotes quote (and 「」 “”, as people type them); an apostrophe or a
        # backslash is text, a separator like any other symbol.
        (
            "it's tom's",
            [Term("it", ("it",)), Term("s", ("s",)), Term("tom", ("tom",)), Term("s", ("s",))],
        ),
        ("data\\bridge", [Term("data", ("data",)), Term("bridge", ("bridge",))]),
        (
            '"drone inspection" tom\'s',
            [
                Term("drone inspection", ("drone", "inspection")),
                Term("tom", ("tom",)),
                Term("s", ("s",)),
            ],
        ),
        ("「橋梁 点検」", [Term("橋梁点検", ("橋梁", "梁点", "点検"))]),
        ("\u201cdrone inspection\u201d", [Term("drone inspection", ("drone", "inspection"))]),
        # Variation selectors choose a glyph; the word is the same.
        ("葛\U000e0100飾", [Term("葛飾", ("葛飾",))]),
        ("葛\ufe00飾", [Term("葛飾", ("葛飾",))]),
        # Nothing to search for.
        ("", []),
        ("   ", []),
        ("、。「」", []),
        ('""', []),
    ],
)
def test_parse(query, expected):
    # Spelling variants ride along as alternatives (test_search_variants.py covers them).
    assert [dataclasses.replace(t, alternatives=()) for t in parse(query)] == expected


def test_parse_limits_terms_and_length():
    assert len(parse(" ".join(f"w{i}" for i in range(20)))) == 8
    assert len(parse(" ".join(f"w{i}" for i in range(20)), limit=3)) == 3
    long = "橋" * 500
    (term,) = parse(long)
    assert len(term.text) == 200


def _simulated_match(doc: str, query: str) -> bool:
    """What the index does with the tokens: a phrase is a run of consecutive tokens, a one-
    character term a prefix of any token; every term must match."""
    toks = tokens(doc)
    for t in parse(query):
        if t.prefix:
            ok = any(tok.startswith(t.pieces[0]) for tok in toks)
        else:
            n = len(t.pieces)
            ok = any(tuple(toks[i : i + n]) == t.pieces for i in range(len(toks) - n + 1))
        if not ok:
            return False
    return True


_JA = "橋梁下水道町村点検長寿命化計画包括的民間委託判定区分のはをにですドローンアイ"
_TEXT = st.text(alphabet=_JA + "、。 ab1", min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(doc=_TEXT, data=st.data())
def test_every_substring_of_a_japanese_run_matches_its_text(doc, data):
    """The bigram scheme never loses a match: any piece of a run, of any length, is found."""
    runs = re.findall(f"[{_JA}]+", doc)
    if not runs:
        return
    run = data.draw(st.sampled_from(runs))
    i = data.draw(st.integers(0, len(run) - 1))
    j = data.draw(st.integers(i + 1, len(run)))
    assert _simulated_match(doc, run[i:j])


@settings(max_examples=200, deadline=None)
@given(doc=_TEXT, term=st.text(alphabet=_JA, min_size=2, max_size=6))
def test_a_term_of_two_or_more_characters_matches_only_its_text(doc, term):
    """…and finds nothing that does not contain it (within one run of Japanese text)."""
    assert _simulated_match(doc, term) == (term in doc)


# --- 7. tokenizer weaknesses found while writing these tests ------------------------------------


def test_words_with_the_iteration_mark(corpus):
    assert found(ANON, "様々") == set()
    q = factories.ask(
        "aki",
        "様々な補修工法の比較について",
        "補修工法が様々あり、費用も様々です。比べ方を教えてください。",
    )
    other = factories.ask(
        "aki",
        "皆様の町の点検体制を教えてください",
        "皆様の町では何人で点検していますか。教えてください。",
    )
    db.session.commit()
    assert found(ANON, "様々") == {q.id}
    assert other.id in found(ANON, "皆様")


def test_quoted_phrase_with_a_japanese_word_before_an_ascii_word(corpus):
    q = factories.ask(
        "aki", "点検 AI の導入を検討しています", "点検 AI で変状を見つける仕組みを知りたい。"
    )
    db.session.commit()
    assert found(ANON, '"ai 点検"') == set()
    assert found(ANON, "点検 ai") == {q.id}
    assert found(ANON, '"点検 ai"') == {q.id}
    town = factories.ask(
        "aki", "AI 町役場の取り組みを知りたい", "AI 町役場での活用例や、定期点検 AI の実例は？"
    )
    db.session.commit()
    assert found(ANON, '"ai 町"') == {town.id}  # a last character may go on: 町 → 町役場
    assert found(ANON, '"ai 町役"') == {town.id}  # the bigrams of the last word, no last char
    assert found(ANON, '"点検 ai"') == {q.id, town.id}  # 定期点検 AI contains 点検 AI
    assert found(ANON, '"ai 役場"') == set()


def test_apostrophes_and_variation_selectors_in_text_and_query(corpus):
    bridge = factories.ask(
        "aki", "It's Tom's bridge の点検について", "Tom's bridge は葛\U000e0100飾区の橋梁です。"
    )
    db.session.commit()
    assert found(ANON, "it's tom's") == {bridge.id}
    assert found(ANON, "葛飾") == {bridge.id}  # written with a variation selector
    assert found(ANON, "葛\ufe00飾区") == {bridge.id}


def test_phrase_pieces_follow_the_index():
    assert parse('"点検 ai"') == [Term("点検 ai", ("点検", "検", "ai"))]
    assert parse('"ai 点検"') == [Term("ai 点検", ("ai", "点検"))]
    assert parse('"netis 町"') == [Term("netis 町", ("netis", "町"), prefix=True)]
    assert parse('"町 netis"') == [Term("町 netis", ("町", "netis"))]


def test_a_symbol_in_the_query(corpus):
    both = factories.ask(
        "aki",
        "橋梁・下水道の点検をまとめて委託したい",
        "橋梁・下水道の点検を一括で発注したいです。",
    )
    db.session.commit()
    # A symbol is a separator on both databases: the term is dropped, the rest still counts.
    assert both.id in found(ANON, "橋梁 ・") == found(ANON, "橋梁")
    assert found(ANON, "→ 委託 ×") == found(ANON, "委託") != set()
    assert parse("・ × →") == []
