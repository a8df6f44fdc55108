"""The /search page: groups, highlights, escaping, filters and a fixed number of SQL statements."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from community.extensions import db
from community.questions import services as qa
from community.search import snippets
from community.search.models import SearchEntry
from community.search.tokens import parse
from community.text import normalise
from tests import factories
from tests import test_search as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_search import get, question_links, section

# Fixtures of test_search.py, shared by assignment.
page_corpus = base.page_corpus


def test_search_page_groups_results_by_kind(app, page_corpus):
    page = get(app.test_client(), q="橋梁")
    for kind in ("question", "case", "person", "circle"):
        assert section(page, kind) is not None, kind
    assert question_links(section(page, "question")) == {
        page_corpus[n] for n in ("plan", "script", "judgement")
    }
    assert "/cases/" in section(page, "case")
    assert "/people/" in section(page, "person")
    assert "/circles/" in section(page, "circle")


def test_search_page_links_to_cases_people_and_circles(app, page_corpus):
    page = get(app.test_client(), q="橋梁")
    assert 'href="/cases/toyama-outsourcing"' in section(page, "case")
    assert 'href="/people/hashimoto"' in section(page, "person")
    assert 'href="/circles/bridge-club"' in section(page, "circle")


def test_search_page_marks_matches(app, page_corpus):
    page = get(app.test_client(), q="長寿命化計画")
    assert "<mark>長寿命化計画</mark>" in section(page, "question")
    page = get(app.test_client(), q="ｎｅｔｉｓ 床版")
    questions = section(page, "question")
    assert question_links(questions) == {page_corpus["netis"]}
    assert "<mark>ＮＥＴＩＳ</mark>" in questions  # the original text, marked
    assert "<mark>床版</mark>" in questions
    # A hit by its answer shows the answer's words.
    page = get(app.test_client(), q="包括的民間委託", type="question")
    assert "<mark>包括的民間委託</mark>" in section(page, "question")


def test_search_page_marks_variants_in_text_with_compatibility_characters(app, page_corpus):
    with app.app_context():
        q = factories.ask(
            "aki", "判定区分Ⅲの床版とNETIS技術", "判定区分Ⅲの床版にNETIS登録の補修材を使いました。"
        )
        db.session.commit()
        qid = q.id
    page = get(app.test_client(), q="netis", type="question")
    assert qid in question_links(section(page, "question"))
    assert "<mark>NETIS</mark>" in section(page, "question")
    page = get(app.test_client(), q="iii", type="question")
    assert "<mark>Ⅲ</mark>" in section(page, "question")


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        ("判定区分Ⅲの床版", ["iii"], "判定区分<mark>Ⅲ</mark>の床版"),
        ("厚さ１０㎜の鋼板", ["10mm"], "厚さ<mark>１０㎜</mark>の鋼板"),
        ("ｶﾞｽ管の更新とガス管", ["ガス管"], "<mark>ｶﾞｽ管</mark>の更新と<mark>ガス管</mark>"),
        ("ＮＥＴＩＳとnetis", ["netis"], "<mark>ＮＥＴＩＳ</mark>と<mark>netis</mark>"),
        ("x<Ⅲ & 'Ⅲ'", ["iii"], "x&lt;<mark>Ⅲ</mark> &amp; &#x27;<mark>Ⅲ</mark>&#x27;"),
    ],
)
def test_snippet_marks_the_original_text_of_each_match(text, terms, expected):
    entry = SearchEntry(kind="question", ref_id=1, section=0, title="", body=text, tokens="")
    assert str(snippets.snippet([entry], [t for w in terms for t in parse(w)])) == expected


@given(st.text(alphabet="ｶﾞﾊﾟあア漢ⅢⅣ㎜㌔１Ａa \u3099\u0301", max_size=30))
def test_normalised_with_origins_maps_every_character_back(text):
    norm, starts, ends = snippets.normalised_with_origins(text)
    assert len(norm) == len(starts) == len(ends)
    assert starts == sorted(starts)
    for k, ch in enumerate(norm):
        assert ch in normalise(text[starts[k] : ends[k]])


def test_search_page_escapes_snippets_and_titles(app, page_corpus):
    page = get(app.test_client(), q="script")
    questions = section(page, "question")
    assert question_links(questions) == {page_corpus["script"]}
    assert "<script>alert" not in page
    assert "&lt;" in questions and "alert(1)" in questions
    assert "<mark>script</mark>" in questions
    page = get(app.test_client(), q="備考")
    assert "<b>備考</b>" not in page
    assert "&lt;b&gt;" in section(page, "question")


def test_search_page_filters(app, page_corpus):
    client = app.test_client()
    everything = {page_corpus[n] for n in ("plan", "netis", "drone_phrase", "town", "judgement")}
    assert question_links(section(get(client, q="町"), "question")) <= everything
    assert question_links(section(get(client, q="町", type="question"), "question")) == everything

    page = get(client, q="町", type="question")
    assert section(page, "case") is None and section(page, "person") is None
    page = get(client, q="橋梁", type="case")
    assert section(page, "question") is None and section(page, "case") is not None

    expected = {
        (("circle", "bridge-club"),): {page_corpus["plan"]},
        (("field", "bridge"),): {page_corpus["plan"], page_corpus["judgement"]},
        (("stage", "2"),): {page_corpus["plan"]},
        (("stage", "3"),): {page_corpus["judgement"]},
        (("field", "bridge"), ("stage", "3")): {page_corpus["judgement"]},
        (("field", "sewer"),): set(),
        (("circle", "sewer-secret"),): set(),  # a private circle, as an anonymous visitor
        (("period", "week"),): everything,
        (("stage", "9"),): everything,  # an unknown stage is no filter
    }
    for params, ids in expected.items():
        page = get(client, q="町", type="question", **dict(params))
        assert question_links(section(page, "question")) == ids, params
    # The circle filter as a member of the private circle.
    insider = client_as(app, "insider")
    page = get(insider, q="町", type="question", circle="sewer-secret")
    assert question_links(section(page, "question")) == {page_corpus["private"]}


def test_search_page_paginates_one_kind(app, page_corpus):
    client = app.test_client()
    with app.app_context():
        for i in range(25):
            factories.ask(
                "ben",
                f"橋梁の補修事例その{i}について質問です",
                "補修事例を集めています。よろしくお願いします。",
            )
        db.session.commit()
    first = question_links(section(get(client, q="補修事例", type="question"), "question"))
    second = question_links(section(get(client, q="補修事例", type="question", page=2), "question"))
    assert len(first) == 20 and len(second) == 5 and not first & second
    assert question_links(section(get(client, q="補修事例", page="x"), "question")) <= first


@pytest.mark.parametrize(
    "q",
    ['"', "'", "\\", "*", '"*"', "AND OR NOT", "(橋梁", "橋梁:*", "NEAR(橋梁 点検)", "・", "×",
     "橋梁 ・", "ｰ", "!!", "a" * 300, "橋" * 300, " ".join("橋梁点検下水道町村市"), "\x00"],
)  # fmt: skip
def test_odd_queries_do_not_break_the_page(app, page_corpus, q):
    page = get(app.test_client(), q=q)
    # Results, one empty state for every type, or nothing to search for.
    assert section(page, "question") is not None or "search-empty" in page or not parse(q)


@pytest.mark.parametrize("q", ["", "   ", "、。"])
def test_search_page_without_words_has_no_results(app, page_corpus, q):
    page = get(app.test_client(), q=q)
    assert 'class="search-group"' not in page
    assert "<mark>" not in page


def test_search_page_query_count_does_not_grow_with_matches(app, count_queries, make_user):
    make_user(username="asker")
    client = app.test_client()
    member = client_as(app, "asker")

    def add(n: int) -> None:
        with app.app_context():
            asker = _user("asker")
            for i in range(n):
                body = "橋梁の点検結果について相談させてください。" + "下水道の話も。" * (i % 7)
                qa.ask(asker, {"title": f"町の橋梁点検についての質問 {i} 番目", "body": body})
            db.session.commit()

    def counts() -> list[int]:
        out = []
        for c in (client, member):
            for params in ({"q": "橋梁"}, {"q": "橋梁 点検", "type": "question"}):
                get(c, **params)  # warm caches
                with count_queries() as q:
                    page = get(c, **params)
                assert "<mark>" in page
                out.append(q.count)
        return out

    add(5)
    few = counts()
    add(55)
    many = counts()
    assert few == many
    # Per kind at most: on PostgreSQL one walk of the newest sections that also ranks them (for a
    # rare word one more through the index, with its planner settings set and restored), on
    # SQLite the page; the entries for snippets, the links.
    assert max(many) <= 14
