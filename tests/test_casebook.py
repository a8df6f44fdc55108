"""The casebook (事例集): writing cases with repeating rows, who sees and edits what, the list
with facets, links between questions and cases ("helped resolve"), the support navigator and
the support catalogue."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.casebook import services as casebook
from community.casebook.models import (
    AnswerCitation,
    Case,
    CaseCostRow,
    CaseInterviewPair,
    CaseLink,
    CaseRevision,
    CaseScheduleRow,
    CaseSource,
    CaseStage,
    CaseStatus,
    SupportOrganisation,
)
from community.extensions import db
from community.profiles.models import Profile
from community.questions import services as qa
from community.questions.models import Answer, Question
from community.support import services as support
from tests import factories, qa_helpers
from tests.conftest import client_as
from tests.factories import user_named as _user

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
    """A case saved through the service by `author` (published unless said otherwise)."""
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
    assert re.findall(r'<p class="q">Q\. (.*?)</p><p class="a">A\. (.*?)</p>', page) == [
        ("始めたきっかけは？", "点検を委託に頼りきりだったことです。"),
        ("苦労した点は？", "講師の確保です。"),
    ]
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
    assert rows("sources", "title") == 2 and rows("effect_figures", "label") == 2
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
    assert 'name="status"' in page and 'name="is_new"' in page


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
    ({"slug": ""}, "slug-error"),
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


# --- 3. roles and visibility ------------------------------------------------------------------


def test_member_suggestion_is_stored_for_review(app, people):
    c = client_as(app, "mem")
    assert c.get("/cases/new").status_code == 200
    r = c.post("/cases/new", data=form(status="published", is_new="y"))
    assert r.status_code == 302 and r.headers["Location"] == "/cases/toyama-bridge-training"
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.status == CaseStatus.REVIEW and case.is_new is False
        assert case.published_at is None and case.created_by_id == people["mem"].id
        assert db.session.scalar(select(CaseRevision.status)) == "review"


def test_member_form_has_no_publishing_fields(app, people):
    page = client_as(app, "mem").get("/cases/new").get_data(as_text=True)
    assert 'name="status"' not in page and 'name="is_new"' not in page


def test_member_can_send_the_form_as_rendered(app, people):
    c = client_as(app, "mem")
    r = c.post("/cases/new", data=form(status=None, is_new=None))
    assert r.status_code == 302
    assert count(app, Case, Case.status == CaseStatus.REVIEW) == 1


def test_suggestion_visible_to_author_and_editors_only(app, people):
    make_case(app, "suggested-case", author="mem", status="published")
    make_case(app, "public-case")
    with app.app_context():
        assert (
            db.session.scalar(select(Case.status).where(Case.slug == "suggested-case"))
            == CaseStatus.REVIEW
        )
    for who, visible in [
        ("mem", True),
        ("edi", True),
        ("boss", True),
        ("other", False),
        (None, False),
    ]:
        c = client_as(app, who)
        assert c.get("/cases/suggested-case").status_code == (200 if visible else 404), who
        slugs = listed_slugs(c.get("/cases/").get_data(as_text=True))
        assert ("suggested-case" in slugs) is visible, who
        assert "public-case" in slugs


def test_author_edits_own_suggestion_until_published(app, people):
    make_case(app, "suggested-case", author="mem")
    mem = client_as(app, "mem")
    assert mem.get("/cases/suggested-case/edit").status_code == 200
    r = mem.post(
        "/cases/suggested-case/edit",
        data=form(slug="suggested-case", title="提案した事例を直しました", status="published"),
    )
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.title == "提案した事例を直しました" and case.status == CaseStatus.REVIEW
    # An editor publishes it.
    ed = client_as(app, "edi")
    assert (
        ed.post("/cases/suggested-case/edit", data=form(slug="suggested-case")).status_code == 302
    )
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.status == CaseStatus.PUBLISHED and case.published_at is not None
        assert case.created_by_id == people["mem"].id
    assert mem.get("/cases/suggested-case/edit").status_code == 403
    r = mem.post(
        "/cases/suggested-case/edit", data=form(slug="suggested-case", title="再度の書き換え")
    )
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Case.title)) == FORM["title"]
    page = mem.get("/cases/suggested-case").get_data(as_text=True)
    assert 'href="/cases/suggested-case/edit"' not in page


def test_members_cannot_edit_others_cases(app, people):
    make_case(app, "public-case")
    make_case(app, "suggested-case", author="mem")
    other = client_as(app, "other")
    assert other.get("/cases/public-case/edit").status_code == 403
    assert other.post("/cases/public-case/edit", data=form(slug="public-case")).status_code == 403
    assert other.get("/cases/public-case/history").status_code == 403
    # Another member's suggestion is hidden altogether.
    assert other.get("/cases/suggested-case/edit").status_code == 404
    assert (
        other.post("/cases/suggested-case/edit", data=form(slug="suggested-case")).status_code
        == 404
    )
    with app.app_context():
        assert set(db.session.scalars(select(Case.title))) == {
            "事例 public-case のタイトル",
            "事例 suggested-case のタイトル",
        }
    assert count(app, CaseRevision) == 2


def test_anonymous_is_sent_to_login(app, people):
    make_case(app, "public-case")
    c = app.test_client()
    for url in ("/cases/new", "/cases/public-case/edit"):
        r = c.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login"), url
    r = c.post("/cases/new", data=FORM)
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login")
    assert count(app, Case) == 1
    assert 'href="/cases/new"' not in c.get("/cases/").get_data(as_text=True)
    assert c.get("/cases/public-case").status_code == 200


def test_unconfirmed_user_cannot_suggest(app, people, make_user):
    make_user(username="fresh", confirmed=False)
    c = client_as(app, "fresh")
    assert c.get("/cases/new").status_code == 403
    assert c.post("/cases/new", data=FORM).status_code == 403
    assert count(app, Case) == 0


def test_editors_see_drafts_and_filter_by_status(app, people):
    make_case(app, "draft-case", status="draft")
    make_case(app, "review-case", status="review")
    make_case(app, "public-case")
    ed = client_as(app, "edi")
    assert set(listed_slugs(ed.get("/cases/").get_data(as_text=True))) == {
        "draft-case",
        "review-case",
        "public-case",
    }
    assert listed_slugs(ed.get("/cases/?status=draft").get_data(as_text=True)) == ["draft-case"]
    assert listed_slugs(ed.get("/cases/?status=review").get_data(as_text=True)) == ["review-case"]
    assert ed.get("/cases/draft-case").status_code == 200
    for who in ("mem", None):
        c = client_as(app, who)
        assert listed_slugs(c.get("/cases/").get_data(as_text=True)) == ["public-case"]
        # The status filter is for editors; others still see only what is published.
        assert listed_slugs(c.get("/cases/?status=draft").get_data(as_text=True)) == ["public-case"]
        assert c.get("/cases/draft-case").status_code == 404


# --- 4. list, facets and query counts ---------------------------------------------------------


@pytest.fixture
def facet_cases(app, people):
    make_case(
        app,
        "case-a",
        title="橋梁点検の研修で育てる",
        direction="outside",
        menus=["training", "exchange"],
        stages=["1", "2"],
        fields=["bridge"],
        population_band="lt10k",
        prefecture="16",
    )
    make_case(
        app,
        "case-b",
        title="アドバイザー派遣の事例",
        overview="下水道の不明水対策を助言した。",
        direction="outside",
        menus=["adviser_dispatch"],
        stages=["2", "3"],
        fields=["sewer"],
        population_band="10k-50k",
        prefecture="16",
    )
    make_case(
        app,
        "case-c",
        title="職員の認定制度を作った",
        organisations="DX推進室",
        direction="inside",
        menus=["talent_development"],
        stages=["1", "2", "3"],
        fields=["bridge", "road"],
        population_band="lt10k",
        prefecture="09",
    )
    make_case(
        app,
        "case-d",
        title="下書きのままの事例です",
        direction="inside",
        menus=["staff_exchange"],
        stages=["3"],
        fields=["road"],
        population_band="ge300k",
        prefecture="13",
        status="draft",
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"case-a", "case-b", "case-c"}),
        ("direction=outside", {"case-a", "case-b"}),
        ("direction=inside", {"case-c"}),
        ("menu=training", {"case-a"}),
        ("menu=adviser_dispatch", {"case-b"}),
        ("menu=staff_exchange", set()),
        ("stage=1", {"case-a", "case-c"}),
        ("stage=3", {"case-b", "case-c"}),
        ("stage=x", set()),
        ("band=lt10k", {"case-a", "case-c"}),
        ("band=ge300k", set()),
        ("prefecture=16", {"case-a", "case-b"}),
        ("prefecture=09", {"case-c"}),
        ("field=bridge", {"case-a", "case-c"}),
        ("field=sewer", {"case-b"}),
        ("field=road", {"case-c"}),
        ("q=下水道", {"case-b"}),
        ("q=研修", {"case-a"}),
        ("q=ＤＸ", {"case-c"}),
        ("q=%25", set()),
        ("q=認定+制度", {"case-c"}),
        ("q=認定+研修", set()),
        ("direction=outside&stage=3", {"case-b"}),
        ("field=bridge&band=lt10k&prefecture=09", {"case-c"}),
    ],
)
def test_list_filters(app, facet_cases, query, expected):
    r = app.test_client().get(f"/cases/?{query}")
    assert r.status_code == 200
    assert set(listed_slugs(r.get_data(as_text=True))) == expected


def test_facet_counts(app, facet_cases):
    c = app.test_client()
    page = c.get("/cases/").get_data(as_text=True)
    assert facet_counts(page, "direction") == {"outside": 2, "inside": 1}
    assert facet_counts(page, "menu") == {
        "training": 1,
        "exchange": 1,
        "adviser_dispatch": 1,
        "talent_development": 1,
    }, "the draft's staff_exchange is not counted"
    assert facet_counts(page, "stage") == {"1": 2, "2": 3, "3": 2}
    assert facet_counts(page, "band") == {"lt10k": 2, "10k-50k": 1}
    assert facet_counts(page, "prefecture") == {"16": 2, "09": 1}
    assert facet_counts(page, "field") == {"bridge": 2, "sewer": 1, "road": 1}

    # Each facet counts under the other filters; its own value stays selectable.
    current = {"direction": "outside"}
    page = c.get("/cases/?direction=outside").get_data(as_text=True)
    assert facet_counts(page, "direction", current) == {"inside": 1}
    assert re.search(
        r'<a href="/cases/"\s*aria-current="true" class="on">[^<]*<span class="count">2</span>',
        page,
    ), "the chosen value links back to the list without it"
    assert facet_counts(page, "stage", current) == {"1": 1, "2": 2, "3": 1}
    assert facet_counts(page, "field", current) == {"bridge": 1, "sewer": 1}
    assert facet_counts(page, "band", current) == {"lt10k": 1, "10k-50k": 1}
    assert facet_counts(page, "menu", current) == {
        "training": 1,
        "exchange": 1,
        "adviser_dispatch": 1,
    }

    current = {"field": "bridge", "stage": "3"}
    page = c.get("/cases/?field=bridge&stage=3").get_data(as_text=True)
    assert listed_slugs(page) == ["case-c"]
    assert facet_counts(page, "direction", current) == {"inside": 1}
    assert facet_counts(page, "prefecture", current) == {"09": 1}

    # Editors' counts include drafts.
    page = client_as(app, "edi").get("/cases/").get_data(as_text=True)
    assert facet_counts(page, "direction") == {"outside": 2, "inside": 2}
    assert facet_counts(page, "menu")["staff_exchange"] == 1


def test_list_orders_new_cases_first(app, people):
    make_case(app, "old-case")
    make_case(app, "new-edition-case", is_new=True)
    make_case(app, "latest-case")
    page = app.test_client().get("/cases/").get_data(as_text=True)
    assert listed_slugs(page) == ["new-edition-case", "latest-case", "old-case"]
    assert page.count('<span class="badge new">') == 1


def _many_cases(app, prefix: str, n: int) -> None:
    bands = ["lt10k", "10k-50k", "ge300k"]
    for i in range(n):
        make_case(
            app,
            f"{prefix}-{i}",
            menus=["training", "adviser_dispatch"][: 1 + i % 2],
            stages=[str(1 + i % 3), "3"],
            fields=["bridge", "sewer"][: 1 + i % 2],
            population_band=bands[i % 3],
            prefecture=f"{1 + i % 47:02d}",
            status="draft" if i % 5 == 4 else "published",
        )


@pytest.mark.parametrize("who", [None, "edi"])
def test_list_page_query_count_is_fixed(app, people, count_queries, who):
    c = client_as(app, who)
    counts = {}
    total = 0
    for n in (2, 23):
        _many_cases(app, f"batch{n}", n)
        total += n
        c.get("/cases/")
        with count_queries() as q:
            r = c.get("/cases/")
        assert r.status_code == 200
        assert len(listed_slugs(r.get_data(as_text=True))) == min(
            20, total if who else count(app, Case, Case.status == CaseStatus.PUBLISHED)
        )
        counts[n] = q.count
    assert 0 < counts[2] == counts[23], counts


def _linked_case(app, slug: str, n_questions: int, n_rows: int, circle_id: int | None) -> None:
    make_case(
        app,
        slug,
        menus=["training"],
        stages=["1"],
        fields=["bridge"],
        topics=["inspection"],
        prefecture="16",
        population_band="lt10k",
        schedule=[{"period": f"{i}月", "content": f"作業{i}"} for i in range(n_rows)],
        costs=[{"kind": "initial", "item": f"費目{i}", "amount": str(i)} for i in range(n_rows)],
        interview=[{"question": f"問{i}", "answer": f"答{i}"} for i in range(n_rows)],
        sources=[{"title": f"資料{i}", "url": f"https://example.org/{i}"} for i in range(n_rows)],
    )
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        asker = _user("mem")
        for i in range(n_questions):
            q = qa.ask(
                asker,
                {
                    "title": f"{slug} についての質問 {i}",
                    "body": qa_helpers.BODY,
                    "circle": "open-circle" if (circle_id and i % 2) else "",
                },
            )
            db.session.add(CaseLink(question_id=q.id, case_id=case.id, created_by_id=asker.id))
        db.session.commit()


@pytest.mark.parametrize("who", [None, "mem"])
def test_case_page_query_count_is_fixed(app, people, count_queries, who):
    circle_id = new_circle(app, "open-circle", "open", members=["mem"])
    _linked_case(app, "small-case", 0, 1, circle_id)
    _linked_case(app, "big-case", 20, 10, circle_id)
    c = client_as(app, who)
    counts = {}
    for slug, n in (("small-case", 0), ("big-case", 20)):
        c.get(f"/cases/{slug}")
        with count_queries() as q:
            r = c.get(f"/cases/{slug}")
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        assert len(re.findall(r'href="/questions/\d+"', section(page, "questions"))) == n
        counts[slug] = q.count
    assert page.count("<tr><th>9月</th><td>作業9</td></tr>") == 1
    assert 0 < counts["small-case"] == counts["big-case"], counts


# --- 5. links between questions and cases -----------------------------------------------------


def test_link_a_case_with_a_note(app, people):
    make_case(app, "public-case")
    make_case(app, "draft-case", status="draft")
    qid = make_question(app, "mem")
    c = client_as(app, "other")
    page = c.get(f"/questions/{qid}").get_data(as_text=True)
    cases_box = section(page, "cases")
    assert f'action="/questions/{qid}/cases"' in cases_box
    assert 'value="public-case"' in cases_box and 'value="draft-case"' not in cases_box

    r = c.post(f"/questions/{qid}/cases", data={"case": "public-case", "note": "参考になります"})
    assert r.status_code == 302 and r.headers["Location"] == f"/questions/{qid}#cases"
    with app.app_context():
        link = db.session.scalar(select(CaseLink))
        assert (link.question_id, link.note, link.created_by_id) == (
            qid,
            "参考になります",
            people["other"].id,
        )
        assert link.case.slug == "public-case"
        link_id = link.id
    cases_box = section(c.get(f"/questions/{qid}").get_data(as_text=True), "cases")
    assert 'href="/cases/public-case"' in cases_box and "参考になります" in cases_box
    assert f'action="/case-links/{link_id}/delete"' in cases_box
    case_page = app.test_client().get("/cases/public-case").get_data(as_text=True)
    assert f'href="/questions/{qid}"' in section(case_page, "questions")

    # Twice: still one link, the first note kept.
    r = c.post(f"/questions/{qid}/cases", data={"case": "#case:public-case", "note": "二回目"})
    assert r.status_code == 302
    assert count(app, CaseLink) == 1
    with app.app_context():
        assert db.session.scalar(select(CaseLink.note)) == "参考になります"

    # Unpublished or unknown cases are not linked, whoever tries.
    for who in ("other", "edi"):
        for slug in ("draft-case", "no-such-case"):
            r = client_as(app, who).post(f"/questions/{qid}/cases", data={"case": slug})
            assert r.status_code == 302
    assert count(app, CaseLink) == 1
    draft_page = client_as(app, "edi").get("/cases/draft-case").get_data(as_text=True)
    assert f'href="/questions/{qid}"' not in draft_page


def test_link_by_url_and_note_length(app, people):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    c = client_as(app, "other")
    c.post(f"/questions/{qid}/cases", data={"case": "public-case", "note": "x" * 301})
    assert count(app, CaseLink) == 0
    c.post(f"/questions/{qid}/cases", data={"case": "http://localhost/cases/public-case"})
    assert count(app, CaseLink) == 1


def test_anonymous_cannot_link(app, people):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    r = app.test_client().post(f"/questions/{qid}/cases", data={"case": "public-case"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login")
    assert count(app, CaseLink) == 0


@pytest.mark.parametrize(("visibility", "status"), [("request", 403), ("private", 404)])
def test_non_member_cannot_link_in_a_closed_circle(app, people, visibility, status):
    make_case(app, "public-case")
    new_circle(app, "closed", visibility, members=["mem"])
    qid = make_question(app, "mem", circle="closed")
    r = client_as(app, "other").post(f"/questions/{qid}/cases", data={"case": "public-case"})
    assert r.status_code == status
    assert count(app, CaseLink) == 0
    r = client_as(app, "mem").post(f"/questions/{qid}/cases", data={"case": "public-case"})
    assert r.status_code == 302
    assert count(app, CaseLink) == 1


def test_who_may_remove_a_link(app, people, make_user):
    make_user(username="linker")
    make_user(username="modr")
    make_user(username="plain")
    make_case(app, "public-case")
    new_circle(app, "open-circle", "open", members=["mem", "linker", "plain"], moderators=["modr"])
    square_q = make_question(app, "mem")
    circle_q = make_question(app, "mem", circle="open-circle")

    def link(qid) -> int:
        assert (
            client_as(app, "linker")
            .post(f"/questions/{qid}/cases", data={"case": "public-case", "note": "n"})
            .status_code
            == 302
        )
        with app.app_context():
            return db.session.scalar(select(CaseLink.id).where(CaseLink.question_id == qid))

    # In the open square: the linker and admins; not the asker nor others.
    lid = link(square_q)
    for who in ("other", "mem", "edi", "modr"):
        assert client_as(app, who).post(f"/case-links/{lid}/delete").status_code == 403, who
    assert count(app, CaseLink) == 1
    assert 'action="/case-links/' not in section(
        client_as(app, "other").get(f"/questions/{square_q}").get_data(as_text=True), "cases"
    )
    r = client_as(app, "linker").post(f"/case-links/{lid}/delete")
    assert r.status_code == 302 and r.headers["Location"] == f"/questions/{square_q}#cases"
    assert count(app, CaseLink) == 0
    lid = link(square_q)
    assert client_as(app, "boss").post(f"/case-links/{lid}/delete").status_code == 302
    assert count(app, CaseLink) == 0

    # In a circle: also its moderators, not its plain members.
    lid = link(circle_q)
    assert client_as(app, "plain").post(f"/case-links/{lid}/delete").status_code == 403
    assert f'action="/case-links/{lid}/delete"' in section(
        client_as(app, "modr").get(f"/questions/{circle_q}").get_data(as_text=True), "cases"
    )
    assert client_as(app, "modr").post(f"/case-links/{lid}/delete").status_code == 302
    assert count(app, CaseLink) == 0

    assert client_as(app, "linker").post("/case-links/999999/delete").status_code == 404
    assert app.test_client().post("/case-links/1/delete").status_code == 302  # to login


def test_mention_in_question_body_links_the_case(app, people):
    make_case(app, "public-case")
    c = client_as(app, "mem")
    r = c.post(
        "/questions/ask",
        data={
            "title": "この事例のやり方を真似したいです",
            "body": "#case:public-case を読みました。うちの町でもできるでしょうか。",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        link = db.session.scalar(select(CaseLink))
        assert link is not None and link.created_by_id == people["mem"].id


def test_case_url_added_to_question_body_links_the_case(app, people):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    r = client_as(app, "mem").post(
        f"/questions/{qid}/edit",
        data={
            "title": "判定区分Ⅲの橋の優先順位の付け方",
            "body": qa_helpers.BODY + "\n\n参考: http://localhost/cases/public-case",
        },
    )
    assert r.status_code == 302
    assert count(app, CaseLink) == 1


def test_mention_in_answer_links_cites_and_counts_when_accepted(app, people, make_user):
    make_user(username="helper")
    a_id = make_case(app, "case-a")
    b_id = make_case(app, "case-b")
    make_case(app, "draft-case", status="draft")
    qid = make_question(app, "mem")
    helper = client_as(app, "helper")
    r = helper.post(
        f"/questions/{qid}/answers",
        data={
            "body": "この事例が参考になります: http://localhost/cases/case-a と #case:draft-case"
        },
    )
    assert r.status_code == 302
    r = client_as(app, "other").post(
        f"/questions/{qid}/answers", data={"body": "こちらもどうぞ #case:case-b です。"}
    )
    assert r.status_code == 302
    with app.app_context():
        links = db.session.execute(
            select(CaseLink.case_id, CaseLink.created_by_id).order_by(CaseLink.id)
        ).all()
        helper_id = _user("helper").id
        assert [tuple(x) for x in links] == [(a_id, helper_id), (b_id, people["other"].id)]
        answers = dict(db.session.execute(select(Answer.author_id, Answer.id)).all())
        cites = db.session.execute(
            select(AnswerCitation.answer_id, AnswerCitation.case_id).order_by(AnswerCitation.id)
        ).all()
        assert [tuple(x) for x in cites] == [
            (answers[helper_id], a_id),
            (answers[people["other"].id], b_id),
        ]
        answer_a = answers[helper_id]
        assert casebook.helped_resolve(None, [a_id, b_id]) == {}
    cases_box = section(app.test_client().get(f"/questions/{qid}").get_data(as_text=True), "cases")
    assert 'href="/cases/case-a"' in cases_box and 'href="/cases/case-b"' in cases_box
    assert 'href="/cases/draft-case"' not in cases_box

    asker = client_as(app, "mem")
    assert asker.post(f"/questions/{qid}/accept", data={"answer_id": answer_a}).status_code == 302
    anon = app.test_client()
    assert helped_badge(anon.get("/cases/case-a").get_data(as_text=True)) == 1
    assert helped_badge(anon.get("/cases/case-b").get_data(as_text=True)) == 0
    index = anon.get("/cases/").get_data(as_text=True)
    cards = dict(
        (m.group(1), m.group(0))
        for m in re.finditer(r'<h2><a href="/cases/([a-z0-9-]+)">.*?</li>', index, re.S)
    )
    assert helped_badge(cards["case-a"]) == 1 and helped_badge(cards["case-b"]) == 0
    with app.app_context():
        assert casebook.helped_resolve(None, [a_id, b_id]) == {a_id: 1}

    # Editing the answer again does not duplicate anything.
    r = helper.post(
        f"/answers/{answer_a}/edit",
        data={"body": "書き直し: http://localhost/cases/case-a と #case:case-a"},
    )
    assert r.status_code == 302
    assert count(app, CaseLink) == 2 and count(app, AnswerCitation) == 2

    # Withdrawing the acceptance makes it 0 again.
    assert asker.post(f"/questions/{qid}/accept", data={}).status_code == 302
    assert helped_badge(anon.get("/cases/case-a").get_data(as_text=True)) == 0
    assert helped_badge(anon.get("/cases/").get_data(as_text=True)) == 0
    with app.app_context():
        assert casebook.helped_resolve(None, [a_id, b_id]) == {}


def test_mention_added_by_editing_an_answer(app, people, make_user):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    with app.app_context():
        aid = qa_helpers.answer(people["other"].id, db.session.get(Question, qid)).id
        db.session.commit()
    assert count(app, CaseLink) == 0
    r = client_as(app, "other").post(
        f"/answers/{aid}/edit", data={"body": "追記: #case:public-case を見てください。"}
    )
    assert r.status_code == 302
    assert (
        count(app, CaseLink) == 1
        and count(app, AnswerCitation, AnswerCitation.answer_id == aid) == 1
    )


# --- 6. private circles -----------------------------------------------------------------------


def test_private_circle_questions_stay_hidden_on_the_case_page(app, people, make_user):
    make_user(username="insider")
    case_id = make_case(app, "public-case")
    new_circle(app, "secret", "private", members=["mem", "insider"])
    secret_q = make_question(app, "mem", title="非公開の輪での質問タイトル", circle="secret")
    open_q = make_question(app, "other", title="広場での質問のタイトルです")
    with app.app_context():
        q = db.session.get(Question, secret_q)
        post = qa.answer(_user("insider"), q, "この事例を参考に: #case:public-case")
        qa.accept(_user("mem"), q, post)
        casebook.link_question(
            _user("other"), db.session.get(Question, open_q), db.session.get(Case, case_id)
        )
        db.session.commit()
    assert count(app, CaseLink) == 2

    for who, sees in [
        (None, False),
        ("other", False),
        ("edi", False),
        ("mem", True),
        ("insider", True),
        ("boss", True),
    ]:
        page = client_as(app, who).get("/cases/public-case").get_data(as_text=True)
        related = section(page, "questions")
        assert (f'href="/questions/{secret_q}"' in related) is sees, who
        assert f'href="/questions/{open_q}"' in related, who
        assert ("非公開の輪での質問タイトル" in page) is sees, who
        assert helped_badge(page) == (1 if sees else 0), who
        index = client_as(app, who).get("/cases/").get_data(as_text=True)
        assert helped_badge(index) == (1 if sees else 0), who
        with app.app_context():
            viewer = _user(who) if who else None
            expected = {case_id: 1} if sees else {}
            assert casebook.helped_resolve(viewer, [case_id]) == expected, who
    # The private question's page itself stays hidden from outsiders.
    assert client_as(app, "other").get(f"/questions/{secret_q}").status_code == 404


# --- 7. the support navigator -----------------------------------------------------------------


@pytest.fixture
def navigator_data(app, people, make_user):
    make_case(app, "sewer-s12", stages=["1", "2"], fields=["sewer"], population_band="10k-50k")
    make_case(
        app,
        "bridge-s123",
        stages=["1", "2", "3"],
        fields=["bridge"],
        population_band="lt10k",
        is_new=True,
    )
    make_case(app, "sewer-s3", stages=["3"], fields=["sewer"])
    make_case(app, "draft-s123", stages=["1", "2", "3"], fields=["sewer"], status="draft")
    make_user(username="adv_far", role=Role.ADVISER, prefecture="47", fields=["bridge"])
    make_user(username="adv_region", role=Role.ADVISER, prefecture="17")
    make_user(username="adv_field", role=Role.ADVISER, prefecture="13", fields=["sewer"])
    make_user(username="adv_match", role=Role.ADVISER, prefecture="16", fields=["sewer"])
    make_user(username="local_member", prefecture="16", fields=["sewer"])


def test_navigator_without_stage_shows_the_form_only(app, navigator_data):
    c = app.test_client()
    for query in ("", "?field=sewer&band=lt10k&prefecture=16", "?stage=9", "?stage=x", "?stage=0"):
        r = c.get(f"/support/{query}")
        assert r.status_code == 200, query
        page = r.get_data(as_text=True)
        assert 'id="results"' not in page, query
        assert 'name="stage"' in page and 'href="/support/catalogue/"' in page


@pytest.mark.parametrize(
    ("stage", "cases", "outside", "inside"),
    [
        (1, ["sewer-s12", "bridge-s123"], 2, 1),
        (2, ["sewer-s12", "bridge-s123"], 4, 2),
        (3, ["sewer-s3", "bridge-s123"], 3, 2),
    ],
)
def test_navigator_recommends_for_a_stage(app, navigator_data, stage, cases, outside, inside):
    r = app.test_client().get(f"/support/?stage={stage}&field=sewer&band=lt10k&prefecture=16")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    results = section(page, "results")
    assert re.search(rf'<input type="radio" name="stage" value="{stage}" checked', page)
    assert re.findall(r'href="/cases/([a-z0-9-]+)"', results) == cases
    assert results.count('class="badge dir-outside"') == outside
    assert results.count('class="badge dir-inside"') == inside
    assert re.findall(r'href="/people/(\w+)"', results) == [
        "adv_match",
        "adv_field",
        "adv_region",
        "adv_far",
    ]
    assert f'href="/questions/ask?stage={stage}"' in results
    assert 'action="/support/stage"' not in results, "anonymous visitors cannot keep a stage"
    with app.app_context():
        recs = support.recommend(None, support.Need(stage, "sewer", "lt10k", "16"))
        assert recs.menus and all(stage in m.stages for m in recs.menus)
        assert len(recs.menus) == outside + inside
        assert [c.slug for c in recs.cases] == cases


def test_navigator_without_field_orders_by_band_then_new(app, navigator_data):
    page = app.test_client().get("/support/?stage=1&band=10k-50k").get_data(as_text=True)
    assert re.findall(r'href="/cases/([a-z0-9-]+)"', section(page, "results")) == [
        "sewer-s12",
        "bridge-s123",
    ]
    page = app.test_client().get("/support/?stage=1").get_data(as_text=True)
    assert re.findall(r'href="/cases/([a-z0-9-]+)"', section(page, "results")) == [
        "bridge-s123",
        "sewer-s12",
    ]


def test_keep_stage_on_profile_and_ask_form_offers_it(app, people):
    c = client_as(app, "mem")
    results = section(c.get("/support/?stage=2").get_data(as_text=True), "results")
    assert 'action="/support/stage"' in results
    r = c.post("/support/stage", data={"stage": "2", "back": "/support/?stage=2"})
    assert r.status_code == 302 and r.headers["Location"] == "/support/?stage=2"
    with app.app_context():
        assert (
            db.session.scalar(
                select(Profile.problem_stage).where(Profile.user_id == people["mem"].id)
            )
            == 2
        )
    ask = c.get("/questions/ask").get_data(as_text=True)
    checked = [
        re.search(r'value="(\d)"', tag).group(1)
        for tag in re.findall(r'<input[^>]*name="stage"[^>]*>', ask)
        if re.search(r"\bchecked\b", tag)
    ]
    assert checked == ["2"]
    # The navigator preselects it too.
    page = c.get("/support/").get_data(as_text=True)
    assert re.search(r'<input type="radio" name="stage" value="2" checked', page)
    # Only /support/ addresses are followed back.
    r = c.post("/support/stage", data={"stage": "3", "back": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/support/"


def test_keep_stage_refuses_bad_input(app, people):
    r = app.test_client().post("/support/stage", data={"stage": "1"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login")
    c = client_as(app, "mem")
    for bad in ("9", "0", "x", ""):
        assert c.post("/support/stage", data={"stage": bad}).status_code == 400, bad
    with app.app_context():
        assert (
            db.session.scalar(
                select(Profile.problem_stage).where(Profile.user_id == people["mem"].id)
            )
            is None
        )


# --- 8. the support catalogue and demo data ---------------------------------------------------


def test_catalogue_and_organisation_pages(app, people):
    make_case(app, "published-case", title="公開された組織の事例")
    make_case(app, "draft-case", status="draft")
    make_case(app, "other-org-case")
    with app.app_context():
        cases = {c.slug: c for c in db.session.scalars(select(Case))}
        center = SupportOrganisation(
            slug="toyama-center",
            name="富山県建設技術センター",
            kind="center",
            offers_md="点検",
            offers_html="<p>点検</p>",
            menu_codes=["organisational"],
        )
        center.cases = [cases["published-case"], cases["draft-case"]]
        univ = SupportOrganisation(slug="gifu-u", name="岐阜大学", kind="university")
        univ.cases = [cases["other-org-case"]]
        db.session.add_all([center, univ])
        db.session.commit()
    c = app.test_client()
    page = c.get("/support/catalogue/").get_data(as_text=True)
    assert re.findall(r'href="/support/catalogue/([a-z0-9-]+)"', page) == [
        "toyama-center",
        "gifu-u",
    ]
    r = c.get("/support/catalogue/toyama-center")
    assert r.status_code == 200
    cases_on_page = re.findall(r'href="/cases/([a-z0-9-]+)"', r.get_data(as_text=True))
    assert cases_on_page == ["published-case"]
    assert re.findall(
        r'href="/cases/([a-z0-9-]+)"', c.get("/support/catalogue/gifu-u").get_data(as_text=True)
    ) == ["other-org-case"]
    assert c.get("/support/catalogue/no-such-org").status_code == 404
    # The case page links back to its organisation.
    case_page = c.get("/cases/published-case").get_data(as_text=True)
    assert 'href="/support/catalogue/toyama-center"' in case_page


def test_load_casebook_demo_is_idempotent(app):
    from community import demo, demo_qa

    with app.app_context():
        demo.load_people()
        assert demo_qa.load_casebook() == (10, 10)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Case)) == 10
        assert (
            db.session.scalar(select(func.count()).where(Case.status == CaseStatus.PUBLISHED)) == 10
        )
        assert db.session.scalar(select(func.count()).select_from(SupportOrganisation)) == 10
        revisions = db.session.scalar(select(func.count()).select_from(CaseRevision))
        assert demo_qa.load_casebook() == (0, 0)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Case)) == 10
        assert db.session.scalar(select(func.count()).select_from(SupportOrganisation)) == 10
        assert db.session.scalar(select(func.count()).select_from(CaseRevision)) == revisions
        assert (
            db.session.scalar(
                select(func.count()).select_from(Case).where(~Case.organisations_list.any())
            )
            < 10
        )
    c = app.test_client()
    assert len(listed_slugs(c.get("/cases/").get_data(as_text=True))) == 10
    assert c.get("/cases/kosen-reim").status_code == 200
    assert c.get("/support/catalogue/kosen-reim").status_code == 200
