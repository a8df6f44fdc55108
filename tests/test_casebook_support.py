"""The support navigator (problem stage to menus, circles, cases and advisers) and the support
catalogue with the demo data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.casebook.models import (
    Case,
    CaseRevision,
    CaseStatus,
    SupportOrganisation,
)
from community.demo_qa import DEMO_DIR
from community.extensions import db
from community.profiles.models import Profile
from community.reference.loader import read_yaml
from community.support import services as support
from tests import test_casebook as base
from tests.conftest import client_as
from tests.test_casebook import listed_slugs, make_case, section

# Fixtures of test_casebook.py, shared by assignment.
people = base.people


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
        (1, ["sewer-s12", "bridge-s123"], 1, 2),
        (2, ["sewer-s12", "bridge-s123"], 3, 3),
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
        cases = len(read_yaml(DEMO_DIR / "cases.yaml"))
        assert cases == 9  # ten seeded cases less 真岡市, the plan's page-format sample
        assert demo_qa.load_casebook() == (10, cases)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Case)) == cases
        assert (
            db.session.scalar(select(func.count()).where(Case.status == CaseStatus.PUBLISHED))
            == cases
        )
        assert db.session.scalar(select(func.count()).select_from(SupportOrganisation)) == 10
        revisions = db.session.scalar(select(func.count()).select_from(CaseRevision))
        assert demo_qa.load_casebook() == (0, 0)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Case)) == cases
        assert db.session.scalar(select(func.count()).select_from(SupportOrganisation)) == 10
        assert db.session.scalar(select(func.count()).select_from(CaseRevision)) == revisions
        assert (
            db.session.scalar(
                select(func.count()).select_from(Case).where(~Case.organisations_list.any())
            )
            < cases
        )
    c = app.test_client()
    assert len(listed_slugs(c.get("/cases/").get_data(as_text=True))) == cases
    assert c.get("/cases/kosen-reim").status_code == 200
    assert c.get("/support/catalogue/kosen-reim").status_code == 200
