"""Japanese full-text search: one corpus with a table of queries and their expected questions
(the same expectations on SQLite and PostgreSQL); the corpus and helpers of every search test.

The tokenizer and query parser are in test_search_tokens.py, recall, privacy, keeping the index
in step and sections in test_search_index.py, the /search page in test_search_page.py."""

from __future__ import annotations

import re

import pytest
from flask_login import AnonymousUserMixin

from community.auth.models import Role
from community.casebook import services as casebook
from community.circles import services as circle_services
from community.extensions import db
from community.moderation import services as moderation
from community.questions import services as qa
from community.search import services as search_services
from tests import factories, qa_helpers
from tests.factories import user_named as _user

ANON = AnonymousUserMixin()


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


# --- the /search page (test_search_page.py, test_search_assist.py) ----------------------------


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
