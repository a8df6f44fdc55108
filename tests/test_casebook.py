"""The casebook (事例集): writing cases with repeating rows and refusing bad input; the helpers
and fixtures of every casebook test.

Who sees and edits what and the list with facets are in test_casebook_visibility.py, links
between questions and cases in test_casebook_links.py, the support navigator and catalogue in
test_casebook_support.py."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.casebook import services as casebook
from community.casebook.figures import unsourced
from community.casebook.models import (
    Case,
    CaseCostRow,
    CaseInterviewPair,
    CaseRevision,
    CaseScheduleRow,
    CaseSource,
    CaseStage,
    CaseStatus,
)
from community.extensions import db
from tests import factories
from tests.conftest import client_as

ROW_MODELS = (CaseScheduleRow, CaseCostRow, CaseInterviewPair, CaseSource, CaseStage)

# A complete case as the editor form posts it (flat WTForms names).
FORM = {
    "slug": "toyama-bridge-training",
    "title": "富山市の橋梁点検研修と職員の育成",
    "summary_points": "職員が自ら点検できるようになった\n研修を毎年開催している",
    "overview": "市の職員が **橋梁点検** を学ぶ研修を開いた。",
    "organisations": "富山市、富山県建設技術センター",
    "prefecture": "16",
    "population_band": "100k-300k",
    "direction": "inside",
    "menus": ["training", "talent_development"],
    "stages": ["1", "2"],
    "fields": ["bridge"],
    "topics": ["inspection"],
    "effects": "点検の質が上がった。",
    "cost_initial": "1,500,000",
    "cost_running": "200000",
    "participants": "地元の大学",
    "contact_department": "道路河川管理課",
    "is_new": "y",
    "status": "published",
    "schedule-0-period": "2019年4月",
    "schedule-0-content": "研修の準備を始める",
    "schedule-1-period": "2019年10月",
    "schedule-1-content": "第1回の研修を開く",
    "schedule-2-period": "2020年度以降",
    "schedule-2-content": "毎年の開催",
    "costs-0-kind": "initial",
    "costs-0-item": "研修教材の作成",
    "costs-0-amount": "1,200,000",
    "costs-1-kind": "running",
    "costs-1-item": "講師謝金",
    "costs-1-amount": "300000",
    "interview-0-question": "始めたきっかけは？",
    "interview-0-answer": "点検を委託に頼りきりだったことです。",
    "interview-1-question": "苦労した点は？",
    "interview-1-answer": "講師の確保です。",
    # Every figure in the text (the schedule's dates here) needs a dated, linked source.
    "sources-0-title": "市の広報(研修の記事)",
    "sources-0-url": "https://example.jp/city/news/training",
    "sources-0-as_of": "2019年4月",
    "sources-0-accessed_on": "2026-12-01",
    "sources-0-supports": "2019年10月に第1回の研修、2020年度以降は毎年開催",
    "action": "save",
}


# --- helpers ----------------------------------------------------------------------------------


def form(**changes) -> dict:
    """FORM with changes; a value of None removes the key."""
    data = {**FORM, **changes}
    return {k: v for k, v in data.items() if v is not None}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def row_counts(app) -> dict[str, int]:
    return {m.__name__: count(app, m) for m in (Case, CaseRevision, *ROW_MODELS)}


def make_case(app, slug: str, author: str = "edi", **changes) -> int:
    """A case saved through the service by `author` (published unless said otherwise). Every
    figure in a case needs a dated, linked source: unless the test gives sources, one stating
    the figures of the generated text (digits of the slug, the rows' numbers) is added."""
    if "sources" not in changes:
        text = {
            "title": f"事例 {slug} のタイトル",
            "overview": f"{slug} の概要です。",
            **{k: v for k, v in changes.items() if k != "summary_points"},
        }
        if stated := unsourced(text):
            changes["sources"] = [
                {
                    "title": "テスト用の出典",
                    "url": "https://example.jp/source",
                    "as_of": "テスト時点",
                    "accessed_on": "2026-12-01",
                    "supports": " ".join(stated),
                }
            ]
    with app.app_context():
        case = factories.make_case(author, slug, **changes)
        db.session.commit()
        return case.id


def make_question(
    app, username: str, title: str = "判定区分Ⅲの橋の優先順位の付け方", **data
) -> int:
    with app.app_context():
        q = factories.ask(username, title, **data)
        db.session.commit()
        return q.id


def new_circle(app, slug: str, visibility: str, members=(), moderators=()) -> int:
    """A circle made by the admin `boss` (its owner), with active members and moderators."""
    with app.app_context():
        circle = factories.make_circle(
            "boss", slug, visibility, members=members, moderators=moderators
        )
        db.session.commit()
        return circle.id


def listed_slugs(page: str) -> list[str]:
    """Case slugs on the /cases/ list, in order."""
    return re.findall(r'<h2><a href="/cases/([a-z0-9-]+)">', page)


def facet_counts(page: str, name: str, current: dict | None = None) -> dict[str, int]:
    """Counts next to the facet links that add `name`=value to the current filters."""
    current = current or {}
    out = {}
    for href, n in re.findall(
        r'<a href="([^"]*)"[^>]*>[^<]*<span class="count">(\d+)</span></a>', page
    ):
        url = urlsplit(html_lib.unescape(href))
        if url.path != "/cases/":
            continue
        args = dict(parse_qsl(url.query))
        value = args.pop(name, None)
        if value is not None and args == {k: v for k, v in current.items() if k != name}:
            out[value] = int(n)
    return out


def section(page: str, element_id: str) -> str:
    """The HTML of the element with this id, up to its matching closing tag."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>', page)
    assert match, f'no id="{element_id}"'
    tag = match.group(1)
    # The navigator's results section holds sections of its own: count the nesting.
    depth, pos, end = 1, match.end(), -1
    while depth:
        nxt_open = page.find(f"<{tag}", pos)
        end = page.find(f"</{tag}>", pos)
        assert end != -1, f'id="{element_id}" is not closed'
        if nxt_open != -1 and nxt_open < end:
            depth, pos = depth + 1, nxt_open + 1
        else:
            depth, pos = depth - 1, end + 1
    return page[match.start() : end]


def helped_badge(page: str) -> int:
    """The number in the "helped resolve" badge of a case page or card (0 when absent)."""
    match = re.search(r'<(p|span) class="badge verified">([^<✓]*)</\1>', page)
    if not match:
        return 0
    return int(re.search(r"\d+", match.group(2)).group(0))


@pytest.fixture
def people(make_user):
    return {
        "edi": make_user(username="edi", role=Role.EDITOR),
        "boss": make_user(username="boss", role=Role.ADMIN),
        "mem": make_user(username="mem"),
        "other": make_user(username="other"),
    }


# --- 1. writing a case ------------------------------------------------------------------------


def test_editor_creates_a_case_with_rows_in_order(app, people):
    c = client_as(app, "edi")
    assert c.get("/cases/new").status_code == 200
    r = c.post("/cases/new", data=FORM)
    assert r.status_code == 302
    assert r.headers["Location"] == "/cases/toyama-bridge-training"
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.slug == "toyama-bridge-training" and case.status == CaseStatus.PUBLISHED
        assert case.published_at is not None and case.created_by_id == people["edi"].id
        assert case.is_new is True and case.direction.value == "inside"
        assert [(s.position, s.period, s.content) for s in case.schedule] == [
            (0, "2019年4月", "研修の準備を始める"),
            (1, "2019年10月", "第1回の研修を開く"),
            (2, "2020年度以降", "毎年の開催"),
        ]
        assert [(x.kind, x.item, x.amount) for x in case.costs] == [
            ("initial", "研修教材の作成", 1_200_000),
            ("running", "講師謝金", 300_000),
        ]
        assert all(type(x.amount) is int for x in case.costs)
        assert (case.cost_initial, case.cost_running) == (1_500_000, 200_000)
        assert [(p.question, p.answer) for p in case.interview] == [
            ("始めたきっかけは？", "点検を委託に頼りきりだったことです。"),
            ("苦労した点は？", "講師の確保です。"),
        ]
        assert case.stages == [1, 2]
        assert [m.code for m in case.menus] == ["training", "talent_development"]
        assert [f.code for f in case.fields] == ["bridge"]
        assert [t.code for t in case.topics] == ["inspection"]
        assert case.summary_points == ["職員が自ら点検できるようになった", "研修を毎年開催している"]
        assert "<strong>橋梁点検</strong>" in case.overview_html
        revs = db.session.scalars(select(CaseRevision)).all()
        assert len(revs) == 1
        assert revs[0].case_id == case.id and revs[0].editor_id == people["edi"].id
        assert revs[0].status == "published"
        assert revs[0].snapshot["schedule"][2] == {
            "period": "2020年度以降",
            "content": "毎年の開催",
        }
        assert revs[0].snapshot["costs"][0]["amount"] == 1_200_000
    page = c.get("/cases/toyama-bridge-training").get_data(as_text=True)
    schedule = re.search(r'<table class="table schedule">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", schedule) == [
        ("2019年4月", "研修の準備を始める"),
        ("2019年10月", "第1回の研修を開く"),
        ("2020年度以降", "毎年の開催"),
    ]
    assert "1,200,000" in page and "300,000" in page and "1,500,000" in page
    # No interview source was given: the questions and answers are the editors' summary.
    assert re.findall(r'<h3 class="summary-q">(.*?)</h3><p>(.*?)</p>', page) == [
        ("始めたきっかけは？", "点検を委託に頼りきりだったことです。"),
        ("苦労した点は？", "講師の確保です。"),
    ]
    assert "編集部による要約" in page and 'class="q"' not in page
    assert 'href="/cases/toyama-bridge-training/edit"' in page
    assert 'href="/cases/toyama-bridge-training/history"' in page


def test_preview_writes_nothing(app, people):
    c = client_as(app, "edi")
    r = c.post("/cases/new", data=form(action="preview"))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    preview = section(page, "preview")
    assert "<tr><th>2019年10月</th><td>第1回の研修を開く</td></tr>" in preview
    assert "1,200,000" in preview and "<strong>橋梁点検</strong>" in preview
    # The cost rows' labels as the case page writes them: no space after 「：」.
    assert "初期：研修教材の作成" in preview and "運用：講師謝金" in preview
    # The form keeps what was typed.
    assert 'value="第1回の研修を開く"' in page
    assert row_counts(app) == {m: 0 for m in row_counts(app)}


def test_more_rows_adds_blank_rows_and_writes_nothing(app, people):
    c = client_as(app, "edi")
    r = c.post("/cases/new", data=form(action="more"))
    assert r.status_code == 200
    page = r.get_data(as_text=True)

    def rows(name, sub):
        return len(re.findall(rf'name="{name}-\d+-{sub}"', page))

    assert rows("schedule", "period") == 5, "3 sent + 2 blank"
    assert rows("costs", "item") == 4 and rows("interview", "question") == 4
    assert rows("sources", "title") == 3, "1 sent + 2 blank"
    assert rows("effect_figures", "label") == 2
    assert 'name="schedule-4-period"' in page and 'name="schedule-5-period"' not in page
    assert 'value="2020年度以降"' in page and 'value="1,200,000"' in page
    assert row_counts(app) == {m: 0 for m in row_counts(app)}


def test_new_case_form_has_blank_rows(app, people):
    page = client_as(app, "edi").get("/cases/new").get_data(as_text=True)
    for name, sub in [
        ("schedule", "period"),
        ("costs", "item"),
        ("interview", "question"),
        ("sources", "url"),
        ("effect_figures", "value"),
    ]:
        assert len(re.findall(rf'name="{name}-\d+-{sub}"', page)) == 3, name
    # New follows the edition; editors set the ☆, the 掲載承諾 and the section.
    assert 'name="status"' in page and 'name="is_new"' not in page
    assert 'name="is_model"' in page and 'name="consent"' in page and 'name="section"' in page


# --- 2. bad input -----------------------------------------------------------------------------


BAD_ROWS = [
    ({"schedule-1-content": ""}, "schedule-1-error"),
    ({"schedule-2-period": "  "}, "schedule-2-error"),
    ({"costs-1-item": ""}, "costs-1-error"),
    ({"costs-0-amount": "abc"}, "costs-0-error"),
    ({"costs-1-amount": "-5"}, "costs-1-error"),
    ({"interview-1-answer": ""}, "interview-1-error"),
    ({"effect_figures-0-label": "点検数", "effect_figures-0-value": ""}, "effect_figures-0-error"),
    ({"sources-0-title": "資料", "sources-0-url": "javascript:alert(1)"}, "sources-0-error"),
    ({"sources-0-title": "", "sources-0-url": "https://example.org/"}, "sources-0-error"),
    ({"slug": "taken-case"}, "slug-error"),
    ({"slug": "Bad Slug!"}, "slug-error"),
    ({"slug": "new"}, "slug-error"),
    ({"slug": "suggest"}, "slug-error"),
    ({"title": "短い"}, "title-error"),
    ({"menus": ["training", "nonsense"]}, "menus-error"),
    ({"fields": ["nonsense"]}, "fields-error"),
    ({"topics": ["nonsense"]}, "topics-error"),
    ({"stages": ["1", "7"]}, "stages-error"),
    ({"direction": None}, "direction-error"),
    ({"direction": "sideways"}, "direction-error"),
    ({"prefecture": "99"}, "prefecture-error"),
    ({"cost_initial": "abc"}, "cost_initial-error"),
    ({"status": "gone"}, "status-error"),
]


@pytest.mark.parametrize(("changes", "error_id"), BAD_ROWS)
@pytest.mark.parametrize("action", ["save", "preview"])
def test_bad_input_is_422_and_nothing_is_half_saved(app, people, changes, error_id, action):
    make_case(app, "taken-case")
    before = row_counts(app)
    c = client_as(app, "edi")
    r = c.post("/cases/new", data=form(action=action, **changes))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'id="{error_id}"' in page
    assert 'id="preview"' not in page
    assert row_counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(Case.slug)) == "taken-case"


def test_bad_row_marks_only_that_row(app, people):
    page = (
        client_as(app, "edi")
        .post("/cases/new", data=form(**{"schedule-1-content": ""}))
        .get_data(as_text=True)
    )
    assert 'aria-describedby="schedule-1-error"' in page
    assert 'aria-describedby="schedule-0-error"' not in page
    assert 'id="schedule-0-error"' not in page and 'id="costs-0-error"' not in page


def test_editing_with_a_bad_row_leaves_the_case_unchanged(app, people):
    c = client_as(app, "edi")
    assert c.post("/cases/new", data=FORM).status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        before = casebook.snapshot(case)
    counts = row_counts(app)
    edit = form(
        title="書き換えられたタイトルです",
        **{
            "schedule-0-content": "変更",
            "costs-0-amount": "abc",
            "interview-0-answer": "書き換え",
        },
    )
    r = c.post("/cases/toyama-bridge-training/edit", data=edit)
    assert r.status_code == 422
    assert 'id="costs-0-error"' in r.get_data(as_text=True)
    assert row_counts(app) == counts
    with app.app_context():
        assert casebook.snapshot(db.session.scalar(select(Case))) == before


def test_editing_replaces_rows_and_keeps_a_revision(app, people):
    c = client_as(app, "edi")
    c.post("/cases/new", data=FORM)
    page = c.get("/cases/toyama-bridge-training/edit").get_data(as_text=True)
    assert 'value="2020年度以降"' in page and 'value="1200000"' in page
    edit = form(**{"schedule-2-period": "", "schedule-2-content": "", "costs-0-amount": ""})
    assert c.post("/cases/toyama-bridge-training/edit", data=edit).status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert [s.content for s in case.schedule] == ["研修の準備を始める", "第1回の研修を開く"]
        assert [x.amount for x in case.costs] == [None, 300_000], "an unknown amount is allowed"
        assert count(app, CaseScheduleRow) == 2
        revs = db.session.scalars(select(CaseRevision).order_by(CaseRevision.id)).all()
        assert len(revs) == 2 and len(revs[1].snapshot["schedule"]) == 2
    history = c.get("/cases/toyama-bridge-training/history")
    assert history.status_code == 200
