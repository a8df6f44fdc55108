"""The casebook's roles and visibility (who sees and edits what), and the list with facets and
a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from community.casebook.models import (
    Case,
    CaseLink,
    CaseRevision,
    CaseStatus,
)
from community.extensions import db
from community.questions import services as qa
from tests import qa_helpers
from tests import test_casebook as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_casebook import (
    FORM,
    count,
    facet_counts,
    form,
    listed_slugs,
    make_case,
    new_circle,
    section,
)

# Fixtures of test_casebook.py, shared by assignment.
people = base.people


# --- 3. roles and visibility ------------------------------------------------------------------


def test_members_are_sent_to_the_short_form(app, people):
    c = client_as(app, "mem")
    r = c.get("/cases/new")
    assert r.status_code == 302 and r.headers["Location"] == "/cases/suggest"
    r = c.post("/cases/new", data=form(status="published", is_new="y"))
    assert r.status_code == 302 and r.headers["Location"] == "/cases/suggest"
    assert count(app, Case) == 0
    index = c.get("/cases/").get_data(as_text=True)
    assert 'href="/cases/suggest"' in index and 'href="/cases/new"' not in index


def test_member_edit_of_own_suggestion_is_kept_in_review(app, people):
    make_case(app, "member-case", author="mem")
    c = client_as(app, "mem")
    page = c.get("/cases/member-case/edit").get_data(as_text=True)
    assert 'name="status"' not in page and 'name="is_new"' not in page
    assert 'name="is_model"' not in page and 'name="consent"' not in page
    # The form as rendered (no status field) saves; the case stays in review.
    r = c.post("/cases/member-case/edit", data=form(slug="member-case", status=None, is_new=None))
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.status == CaseStatus.REVIEW and case.is_new is False
        assert case.published_at is None and case.created_by_id == people["mem"].id
        assert (
            db.session.scalar(select(CaseRevision.status).order_by(CaseRevision.id.desc()).limit(1))
            == "review"
        )


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
    assert c.get("/cases/new").headers["Location"] == "/cases/suggest"
    assert c.get("/cases/suggest").status_code == 403
    r = c.post("/cases/suggest", data={"title": "提案したい事例です", "what": "研修を開いた"})
    assert r.status_code == 403
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
    assert (
        client_as(app, "edi").post("/cases/editions/close", data={"edition": "1"}).status_code
        == 302
    )
    make_case(app, "new-edition-case")
    make_case(app, "latest-case")
    page = app.test_client().get("/cases/").get_data(as_text=True)
    assert listed_slugs(page) == ["latest-case", "new-edition-case", "old-case"]
    assert page.count('<span class="badge new">') == 2


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
        # Each row's figure (its number) is stated by a dated, linked source.
        sources=[
            {
                "title": f"資料{i}",
                "url": f"https://example.org/{i}",
                "as_of": f"{i}月",
                "accessed_on": "2026-12-01",
                "supports": f"作業{i}",
            }
            for i in range(n_rows)
        ],
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
