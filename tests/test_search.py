"""Japanese full-text search: the bigram tokenizer and query parser, one corpus with a table of
queries and their expected questions (the same expectations on SQLite and PostgreSQL), recall
against a plain substring scan, privacy (circles, hidden posts, unpublished cases, members-only
profiles), keeping the index in step with edits and deletions, `flask search reindex`, and the
/search page (groups, highlights, escaping, filters, a fixed number of SQL statements)."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from flask_login import AnonymousUserMixin
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.casebook.models import Case
from community.circles import services as circle_services
from community.circles.models import Circle, CircleVisibility
from community.db import utcnow
from community.extensions import db
from community.moderation import services as moderation
from community.questions import services as qa
from community.questions.models import Answer, Comment, Question
from community.search import services as search_services
from community.search.index import SECTION_CHARS
from community.search.models import SearchEntry
from community.search.tokens import Term, index_text, parse, tokens
from community.text import normalise
from tests import factories, qa_helpers
from tests.conftest import client_as
from tests.factories import user_named as _user

ANON = AnonymousUserMixin()


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


# --- 2. the shared corpus ---------------------------------------------------------------------


def build_corpus() -> dict[str, int]:
    """Questions with answers and comments, cases, people and circles, all through the real
    services; returns their ids by name. Call inside an application context."""
    ids: dict[str, int] = {}
    factories.make_user(username="boss", role=Role.ADMIN)
    factories.make_user(username="edi", role=Role.EDITOR)
    for name in ("aki", "ben", "insider", "outsider"):
        factories.make_user(username=name)
    hashimoto = factories.make_user(
        username="hashimoto",
        display_name="橋本 一郎",
        organisation="○○町 建設課",
        bio="橋梁点検と長寿命化計画の担当です。",
        visibility="public",
    )
    shimizu = factories.make_user(
        username="shimizu",
        display_name="清水 花子",
        organisation="△△村",
        bio="下水道の維持管理をしています。",
        visibility="members",
    )
    ids["hashimoto"], ids["shimizu"] = hashimoto.id, shimizu.id

    boss = _user("boss")
    club = circle_services.save_circle(
        boss,
        None,
        {
            "slug": "bridge-club",
            "name_ja": "橋梁メンテナンスの輪",
            "name_en": "Bridge maintenance",
            "visibility": "open",
            "description": "町と村の橋梁担当者が集まる輪です。",
        },
    )
    secret = circle_services.save_circle(
        boss,
        None,
        {
            "slug": "sewer-secret",
            "name_ja": "下水道の非公開の輪",
            "name_en": "Sewerage (private)",
            "visibility": "private",
            "description": "下水道の相談をします。",
        },
    )
    circle_services.add_member(boss, secret, "insider")
    circle_services.join(_user("aki"), club)
    ids["bridge-club"], ids["sewer-secret"] = club.id, secret.id

    q = factories.ask(
        "aki",
        "橋梁の長寿命化計画を見直す手順を教えてください",
        "町内の橋梁は52橋あり、5年に1度の点検結果をもとに長寿命化計画を更新したいと考えています。",
        circle="bridge-club",
        field="bridge",
        stage="2",
    )
    ids["plan"] = q.id
    q = factories.ask(
        "aki",
        "舗装の長寿命化と修繕計画の立て方について",
        "舗装の長寿命化を進めたいのですが、修繕の計画をどう立てればよいか分かりません。",
        field="road",
        stage="1",
    )
    ids["apart"] = q.id
    q = factories.ask(
        "aki",
        "下水道管渠の点検頻度はどのくらいが適切ですか",
        "村の下水道は供用開始から30年が経ち、管渠の劣化が心配です。点検の結果も古いままです。",
        field="sewer",
    )
    ids["sewer"] = q.id
    q = factories.ask(
        "ben",
        "ＮＥＴＩＳ登録技術で床版を補修した事例はありますか",
        "新技術を使って床版の補修をしたいと考えている小さな町の職員です。",
    )
    ids["netis"] = q.id
    q = factories.ask(
        "aki",
        "補修工法の新技術を比較する方法について",
        "補修工法の新技術がたくさんあり、どれを選べばよいか困っています。",
    )
    qa.answer(
        _user("ben"), q, "Netisで検索すると候補が絞れます。うちの市は包括的民間委託で比較しました。"
    )
    ids["answer_only"] = q.id
    q = factories.ask(
        "aki",
        "道路照明灯の更新費用の目安を知りたいです",
        "照明灯のLED化を検討中ですが、費用の目安が分かりません。",
    )
    qa.comment(_user("ben"), q, "ドローン点検を併用したら安くなりましたよ。")
    ids["comment_only"] = q.id
    q = factories.ask(
        "aki",
        "drone inspection を町で始めたい",
        "Drone Inspection の委託費用と、必要な資格について教えてください。",
    )
    ids["drone_phrase"] = q.id
    q = factories.ask(
        "aki",
        "Inspection by drone の精度について質問です",
        "ドローンによる inspection の精度が目視と比べてどうか知りたいです。",
    )
    ids["drone_apart"] = q.id
    q = factories.ask(
        "insider",
        "下水処理場の橋梁補修と町の予算の話です",
        "非公開の輪だけで相談したい内容です。長寿命化計画の予算が足りません。",
        circle="sewer-secret",
    )
    ids["private"] = q.id
    q = factories.ask(
        "aki",
        "橋梁台帳の電子化の進め方について",
        "紙の橋梁台帳を電子化したいのですが、下水道台帳と一緒にできますか。",
    )
    ids["hidden"] = q.id
    q = factories.ask(
        "aki",
        "法面の点検について質問があります",
        "法面の点検は何年ごとに行っていますか。目安を教えてください。",
    )
    hidden_answer = qa.answer(_user("ben"), q, "擁壁のひび割れは番地を書くと場所が特定されます。")
    qa.answer(_user("boss"), q, "うちは5年ごとに見ています。")
    hidden_comment = qa.comment(_user("ben"), q, "カルバートも一緒に見ています。")
    qa.comment(_user("boss"), q, "参考になります。")
    ids["with_hidden_parts"] = q.id
    q = factories.ask(
        "aki",
        "隣の自治体と共同で発注する方法はありますか",
        "近隣の市、町、村で共同発注を考えています。下水の処理も含めて相談したいです。",
    )
    ids["town"] = q.id
    q = factories.ask(
        "aki",
        "報告書の<b>備考</b>に書かれたスクリプト",
        "報告書の備考に <script>alert(1)</script> と書かれた橋梁がありました。",
    )
    ids["script"] = q.id
    q = qa_helpers.ask(_user("aki").id, field="bridge", stage="3")  # 判定区分Ⅲ…, 町の橋梁の点検…
    ids["judgement"] = q.id

    moderation.resolve(boss, "question", ids["hidden"], "hide", "個人情報")
    moderation.set_hidden(boss, "answer", hidden_answer.id, True, "個人情報")
    moderation.set_hidden(boss, "comment", hidden_comment.id, True, "個人情報")

    edi = _user("edi")
    ids["case_pub"] = casebook.save_case(
        edi,
        None,
        casebook.CaseInput(
            slug="toyama-outsourcing",
            title="富山県内の町での包括的民間委託",
            summary_points="橋梁と下水道をまとめて委託",
            overview="橋梁と下水道の維持管理をまとめて委託した事例です。",
            direction="outside",
            status="published",
        ),
    ).id
    ids["case_draft"] = casebook.save_case(
        edi,
        None,
        casebook.CaseInput(
            slug="draft-ledger",
            title="下水道台帳の電子化の事例",
            overview="下水道台帳を電子化した。",
            direction="inside",
            status="draft",
        ),
    ).id
    ids["case_review"] = casebook.save_case(
        _user("aki"),
        None,
        casebook.CaseInput(
            slug="aki-suggestion",
            title="村の橋梁点検を住民と行った事例",
            overview="住民ボランティアが点検を手伝った。",
            direction="inside",
        ),
    ).id
    db.session.commit()
    return ids


# Queries as an anonymous visitor types them, and the questions each must find: exactly these.
QUESTION_QUERIES: list[tuple[str, set[str]]] = [
    # Two-character words find every post that contains them.
    ("橋梁", {"plan", "script", "judgement"}),
    ("下水", {"sewer", "town"}),
    ("点検", {"plan", "sewer", "comment_only", "with_hidden_parts", "judgement"}),
    # One-character words too, inside words and alone between punctuation.
    ("町", {"plan", "netis", "drone_phrase", "town", "judgement"}),
    ("村", {"sewer", "town"}),
    ("梁", {"plan", "script", "judgement"}),  # only ever the last character of 橋梁
    ("渠", {"sewer"}),
    # A compound: its exact text, not its parts apart.
    ("長寿命化計画", {"plan"}),
    ("長寿命化 計画", {"plan", "apart"}),
    ("長寿命化", {"plan", "apart"}),
    ("包括的民間委託", {"answer_only"}),
    # Width and case variants.
    ("ＮＥＴＩＳ", {"netis", "answer_only"}),
    ("netis", {"netis", "answer_only"}),
    ("NETIS", {"netis", "answer_only"}),
    ("Ⅲ", {"judgement"}),
    ("iii", {"judgement"}),
    ("ﾄﾞﾛｰﾝ", {"comment_only", "drone_apart"}),
    # Several words are ANDed (any white space between them).
    ("下水道 点検", {"sewer"}),
    ("橋梁 点検", {"plan", "judgement"}),
    ("橋梁\u3000点検", {"plan", "judgement"}),
    ("橋梁 下水", set()),
    ("点検 結果", {"plan", "sewer"}),
    ("drone inspection", {"drone_phrase", "drone_apart"}),
    # Phrases in quotes.
    ('"drone inspection"', {"drone_phrase"}),
    ('"inspection by drone"', {"drone_apart"}),
    ('"点検 結果"', {"plan"}),
    ('"長寿命化 計画"', {"plan"}),
    # Unbalanced quotes read as plain words.
    ('"長寿命化計画', {"plan"}),
    ('drone" inspection', {"drone_phrase", "drone_apart"}),
    # Answers and comments: the question is the hit.
    ("Netis", {"netis", "answer_only"}),
    ("ドローン点検", {"comment_only"}),
    ("ドローン", {"comment_only", "drone_apart"}),
    # Hidden answers and comments, hidden questions and private circles are not found.
    ("擁壁", set()),
    ("カルバート", set()),
    ("法面", {"with_hidden_parts"}),
    ("台帳", set()),
    ("予算", set()),
    # Markup in a post is text.
    ("script", {"script"}),
    ("備考", {"script"}),
    # Nothing to search for.
    ("", set()),
    ("、。", set()),
]

OTHER_QUERIES: list[tuple[str, str, str | None, set[str]]] = [
    # (kind, query, viewer, expected)
    ("case", "包括的民間委託", None, {"case_pub"}),
    ("case", "下水道台帳", None, set()),
    ("case", "下水道台帳", "outsider", set()),
    ("case", "下水道台帳", "edi", {"case_draft"}),
    ("case", "住民", "aki", {"case_review"}),  # a member sees their own suggestion
    ("case", "住民", "outsider", set()),
    ("person", "橋梁点検", None, {"hashimoto"}),
    ("person", "○○町", None, {"hashimoto"}),
    ("person", "下水道", None, set()),
    ("person", "下水道", "outsider", {"shimizu"}),
    ("circle", "橋梁", None, {"bridge-club"}),
    ("circle", "下水道", None, set()),
    ("circle", "下水道", "outsider", set()),
    ("circle", "下水道", "insider", {"sewer-secret"}),
]


def found(viewer, query: str, kind: str = "question", **kwargs) -> set[int]:
    """Every ref_id the search returns for one kind (all pages), checked against the total."""
    res = search_services.search(viewer, query, kinds=(kind,), per_kind=1000, **kwargs)
    hits = res.groups.get(kind, [])
    ids = {h.ref_id for h in hits}
    assert len(ids) == len(hits)
    assert res.totals.get(kind, 0) == len(ids), (query, res.totals)
    return ids


PEOPLE, CIRCLES = {"hashimoto", "shimizu"}, {"bridge-club", "sewer-secret"}


def _kind_of(name: str) -> str:
    if name.startswith("case_"):
        return "case"
    return "person" if name in PEOPLE else "circle" if name in CIRCLES else "question"


def _names(ids: dict[str, int], found_ids: set[int], kind: str = "question") -> set[str]:
    """The corpus names of ids of one kind (ids of different kinds overlap)."""
    by_id = {v: k for k, v in ids.items() if _kind_of(k) == kind}
    return {by_id.get(i, f"#{i}") for i in found_ids}


def _viewer(name: str | None):
    return ANON if name is None else _user(name)


def run_table(ids: dict[str, int]) -> list[str]:
    """The queries whose results differ from the table, described."""
    wrong = []
    for query, expected in QUESTION_QUERIES:
        got = _names(ids, found(ANON, query))
        if got != expected:
            wrong.append(f"question {query!r}: got {sorted(got)}, expected {sorted(expected)}")
    for kind, query, viewer, expected in OTHER_QUERIES:
        got = _names(ids, found(_viewer(viewer), query, kind), kind)
        if got != expected:
            wrong.append(
                f"{kind} {query!r} as {viewer}: got {sorted(got)}, expected {sorted(expected)}"
            )
    return wrong


@pytest.fixture
def corpus(ctx):
    return build_corpus()


def test_query_table(corpus, db_url):
    wrong = run_table(corpus)
    assert not wrong, f"on {db_url.split(':')[0]}:\n" + "\n".join(wrong)


def test_results_are_ordered_and_paged_consistently(corpus):
    """Pages of a kind partition its results; the best match comes first."""
    everything = search_services.search(ANON, "点検", kinds=("question",), per_kind=1000)
    order = [h.ref_id for h in everything.groups["question"]]
    pages = []
    for page in (1, 2, 3):
        res = search_services.search(ANON, "点検", kinds=("question",), page=page, per_kind=2)
        assert res.totals["question"] == len(order)
        pages += [h.ref_id for h in res.groups["question"]]
    assert pages == order
    ranks = [h.rank for h in everything.groups["question"]]
    assert ranks == sorted(ranks)


def test_matching_ref_ids_selects_ids_without_the_visibility_filter(corpus):
    stmt = search_services.matching_ref_ids("person", "橋梁点検")
    assert set(db.session.scalars(stmt)) == {corpus["hashimoto"]}
    stmt = search_services.matching_ref_ids("question", "予算")
    assert set(db.session.scalars(stmt)) == {corpus["private"]}
    assert search_services.matching_ref_ids("question", "、。") is None


# --- 3. recall against a plain substring scan -------------------------------------------------

RECALL_TERMS = [
    # one character
    "町", "村", "市", "の", "梁", "水", "化", "ー", "Ⅲ",
    # two characters
    "橋梁", "下水", "点検", "計画", "補修", "費用", "管渠", "床版", "台帳", "輪だ",
    # longer
    "下水道", "長寿命化", "長寿命化計画", "包括的民間委託", "ドローン", "ドローン点検",
    "新技術", "判定区分", "照明灯", "です",
    # whole ASCII words, any width or case
    "netis", "ＮＥＴＩＳ", "drone", "Inspection", "script", "led", "iii",
]  # fmt: skip


def contains(text: str, term: str) -> bool:
    """The plain scan: `term` in `text` (both NFKC, lower case); ASCII terms as whole words,
    since the index keeps ASCII words whole (netis finds NETIS登録, net does not)."""
    needle = normalise(term)
    if needle.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", text) is not None
    return needle in text


def _visible_question_texts(viewer) -> dict[int, str]:
    """Every question the viewer may see, with the text a reader sees on its page (title,
    body, labels, visible answers and comments), NFKC-normalised and lower-cased."""
    from community.policy import visible_questions_clause

    out = {}
    for q in db.session.scalars(select(Question).where(visible_questions_clause(viewer))):
        answers = db.session.scalars(
            select(Answer.body_md).where(Answer.question_id == q.id, Answer.hidden_at.is_(None))
        )
        comments = db.session.scalars(
            select(Comment.body).where(Comment.thread_id == q.id, Comment.hidden_at.is_(None))
        )
        labels = [t.name for t in q.tags]
        labels += [f"{t.name_ja} {t.name_en}" for t in q.topics]
        if q.field is not None:
            labels.append(f"{q.field.name_ja} {q.field.name_en}")
        parts = [q.title, q.body_md, *labels, *answers, *comments]
        out[q.id] = "\n".join(normalise(p) for p in parts)
    return out


@pytest.mark.parametrize("viewer_name", [None, "insider", "boss"])
def test_recall_equals_a_substring_scan(corpus, viewer_name):
    """For every term, the questions found are exactly the visible questions whose text
    contains it (labels included: a question's field and topics are indexed with it)."""
    viewer = _viewer(viewer_name)
    texts = _visible_question_texts(viewer)
    assert len(texts) >= 12
    wrong = []
    for term in RECALL_TERMS:
        expected = {i for i, t in texts.items() if contains(t, term)}
        got = found(viewer, term)
        if got != expected:
            wrong.append(
                f"{term!r}: missing {_names(corpus, expected - got)}, "
                f"extra {_names(corpus, got - expected)}"
            )
    assert not wrong, "\n".join(wrong)


def test_raw_index_agrees_with_a_substring_scan_on_random_text(ctx):
    """SearchEntry rows written directly (no services), random texts from a small vocabulary,
    random pieces of them as one-term queries: matches() finds exactly the texts containing the
    piece, on whichever database the suite uses."""
    rng = random.Random(20261128)
    vocab = ["橋梁", "下水道", "点検", "町", "村", "長寿命化計画", "包括的民間委託", "判定区分"]
    vocab += ["の", "を", "が", "ドローン", "ＮＥＴＩＳ", "Drone", "、", "。", " ", "補修"]
    texts = {}
    for i in range(1, 121):
        text = "".join(rng.choice(vocab) for _ in range(rng.randint(3, 25)))
        texts[i] = text
        db.session.add(
            SearchEntry(kind="question", ref_id=i, title="", body=text, tokens=index_text(text))
        )
    db.session.commit()
    runs = [r for t in texts.values() for r in re.findall(r"[^\x00-\x7f、。 ]+", normalise(t))]
    terms = {"netis", "drone", "町", "の"}
    while len(terms) < 80:
        run = rng.choice(runs)
        i = rng.randrange(len(run))
        terms.add(run[i : i + rng.randint(1, 6)])
    wrong = []
    for term in sorted(terms):
        stmt = search_services.matching_ref_ids("question", term)
        got = set(db.session.scalars(stmt))
        expected = {i for i, t in texts.items() if contains(normalise(t), term)}
        if got != expected:
            wrong.append(f"{term!r}: missing {expected - got}, extra {got - expected}")
    assert not wrong, "\n".join(wrong)


# --- 4. privacy and keeping the index in step -------------------------------------------------


def test_private_circle_question_only_for_members(corpus):
    private = corpus["private"]
    assert private not in found(ANON, "予算")
    assert private not in found(_user("outsider"), "予算")
    assert private not in found(_user("aki"), "下水処理場")
    assert found(_user("insider"), "予算") == {private}
    assert found(_user("boss"), "予算") == {private}  # administrators see every circle


def test_private_circle_question_on_the_page(app, page_corpus):
    # Requests outside the test's application context: each gets its own user and session.
    for who, visible in ((None, False), ("outsider", False), ("insider", True), ("boss", True)):
        page = get(client_as(app, who), q="下水処理場")
        assert question_links(section(page, "question")) == (
            {page_corpus["private"]} if visible else set()
        ), who
        page = get(client_as(app, who), q="下水道", type="circle")
        assert ('href="/circles/' in (section(page, "circle") or "")) is visible, who


def test_leaving_a_private_circle_hides_its_questions_at_once(corpus):
    insider = _user("insider")
    circle = db.session.get(Circle, corpus["sewer-secret"])
    circle_services.leave(insider, circle)
    db.session.commit()
    assert found(insider, "予算") == set()


def test_making_a_circle_private_hides_its_questions(corpus):
    circle = db.session.get(Circle, corpus["bridge-club"])
    assert corpus["plan"] in found(ANON, "長寿命化計画")
    circle.visibility = CircleVisibility.PRIVATE
    db.session.commit()
    assert found(ANON, "長寿命化計画") == set()
    assert found(ANON, "橋梁", "circle") == set()


@pytest.mark.parametrize("how", ["resolve", "set_hidden"])
def test_hidden_question_is_not_found_immediately(corpus, how):
    boss = _user("boss")
    qid = corpus["plan"]
    assert qid in found(ANON, "長寿命化計画")
    if how == "resolve":
        moderation.resolve(boss, "question", qid, "hide", "個人情報")
    else:
        moderation.set_hidden(boss, "question", qid, True, "個人情報")
    db.session.commit()
    for viewer in (ANON, _user("aki"), boss):
        assert qid not in found(viewer, "長寿命化計画")
    # Restoring brings it back, in the same way.
    moderation.set_hidden(boss, "question", qid, False, "誤りでした")
    db.session.commit()
    assert qid in found(ANON, "長寿命化計画")


def test_hidden_answer_and_comment_are_not_found_immediately(corpus):
    boss = _user("boss")
    qid = corpus["answer_only"]
    assert found(ANON, "包括的民間委託") == {qid}
    answer_id = db.session.scalar(select(Answer.id).where(Answer.question_id == qid))
    moderation.resolve(boss, "answer", answer_id, "hide", "個人情報")
    db.session.commit()
    assert found(ANON, "包括的民間委託") == set()
    assert found(ANON, "補修工法") == {qid}  # the question itself is still found

    qid = corpus["comment_only"]
    comment_id = db.session.scalar(select(Comment.id).where(Comment.thread_id == qid))
    moderation.set_hidden(boss, "comment", comment_id, True, "個人情報")
    db.session.commit()
    assert found(ANON, "ドローン点検") == set()

    # Restored, both are found again.
    moderation.set_hidden(boss, "answer", answer_id, False, "誤り")
    moderation.set_hidden(boss, "comment", comment_id, False, "誤り")
    db.session.commit()
    assert found(ANON, "包括的民間委託") == {corpus["answer_only"]}
    assert found(ANON, "ドローン点検") == {corpus["comment_only"]}


def test_hidden_parts_are_not_found_by_a_new_request(app, page_corpus):
    """The page, in a new request right after the commit, agrees."""
    client = app.test_client()
    assert page_corpus["judgement"] in question_links(
        section(get(client, q="判定区分"), "question")
    )
    with app.app_context():
        moderation.set_hidden(_user("boss"), "question", page_corpus["judgement"], True, "個人情報")
        db.session.commit()
    assert question_links(section(get(client, q="判定区分"), "question")) == set()
    assert question_links(section(get(client, q="擁壁"), "question")) == set()
    assert question_links(section(get(client, q="カルバート"), "question")) == set()


def test_moderator_edit_of_a_comment_updates_the_index(corpus):
    boss = _user("boss")
    qid = corpus["comment_only"]
    comment_id = db.session.scalar(select(Comment.id).where(Comment.thread_id == qid))
    moderation.resolve(boss, "comment", comment_id, "edit", "個人情報", body="安くなりました。")
    db.session.commit()
    assert found(ANON, "ドローン点検") == set()
    assert found(ANON, "安くなりました") == {qid}


def test_hiding_by_attribute_then_commit_updates_the_index(corpus):
    qid = corpus["answer_only"]
    post = db.session.scalar(select(Answer).where(Answer.question_id == qid))
    post.hidden_at = utcnow()
    db.session.commit()
    assert found(ANON, "包括的民間委託") == set()


def test_unpublished_cases_are_not_found_by_members(corpus):
    for name in ("outsider", "ben"):
        assert found(_user(name), "下水道台帳", "case") == set()
        assert found(_user(name), "住民ボランティア", "case") == set()
    assert found(_user("edi"), "下水道台帳", "case") == {corpus["case_draft"]}
    assert found(_user("boss"), "住民ボランティア", "case") == {corpus["case_review"]}
    # Published, it is found by everyone.
    casebook.save_case(
        _user("edi"),
        db.session.get(Case, corpus["case_draft"]),
        casebook.CaseInput(
            slug="draft-ledger",
            title="下水道台帳の電子化の事例",
            overview="下水道台帳を電子化した。",
            direction="inside",
            status="published",
        ),
    )
    db.session.commit()
    assert found(ANON, "下水道台帳", "case") == {corpus["case_draft"]}


def test_members_only_profiles_are_not_found_by_anonymous_users(corpus):
    assert found(ANON, "清水", "person") == set()
    assert found(_user("outsider"), "清水", "person") == {corpus["shimizu"]}
    assert found(ANON, "橋本", "person") == {corpus["hashimoto"]}
    # Turning the profile public makes it findable at once; profile edits are indexed.
    from community.profiles.services import update_profile

    shimizu = _user("shimizu")
    update_profile(
        shimizu,
        shimizu,
        {"display_name": "清水 花子", "organisation": "△△村", "bio": "舗装の担当に変わりました。",
         "visibility": "public"},
    )  # fmt: skip
    db.session.commit()
    assert found(ANON, "清水", "person") == {corpus["shimizu"]}
    assert found(_user("outsider"), "下水道", "person") == set()
    assert found(ANON, "舗装の担当", "person") == {corpus["shimizu"]}


def test_deleted_account_is_not_found(corpus):
    from community.profiles.services import delete_account

    user = _user("hashimoto")
    delete_account(user, user, "correct horse battery")
    db.session.commit()
    assert found(_user("outsider"), "橋梁点検", "person") == set()
    assert found(_user("outsider"), "橋本", "person") == set()


def test_deleting_a_question_removes_it_from_results(corpus):
    qid = corpus["drone_phrase"]
    assert qid in found(ANON, '"drone inspection"')
    question = db.session.get(Question, qid)
    qa.delete_question(_user("aki"), question)
    db.session.commit()
    assert found(ANON, '"drone inspection"') == set()
    assert found(ANON, "drone") == {corpus["drone_apart"]}


def test_deleting_a_question_deletes_its_index_rows(corpus):
    qid = corpus["drone_phrase"]
    qa.delete_question(_user("aki"), db.session.get(Question, qid))
    db.session.commit()
    rows = db.session.scalar(
        select(func.count())
        .select_from(SearchEntry)
        .where(SearchEntry.kind == "question", SearchEntry.ref_id == qid)
    )
    assert rows == 0


def test_editing_a_question_updates_results_in_the_same_commit(corpus):
    aki = _user("aki")
    question = db.session.get(Question, corpus["apart"])
    qa.edit_question(
        aki,
        question,
        {
            "title": "歩道橋の塗装塗替えについて",
            "body": "歩道橋の塗装を塗り替える周期を知りたいです。",
        },
    )
    db.session.commit()
    assert found(ANON, "塗替え") == {corpus["apart"]}
    assert found(ANON, "長寿命化") == {corpus["plan"]}
    assert found(ANON, "舗装") == set()


def test_a_rolled_back_edit_leaves_the_index_as_it_was(corpus):
    question = db.session.get(Question, corpus["apart"])
    qa.edit_question(
        _user("aki"),
        question,
        {
            "title": "歩道橋の塗装塗替えについて",
            "body": "歩道橋の塗装を塗り替える周期を知りたいです。",
        },
    )
    db.session.rollback()
    db.session.commit()
    assert found(ANON, "塗替え") == set()
    assert found(ANON, "長寿命化") == {corpus["plan"], corpus["apart"]}


def test_new_answers_and_comments_are_found_after_commit(corpus):
    question = db.session.get(Question, corpus["sewer"])
    post = qa.answer(_user("ben"), question, "マンホール蓋の更新も同時に計画しましょう。")
    db.session.commit()
    assert found(ANON, "マンホール") == {corpus["sewer"]}
    qa.comment(_user("aki"), question, "管更生工法も検討します。", answer_post=post)
    db.session.commit()
    assert found(ANON, "管更生") == {corpus["sewer"]}


# --- 5. `flask search reindex` ---------------------------------------------------------------


def test_reindex_command_rebuilds_the_same_index(app):
    with app.app_context():
        ids = build_corpus()
        before = run_table(ids)
        assert not before
        documents = sum(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Question, Case, User, Circle)
        )
        db.session.execute(delete(SearchEntry))
        db.session.commit()
        assert found(ANON, "橋梁") == set()
        db.session.remove()

    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"\b{documents}\b", result.output)

    with app.app_context():
        assert run_table(ids) == []
        rows = db.session.scalar(select(func.count()).select_from(SearchEntry))
        # Running it twice changes nothing.
        result = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == rows
        assert run_table(ids) == []


# --- 6. long documents: sections --------------------------------------------------------------


def _long_answer(ids: dict[str, int], filler: int, tail: str) -> int:
    """Answer 法面の点検… with `filler` characters of punctuation, then `tail`."""
    question = db.session.get(Question, ids["with_hidden_parts"])
    qa.answer(_user("boss"), question, "。" * filler + tail)
    db.session.commit()
    return question.id


def test_words_in_different_sections_are_anded(corpus):
    qid = _long_answer(corpus, SECTION_CHARS + 100, "マンホールの蓋")
    assert found(ANON, "マンホール") == {qid}  # each word alone is found
    assert found(ANON, "法面 マンホール") == {qid}
    assert found(ANON, "マンホール 法面 点検") == {qid}
    assert found(ANON, "法面 マンホール 液状化") == set()  # every word, not some
    # Ranked after documents that have the words together.
    near = factories.ask(
        "aki", "法面とマンホールの点検", "法面の点検とマンホールの点検を一緒に発注します。"
    )
    db.session.commit()
    res = search_services.search(ANON, "法面 マンホール", kinds=("question",))
    assert [h.ref_id for h in res.groups["question"]] == [near.id, qid]
    assert res.totals["question"] == 2
    # Still only what the viewer may see.
    moderation.resolve(_user("boss"), "question", qid, "hide", "個人情報")
    db.session.commit()
    assert found(ANON, "法面 マンホール") == {near.id}


@pytest.mark.parametrize("length", [0, 5, SECTION_CHARS, SECTION_CHARS + 1, 3 * SECTION_CHARS + 7])
def test_sections_overlap_by_the_longest_query_and_stay_under_postgres_positions(length):
    from community.search.index import SECTION_OVERLAP, _chunks

    text = "".join(random.Random(length).choice("あ橋a 、") for _ in range(length))
    chunks = _chunks(text)
    assert all(len(c) <= SECTION_CHARS for c in chunks)
    assert all(len(tokens(c)) <= 16_383 for c in chunks)  # tsvector positions
    step = SECTION_CHARS - SECTION_OVERLAP
    assert "".join(c[: step if i < len(chunks) - 1 else None] for i, c in enumerate(chunks)) == text
    for start in range(
        0, max(length - 200, 0), 997
    ):  # every 200-character piece is whole somewhere
        assert any(text[start : start + 200] in c for c in chunks)


def test_words_in_different_sections_of_a_private_document_stay_private(corpus):
    qid = _long_answer(corpus, SECTION_CHARS + 100, "マンホールの蓋")
    db.session.get(Question, qid).circle_id = corpus["sewer-secret"]
    db.session.commit()
    assert found(ANON, "法面 マンホール") == set()
    assert found(_user("outsider"), "法面 マンホール") == set()
    assert found(_user("insider"), "法面 マンホール") == {qid}


def test_a_word_across_a_section_boundary_is_found(corpus):
    from community.search.index import BUILDERS

    question = factories.ask(
        "aki",
        "長い回答が付く質問の例です",
        "回答が長くなる質問の本文の例です。よろしくお願いします。",
    )
    db.session.flush()
    _title, text, _hidden = BUILDERS["question"](question.id)
    start = len(text) + 1  # the answer follows a new line
    qa.answer(_user("boss"), question, "。" * (SECTION_CHARS - 2 - start) + "マンホール蓋")
    db.session.commit()
    _title, text, _hidden = BUILDERS["question"](question.id)
    assert text.index("マンホール") == SECTION_CHARS - 2  # straddles the boundary
    assert found(ANON, "マンホール") == {question.id}


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


# --- 8. the /search page ------------------------------------------------------------------------


def section(page: str, kind: str) -> str | None:
    """The HTML of the results group for one kind, or None when the page has none."""
    match = re.search(rf'<section[^>]*id="results-{kind}".*?</section>', page, re.S)
    return match.group(0) if match else None


def question_links(html: str | None) -> set[int]:
    return {int(i) for i in re.findall(r'href="/questions/(\d+)"', html or "")}


@pytest.fixture
def page_corpus(app):
    with app.app_context():
        return build_corpus()


def get(client, **params):
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, params
    return response.get_data(as_text=True)


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
    assert str(search_services.snippet([entry], [t for w in terms for t in parse(w)])) == expected


@given(st.text(alphabet="ｶﾞﾊﾟあア漢ⅢⅣ㎜㌔１Ａa \u3099\u0301", max_size=30))
def test_normalised_with_origins_maps_every_character_back(text):
    norm, starts, ends = search_services.normalised_with_origins(text)
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
    # Per kind at most: on PostgreSQL a density probe, the window (for a rare word with its planner
    # settings set and restored), the page, the entries for snippets, the links.
    assert max(many) <= 24
