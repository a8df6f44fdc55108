"""The casebook as the plan's book: chapters in order, every case in one chapter section, the
課題ステータス × 支援メニュー matrix, editions and "New", ☆モデル事例, 見送り・不調, 掲載承諾, and
the rule that every figure in a case has a dated, linked source."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from community import demo, demo_qa
from community.casebook import chapters
from community.casebook.models import Case, CaseEdition, CaseRevision, Consent
from community.demo_qa import DEMO_DIR
from community.extensions import db
from community.reference.loader import read_yaml
from tests.conftest import client_as
from tests.test_casebook import count, form, listed_slugs, make_case, people, section  # noqa: F401

SEEDED = read_yaml(DEMO_DIR / "cases.yaml")
PLAN_STAGES = [
    "何が課題かも分からない",
    "課題への解決手法が分からない",
    "解決手法の実施ノウハウが不足している",
]
SHORTENED = ["課題が不明", "解決手法が不明", "実施ノウハウ不足"]


@pytest.fixture
def seeded(app, people):  # noqa: F811
    """The demo people and the nine seeded cases, loaded as `flask seed demo` does."""
    with app.app_context():
        demo.load_people()
        demo_qa.load_casebook()
        db.session.commit()


def text(page: str) -> str:
    """The page's visible text, tags dropped and entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def chapter_slugs(page: str) -> list[str]:
    """Case slugs listed in a chapter page's sections."""
    return re.findall(r'<h3><a href="/cases/([a-z0-9-]+)">', page)


# --- chapters -----------------------------------------------------------------------------------


def test_the_table_of_contents_lists_the_plans_chapters_in_order(app, seeded):
    c = app.test_client()
    assert 'href="/cases/chapters/"' in c.get("/cases/").get_data(as_text=True)
    toc = section(c.get("/cases/chapters/").get_data(as_text=True), "toc")
    titles = [
        "1. はじめに",
        "2. 支援メニューのラインナップ",
        "3. 「外」からのレベルアップ術",
        "4. 「内」からのレベルアップ術",
    ]
    positions = [toc.find(t) for t in titles]
    assert -1 not in positions and positions == sorted(positions)
    # Sections in the plan's order: 既存組織 before アドバイザー派遣, 人材育成 before 職員交流.
    assert toc.find("既存組織による自治体支援事例") < toc.find(
        "アドバイザー派遣による自治体支援事例"
    )
    assert toc.find("人材育成事例") < toc.find("職員交流事例")
    assert "6件" in text(toc)


def test_chapter_pages_carry_the_plans_text(app, seeded):
    c = app.test_client()
    one = text(c.get("/cases/chapters/1").get_data(as_text=True))
    assert "所属の枠を越えて技術者が「個人」としてつながる「人の群マネ」" in one
    assert "「群マネ入門超百科（群マネの手引きVer.1）」の姉妹版" in one
    two = c.get("/cases/chapters/2").get_data(as_text=True)
    for words in PLAN_STAGES:
        assert f"「{words}」" in text(two)
    assert "学習機会の提供（研修・交流等）" in text(section(two, "tier-learning"))
    assert "伴走支援（アドバイザー派遣等）" in text(section(two, "tier-accompanying"))
    assert "伴走支援の流れ" in text(two) and "経営力再構築伴走支援ガイドライン" in text(two)
    assert 'rel="next" href="/cases/chapters/3"' in two
    assert chapters.book().stages == dict(enumerate(PLAN_STAGES, start=1))


def test_a_missing_chapter_is_404_in_japanese(app):
    r = app.test_client().get("/cases/chapters/9")
    assert r.status_code == 404 and "第9章はありません。" in r.get_data(as_text=True)


def test_every_seeded_case_sits_in_exactly_one_chapter_section(app, seeded):
    c = app.test_client()
    pages = {n: c.get(f"/cases/chapters/{n}").get_data(as_text=True) for n in (1, 2, 3, 4)}
    found: dict[str, list[str]] = {}
    for n, page in pages.items():
        for ch_section in chapters.chapter(n).sections:
            for slug in chapter_slugs(section(page, f"section-{ch_section.code}")):
                found.setdefault(slug, []).append(ch_section.code)
    assert {row["slug"]: [row["section"]] for row in SEEDED} == found
    # 交流 belongs to 「内」から: そらゑ sits in chapter 4's 職員交流事例.
    assert found["sorae-idobata-kaigi"] == ["staff_exchange"]
    assert chapters.chapter(4).direction == "inside"
    with app.app_context():
        stored = dict(db.session.execute(select(Case.slug, Case.section)).all())
    assert stored == {row["slug"]: row["section"] for row in SEEDED}


def test_a_section_that_contradicts_the_direction_is_refused(app, people):  # noqa: F811
    c = client_as(app, "edi")
    r = c.post("/cases/new", data=form(section="adviser_dispatch"))  # the form's case is 内から
    assert r.status_code == 422
    assert "この節は別の章にあります" in r.get_data(as_text=True)
    assert count(app, Case) == 0
    assert c.post("/cases/new", data=form(section="staff_exchange")).status_code == 302


# --- the matrix ---------------------------------------------------------------------------------


def test_matrix_cells_count_what_their_links_list(app, seeded):
    make_case(app, "draft-only", status="draft", stages=["1"], menus=["training"])
    for who in (None, "edi"):
        c = client_as(app, who)
        page = c.get("/cases/matrix").get_data(as_text=True)
        cells = re.findall(
            r'<td class="cell" data-stage="(\d)" data-menu="(\w+)">'
            r'(?:<a href="([^"]+)"[^>]*>(\d+)</a>|<span class="muted">0</span>)',
            page,
        )
        assert len(cells) == 3 * 7
        linked = [(s, m, html_lib.unescape(href), int(n)) for s, m, href, n in cells if href]
        assert sum(n for *_x, n in linked) >= 9
        for stage, menu, href, n in linked:
            assert f"stage={stage}" in href and f"menu={menu}" in href
            listed = listed_slugs(c.get(href).get_data(as_text=True))
            assert len(listed) == n, (stage, menu)
        draft_in = "draft-only" in listed_slugs(c.get("/cases/?stage=1&menu=training").text)
        assert draft_in == (who == "edi")
        assert f'<a href="/cases/">{10 if who else 9}</a>' in section(page, "matrix")
    for words in PLAN_STAGES:
        assert words in text(page)
    assert "学習機会の提供（研修・交流等）" in text(page)


def test_chapter_and_matrix_pages_load_in_a_fixed_number_of_queries(
    app,
    people,  # noqa: F811
    count_queries,
):
    def queries(path: str) -> int:
        c = app.test_client()
        c.get(path)  # warm: reference caches, translations
        with count_queries() as q:
            assert c.get(path).status_code == 200
        return q.count

    for i in range(2):
        make_case(app, f"few-{chr(97 + i)}x", stages=["1"], menus=["training"])
    few = {p: queries(p) for p in ("/cases/chapters/3", "/cases/matrix", "/cases/chapters/")}
    for i in range(10):
        make_case(app, f"many-{chr(97 + i)}x", stages=["1", "2"], menus=["training", "exchange"])
    many = {p: queries(p) for p in few}
    assert many == few
    assert max(few.values()) <= 8


# --- editions -----------------------------------------------------------------------------------


def new_badges(page: str) -> int:
    return page.count('<span class="badge new">New</span>')


def test_closing_an_edition_moves_new(app, seeded):
    editor = client_as(app, "edi")
    page = editor.get("/cases/").get_data(as_text=True)
    assert new_badges(page) == 9 and "第1版" in page
    ed = editor.get("/cases/editions").get_data(as_text=True)
    assert "編集中：第1版" in ed and "第1版を締めて次の版を始める" in ed

    r = editor.post("/cases/editions/close", data={"edition": "1", "note": "令和8年12月版"})
    assert r.status_code == 302
    follow = editor.get(r.headers["Location"]).get_data(as_text=True)
    assert "第1版を締めました" in follow and "令和8年12月版" in follow
    assert new_badges(editor.get("/cases/").get_data(as_text=True)) == 0

    make_case(app, "after-closing", stages=["2"], menus=["adviser_dispatch"])
    page = editor.get("/cases/").get_data(as_text=True)
    assert new_badges(page) == 1 and listed_slugs(page)[0] == "after-closing"
    shown = editor.get("/cases/after-closing").get_data(as_text=True)
    assert "第2版で掲載" in shown and new_badges(shown) == 1
    assert "第1版で掲載" in editor.get("/cases/kosen-reim").get_data(as_text=True)
    assert listed_slugs(editor.get("/cases/?edition=2").get_data(as_text=True)) == ["after-closing"]
    with app.app_context():
        numbers = db.session.execute(
            select(CaseEdition.number, CaseEdition.closed_at.is_(None)).order_by(CaseEdition.number)
        ).all()
        assert [tuple(r) for r in numbers] == [(1, False), (2, True)]


def test_closing_a_closed_edition_or_bad_input_is_refused_in_japanese(app, seeded):
    editor = client_as(app, "edi")
    assert editor.post("/cases/editions/close", data={"edition": "1"}).status_code == 302
    again = editor.post("/cases/editions/close", data={"edition": "1"})
    assert again.status_code == 409
    assert "第1版はすでに締められています。いま編集中の版は第2版です。" in again.text
    bad = editor.post("/cases/editions/close", data={"edition": "abc"})
    assert bad.status_code == 422 and "締める版を選んでください。" in bad.text
    long_note = editor.post("/cases/editions/close", data={"edition": "2", "note": "あ" * 301})
    assert long_note.status_code == 422 and "300文字以内" in long_note.text
    with app.app_context():
        assert count(app, CaseEdition) == 2


def test_members_cannot_close_editions(app, seeded):
    member = client_as(app, "mem")
    assert member.get("/cases/editions").status_code == 403
    r = member.post("/cases/editions/close", data={"edition": "1"})
    assert r.status_code == 403 and "編集者" in r.text
    assert 'href="/cases/editions"' not in member.get("/cases/").text
    anonymous = app.test_client().post("/cases/editions/close", data={"edition": "1"})
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(CaseEdition.closed_at)) is None
    assert new_badges(member.get("/cases/").text) == 9


# --- ☆モデル事例, 見送り・不調, 掲載承諾 ----------------------------------------------------


def test_model_cases_and_declined_support_are_marked_and_filtered(app, people):  # noqa: F811
    editor = client_as(app, "edi")
    assert editor.post("/cases/new", data=form(is_model="y")).status_code == 302
    declined = form(
        slug="declined-dispatch",
        title="派遣を見送った事例の記録",
        case_type="not_pursued",
        direction="outside",
        menus=["adviser_dispatch"],
    )
    assert editor.post("/cases/new", data=declined).status_code == 302
    make_case(app, "plain-case")
    visitor = app.test_client()
    listing = visitor.get("/cases/").text
    assert listing.count("☆モデル事例") >= 2  # the card and the facet
    assert listed_slugs(visitor.get("/cases/?model=1").text) == ["toyama-bridge-training"]
    assert listed_slugs(visitor.get("/cases/?type=not_pursued").text) == ["declined-dispatch"]
    case_page = visitor.get("/cases/toyama-bridge-training").text
    assert "☆モデル事例" in case_page
    declined_page = visitor.get("/cases/declined-dispatch").text
    assert "見送り・不調" in text(declined_page) and "教訓" in declined_page
    chapter = visitor.get("/cases/chapters/4").text
    assert "☆モデル事例" in section(chapter, "section-talent_development")
    assert "見送り・不調" in section(
        visitor.get("/cases/chapters/3").text, "section-adviser_dispatch"
    )


def test_consent_is_for_editors_only(app, people):  # noqa: F811
    editor = client_as(app, "edi")
    assert editor.post("/cases/new", data=form(consent="requested")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Case.consent)) == Consent.REQUESTED
    shown = editor.get("/cases/toyama-bridge-training").text
    assert "掲載承諾" in shown and "依頼中" in shown
    assert 'name="consent"' in editor.get("/cases/toyama-bridge-training/edit").text
    for who in ("mem", None):
        page = client_as(app, who).get("/cases/toyama-bridge-training").text
        assert "掲載承諾" not in page and "依頼中" not in page
    member = client_as(app, "mem")
    # Members suggest through the short form; an older suggestion of theirs stays editable.
    r = member.post("/cases/new", data=form(slug="member-idea", consent="granted"))
    assert r.status_code == 302 and r.headers["Location"] == "/cases/suggest"
    make_case(app, "member-idea", author="mem")
    assert 'name="consent"' not in member.get("/cases/member-idea/edit").text
    r = member.post(
        "/cases/member-idea/edit",
        data=form(slug="member-idea", consent="granted", is_model="y", status="published"),
    )
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "member-idea"))
        assert case.consent == Consent.NONE and case.is_model is False
        assert case.edition_id is None and case.is_new is False  # not published: no edition


# --- figures need sources -----------------------------------------------------------------------


def test_a_figure_without_a_dated_linked_source_is_refused(app, people):  # noqa: F811
    editor = client_as(app, "edi")
    before = count(app, CaseRevision)
    no_source = form(
        **{f"sources-0-{k}": None for k in ("title", "url", "as_of", "accessed_on", "supports")}
    )
    r = editor.post("/cases/new", data={**no_source, "effects": "点検費が約1,200万円減った。"})
    assert r.status_code == 422
    body = text(r.text)
    assert "数値には、その数値を記載した出典" in body
    for figure in ("1200", "2019", "2020"):
        assert figure in body
    undated = {**form(), "sources-0-as_of": ""}
    r = editor.post("/cases/new", data=undated)
    assert r.status_code == 422 and "出典のない数値" in r.text
    assert count(app, Case) == 0 and count(app, CaseRevision) == before
    assert editor.post("/cases/new", data=form()).status_code == 302


# --- the plan's stage wording -------------------------------------------------------------------


def test_stage_labels_use_the_plans_wording_everywhere(app, seeded):
    c = app.test_client()
    for path in ("/cases/", "/cases/kosen-reim", "/cases/matrix", "/cases/chapters/3"):
        page = text(c.get(path).text)
        assert any(words in page for words in PLAN_STAGES), path
        for short in SHORTENED:
            assert short not in page, (path, short)
    po = (chapters.CHAPTERS_PATH.parents[1] / "translations/ja/LC_MESSAGES/messages.po").read_text(
        encoding="utf-8"
    )
    for short in SHORTENED:
        assert f'msgstr "{short}"' not in po


def test_unknown_filter_values_list_nothing_rather_than_fail(app, seeded):
    c = app.test_client()
    for query in ("type=bogus", "edition=abc", "edition=99", "section=nowhere", "model=x&type=%00"):
        r = c.get(f"/cases/?{query}")
        assert r.status_code in (200, 400), query
        if r.status_code == 200 and "model" not in query:
            assert listed_slugs(r.text) == [], query
    assert len(listed_slugs(c.get("/cases/?edition=1").text)) == 9
    assert listed_slugs(c.get("/cases/?section=adviser_dispatch").text) == [
        "mlit-hands-on-adviser-dispatch"
    ]


def test_the_english_interface_titles_chapters_in_english(app, seeded):
    c = app.test_client()
    c.set_cookie("lang", "en")
    toc = c.get("/cases/chapters/").text
    assert "Levelling up from outside" in toc and "Support by existing organisations" in toc
    matrix = c.get("/cases/matrix").text
    assert "Learning opportunities (training, exchange, etc.)" in html_lib.unescape(matrix)
