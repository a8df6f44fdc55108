"""Search help for what people actually type: spelling variants (橋りょう = 橋梁), compounds that
find little matched by their parts (長寿命化計画 → 長寿命化 + 計画), 「もしかして」 corrections
(点険 → 点検), one empty state, snippets of user-visible text only, and the people directory's
free text over fields and topics with ways out of an empty result."""

from __future__ import annotations

import re

import pytest

from community.extensions import db
from community.i18n import LANG_COOKIE
from community.questions import services as qa
from community.search import services as search_services
from community.search import variants
from community.search.tokens import parse
from tests.conftest import client_as
from tests.factories import make_user
from tests.factories import user_named as _user
from tests.test_search import ANON, build_corpus, found, get, section


def test_spellings_come_from_the_dictionary():
    assert set(variants.spellings("橋りょう")) == {"橋梁", "きょうりょう"}
    assert set(variants.spellings("下水道管きょ")) == {"下水道管渠", "下水道かんきょ"}
    assert variants.spellings("点検") == []
    # Quoted phrases of several words and one-character terms are left as typed.
    assert parse('"drone 橋梁"')[0].alternatives == ()
    assert parse("梁")[0].alternatives == ()


def test_segment_and_corrections_use_known_words():
    vocab = variants.vocabulary(["定期点検と判定区分", "長寿命化修繕計画・個別施設計画"])
    assert variants.segment("長寿命化計画", vocab) == ["長寿命化", "計画"]
    assert variants.segment("橋梁点検", vocab) == ["橋梁", "点検"]
    assert variants.segment("定期点検と判定区分", vocab) == ["定期点検", "判定区分"]
    assert variants.segment("点検", vocab) == []  # too short to split
    assert variants.corrections("点険", vocab)[0] == "点検"
    assert variants.corrections("橋梁点険", vocab)[0] == "橋梁点検"
    assert variants.corrections("点検", vocab) == []  # a known word is no typo


def _posts() -> dict[str, int]:
    ids = build_corpus()
    aki = _user("aki")
    for name, title, body in (
        (
            "kyoryo",
            "橋梁の定期点検の外注について教えてください",
            "橋梁の点検を外注するときの仕様書の書き方を教えてください。",
        ),
        ("kankyo", "下水道管渠の調査の頻度について", "下水道管渠のカメラ調査の頻度について。"),
        ("shunsetsu", "河川の浚渫の予算をどう確保するか", "浚渫の費用をどう確保していますか。"),
        ("plan1", "長寿命化修繕計画の見直しの周期", "長寿命化修繕計画を五年ごとに見直しています。"),
        ("plan2", "小さな橋の長寿命化修繕計画の策定", "長寿命化修繕計画の策定を委託しました。"),
    ):
        ids[name] = qa.ask(aki, {"title": title, "body": body + "よろしくお願いいたします。"}).id
    db.session.commit()
    return ids


@pytest.fixture
def posts(ctx):
    return _posts()


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("橋りょう", {"kyoryo"}),
        ("きょうりょう 外注", {"kyoryo"}),
        ("下水道管きょ", {"kankyo"}),
        ("かんきょ", {"kankyo"}),
        ("しゅんせつ", {"shunsetsu"}),
    ],
)
def test_variants_find_the_other_spelling(posts, query, names):
    assert {i for n, i in posts.items() if n in names} <= found(ANON, query)


def test_the_service_stays_exact_without_assist(posts):
    # 長寿命化計画 is in no new post as written; the service alone does not relax it.
    assert posts["plan1"] not in found(ANON, "長寿命化計画")
    relaxed = search_services.search(ANON, "長寿命化計画", kinds=("question",), assist=True)
    assert relaxed.relaxed == [("長寿命化計画", ("長寿命化", "計画"))]
    assert {posts["plan1"], posts["plan2"]} <= {h.ref_id for h in relaxed.groups["question"]}


@pytest.fixture
def page_posts(app):
    with app.app_context():
        return _posts()


def test_page_says_when_it_matched_the_parts_of_a_compound(app, page_posts):
    page = get(app.test_client(), q="長寿命化計画", type="question")
    assert "長寿命化計画" in page and "search-relaxed" in page
    assert "“長寿命化” と “計画”" in page
    hits = section(page, "question")
    assert f'href="/questions/{page_posts["plan1"]}"' in hits
    # In quotes, the words are meant as written: no parts.
    page = get(app.test_client(), q='"長寿命化計画"', type="question")
    assert "search-relaxed" not in page


def test_a_typo_gets_one_empty_state_and_a_suggestion(app, page_posts):
    page = get(app.test_client(), q="点険")
    assert page.count("search-empty") == 1
    assert section(page, "question") is None and section(page, "circle") is None
    assert re.search(r'<a href="/search\?q=%E7%82%B9%E6%A4%9C[^"]*">点検</a>', page)
    # A word that finds nothing and is near no known word: the empty state, no suggestion.
    page = get(app.test_client(), q="ぬらりひょん")
    assert "search-empty" in page and "search-suggestions" not in page


def test_only_empty_types_collapse_into_one_line(app, page_posts):
    page = get(app.test_client(), q="浚渫")
    assert section(page, "question") is not None
    assert section(page, "circle") is None and "search-none-in" in page


def test_snippets_show_user_visible_text_only(app, page_posts):
    member = client_as(app, "aki")
    page = get(member, q="下水道", type="person")
    assert "shimizu" not in re.sub(r'href="[^"]*"', "", section(page, "person"))
    page = get(app.test_client(), q="bridge", type="circle")
    circles = section(page, "circle")
    assert "橋梁メンテナンスの輪" in circles  # found by its English name, shown in Japanese
    assert "Bridge maintenance" not in circles
    # In English, the circle's English name is its title.
    english = app.test_client()
    english.set_cookie(LANG_COOKIE, "en")
    assert "Bridge maintenance" in section(get(english, q="bridge", type="circle"), "circle")


def test_the_assisted_path_costs_a_bounded_number_of_queries(app, page_posts, count_queries):
    client = app.test_client()
    get(client, q="点険")
    with count_queries() as typo:
        get(client, q="点険")
    with count_queries() as common:
        get(client, q="橋梁")
    # Typo: the four kinds twice (as typed, no parts to try) plus at most three checks.
    assert typo.count <= common.count + 8, (typo.count, common.count)


# --- the people directory -----------------------------------------------------------------


def people(response) -> set[str]:
    return set(
        re.findall(r'class="person-head" href="/people/([^"]+)"', response.get_data(as_text=True))
    )


@pytest.fixture
def engineers(app):
    with app.app_context():
        make_user(
            username="yamanashi_sewer",
            display_name="甲斐 太郎",
            prefecture="19",  # 山梨県, 中部
            fields=["sewer"],
            help_topics=["outsourcing"],
            visibility="public",
        )
        make_user(
            username="nagano_bridge",
            display_name="信濃 花子",
            prefecture="20",  # 長野県, 中部
            fields=["bridge"],
            help_topics=["inspection"],
            visibility="public",
        )
        make_user(
            username="tokyo_bridge",
            display_name="江戸 一郎",
            prefecture="13",
            fields=["bridge"],
            help_topics=["inspection"],
            visibility="public",
        )
        db.session.commit()
    return app


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("橋梁点検", {"nagano_bridge", "tokyo_bridge"}),  # field 橋梁, topic 定期点検と判定区分
        ("橋りょう", {"nagano_bridge", "tokyo_bridge"}),  # the field's other spelling
        ("定期点検", {"nagano_bridge", "tokyo_bridge"}),
        ("下水道 包括的民間委託", {"yamanashi_sewer"}),
        ("橋梁下水道", set()),  # both parts needed
    ],
)
def test_directory_free_text_matches_fields_and_topics(client, engineers, q, expected):
    assert people(client.get("/people/", query_string={"q": q})) == expected


def test_empty_directory_offers_the_region_and_dropping_each_filter(client, engineers):
    response = client.get("/people/?prefecture=19&topic=inspection")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert people(response) == set()
    assert "directory-empty" in page
    # The same filters in 中部 (山梨県's region): the person in 長野県.
    assert re.search(
        r'href="/people/\?region=chubu&amp;topic=inspection">[^<]*中部[^<]*</a>'
        r'\s*<span class="muted">1人',
        page,
    )
    # Without the prefecture: both who help with inspection; without the topic: the one in 山梨県.
    assert re.search(
        r'href="/people/\?topic=inspection">[^<]*山梨県[^<]*</a>\s*<span class="muted">2人', page
    )
    assert re.search(
        r'href="/people/\?prefecture=19">[^<]*定期点検と判定区分[^<]*</a>'
        r'\s*<span class="muted">1人',
        page,
    )
    assert people(client.get("/people/?topic=inspection&region=chubu")) == {"nagano_bridge"}


def test_empty_directory_widenings_cost_one_count_per_filter(client, engineers, count_queries):
    client.get("/people/?prefecture=19")
    with count_queries() as found_some:
        client.get("/people/?prefecture=19")
    with count_queries() as empty:
        client.get("/people/?prefecture=19&topic=inspection&q=橋梁")
    # Three filters: the region plus one COUNT per filter dropped.
    assert empty.count <= found_some.count + 4, (empty.count, found_some.count)
