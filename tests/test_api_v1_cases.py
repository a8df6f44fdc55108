"""/api/v1/cases: the casebook through the API with the web's visibility (drafts 404 to
members, shown to editors), the facet filters of /cases/ giving the page's set, stable
pages, the chapters, ETags, and statements that do not grow with the data."""

from __future__ import annotations

import re

import pytest

from community.auth.models import Role
from community.extensions import db
from tests import factories
from tests.api_v1_helpers import bearer, make_token
from tests.conftest import client_as

SOURCE = {
    "title": "町の広報 令和6年度版",
    "url": "https://example.jp/koho",
    "as_of": "令和6年4月時点",
    "accessed_on": "2026-11-20",
    "supports": "体制の説明",
}

CASES = {
    # slug: (direction, menus, stages, field, prefecture, band)
    "bridge-outside": ("outside", ["training"], ["1", "2"], "bridge", "09", "lt10k"),
    "road-outside": ("outside", ["accompanying"], ["2"], "road", "13", "10k-50k"),
    "bridge-inside": ("inside", ["exchange"], ["3"], "bridge", "09", "10k-50k"),
    "tunnel-inside": ("inside", ["training"], ["1"], "tunnel", "27", "lt10k"),
}


@pytest.fixture
def casebook(app, make_user):
    """Four published cases across the facets and one draft, written by the editor "edi"."""
    make_user(username="edi", role=Role.EDITOR)
    make_user(username="ken")
    with app.app_context():
        for slug, (direction, menus, stages, field, pref, band) in CASES.items():
            factories.make_case(
                "edi",
                slug,
                direction=direction,
                menus=menus,
                stages=stages,
                fields=[field],
                prefecture=pref,
                population_band=band,
                sources=[SOURCE],
            )
        factories.make_case("edi", "secret-draft", status="draft", sources=[SOURCE])
        db.session.commit()


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["slug"] for item in response.get_json()["items"]]


def _web_slugs(client, query: str = "") -> list[str]:
    html = client.get(f"/cases/?{query}").get_data(as_text=True)
    found = re.findall(r'href="/cases/([a-z][a-z0-9-]*)"', html)
    return list(dict.fromkeys(s for s in found if s in {*CASES, "secret-draft"}))


@pytest.mark.parametrize("viewer", [None, "ken", "edi"])
def test_draft_parity_between_web_and_api(app, casebook, viewer):
    """A draft is 404 to visitors and members on both, shown to the editor on both."""
    web = client_as(app, viewer)
    api = app.test_client()
    headers = bearer(make_token(app, viewer, "read")) if viewer else {}
    editor = viewer == "edi"
    web_status = web.get("/cases/secret-draft").status_code
    api_status = api.get("/api/v1/cases/secret-draft", headers=headers).status_code
    assert (web_status, api_status) == ((200, 200) if editor else (404, 404))
    listed = _slugs(api.get("/api/v1/cases", headers=headers))
    assert ("secret-draft" in listed) == ("secret-draft" in _web_slugs(web)) == editor
    assert set(CASES) <= set(listed)
    r = api.get("/api/v1/cases/no-such-case", headers=headers)
    assert r.status_code == 404
    assert set(r.get_json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    "query",
    [
        "direction=outside",
        "direction=inside",
        "menu=training",
        "stage=1",
        "stage=2",
        "field=bridge",
        "prefecture=09",
        "band=lt10k",
        "direction=inside&field=bridge",
        "menu=training&band=lt10k&stage=1",
        "q=bridge",
        "menu=unknown",
    ],
)
def test_facet_filters_give_the_pages_set(app, casebook, query):
    web = client_as(app, "ken")
    api = app.test_client()
    headers = bearer(make_token(app, "ken", "read"))
    on_web = _web_slugs(web, query)
    in_api = _slugs(api.get(f"/api/v1/cases?{query}", headers=headers))
    assert in_api == on_web  # the same cases in the same order
    assert (in_api == []) == (query == "menu=unknown")
    if query == "direction=inside&field=bridge":
        assert in_api == ["bridge-inside"]


def test_show_has_the_sheet_and_its_dated_sources(app, casebook):
    r = app.test_client().get("/api/v1/cases/bridge-outside")
    assert r.status_code == 200
    data = r.get_json()
    assert data["direction"] == "outside"
    assert [m["code"] for m in data["menus"]] == ["training"]
    assert data["stages"] == [1, 2]
    assert [f["code"] for f in data["fields"]] == ["bridge"]
    assert data["prefecture"]["code"] == "09"
    assert data["population_band"]["code"] == "lt10k"
    assert data["sources"] == [{**SOURCE}]
    assert data["url"].endswith("/cases/bridge-outside")
    assert data["consent"] is None  # editors only, as on the page
    editor = bearer(make_token(app, "edi", "read"))
    assert app.test_client().get("/api/v1/cases/bridge-outside", headers=editor).get_json()[
        "consent"
    ] == ("none")


def test_paging_is_stable_and_covers_every_case_once(app, casebook):
    api = app.test_client()
    seen, url = [], "/api/v1/cases?per_page=3"
    first = api.get(url).get_json()
    assert first["total"] == 4 and first["pages"] == 2 and first["page"] == 1
    while url:
        r = api.get(url)
        body = r.get_json()
        seen += [item["slug"] for item in body["items"]]
        url = body["next"]
        if url:
            assert r.headers["Link"] == f'<{url}>; rel="next"'
            assert "per_page=3" in url
    assert sorted(seen) == sorted(CASES) and len(seen) == len(set(seen))
    assert seen == _slugs(api.get("/api/v1/cases?per_page=100"))
    assert _slugs(api.get("/api/v1/cases?page=99")) == []


def test_bad_filters_are_422_in_japanese(app, casebook):
    api = app.test_client()
    for query in ("stage=7", "direction=up", "per_page=0", "page=0"):
        r = api.get(f"/api/v1/cases?{query}", headers={"Accept-Language": "ja"})
        assert r.status_code == 422, query
        error = r.get_json()["error"]
        assert error["fields"], query
        assert re.search(r"[ぁ-んァ-ヶ一-龯]", error["message"]), error


def test_chapters_list_their_cases_slugs(app, casebook):
    api = app.test_client()
    data = api.get("/api/v1/cases/chapters").get_json()
    assert data["chapters"] and data["title"]
    placed = [slug for ch in data["chapters"] for s in ch["sections"] for slug in s["cases"]]
    assert sorted(placed) == sorted(CASES)  # every published case once, no draft
    editor = bearer(make_token(app, "edi", "read"))
    data = api.get("/api/v1/cases/chapters", headers=editor).get_json()
    placed = [slug for ch in data["chapters"] for s in ch["sections"] for slug in s["cases"]]
    assert "secret-draft" in placed
    web = client_as(app, None).get("/cases/chapters/")
    assert web.status_code == 200
    first = data["chapters"][0]["number"]
    one = api.get(f"/api/v1/cases/chapters?number={first}").get_json()["chapters"]
    assert [ch["number"] for ch in one] == [first]
    r = api.get("/api/v1/cases/chapters?number=98", headers={"Accept-Language": "ja"})
    assert r.status_code == 404
    assert r.get_json()["error"]["message"] == "第98章はありません。"


def test_etags_give_304(app, casebook):
    api = app.test_client()
    for url in ("/api/v1/cases", "/api/v1/cases/bridge-outside", "/api/v1/cases/chapters"):
        r = api.get(url)
        etag = r.headers["ETag"]
        assert etag.startswith('W/"'), url
        assert api.get(url, headers={"If-None-Match": etag}).status_code == 304, url
    etag = api.get("/api/v1/cases").headers["ETag"]
    with app.app_context():
        factories.make_case("edi", "new-case", sources=[SOURCE])
        db.session.commit()
    assert api.get("/api/v1/cases", headers={"If-None-Match": etag}).status_code == 200
    # An editor's list holds the draft: never the visitor's tag.
    editor = bearer(make_token(app, "edi", "read"))
    assert api.get("/api/v1/cases", headers={**editor, "If-None-Match": etag}).status_code == 200


def test_statements_do_not_grow_with_the_data(app, casebook, count_queries):
    token = make_token(app, "ken", "read")

    def statements(path):
        api = app.test_client()
        with count_queries() as q:
            assert api.get(path, headers=bearer(token)).status_code == 200
        return q.count

    paths = ("/api/v1/cases", "/api/v1/cases/bridge-outside", "/api/v1/cases/chapters")
    statements(paths[0])  # the token's first use is written once
    small = tuple(statements(p) for p in paths)
    with app.app_context():
        for i in "abcdefgh":
            factories.make_case(
                "edi",
                f"more-{i}",
                menus=["training", "exchange"],
                stages=["1", "2", "3"],
                fields=["bridge", "road"],
                prefecture="09",
                population_band="lt10k",
                sources=[SOURCE, {**SOURCE, "title": "別の出典"}],
            )
        db.session.commit()
    large = tuple(statements(p) for p in paths)
    assert large == small
    # List: the caller, count, page, six loaders; show: the caller, the case, eleven loaders.
    assert small[0] <= 10 and small[1] <= 15 and small[2] <= 3, small


def test_a_members_own_suggestion_is_theirs_on_both(app, casebook, make_user):
    """A member's suggested case (in review) is shown to them and 404 to other members."""
    make_user(username="mio")
    with app.app_context():
        factories.make_case("ken", "ken-idea", status="review", sources=[SOURCE])
        db.session.commit()
    for viewer, expected in (("ken", 200), ("mio", 404)):
        web = client_as(app, viewer).get("/cases/ken-idea").status_code
        headers = bearer(make_token(app, viewer, "read"))
        api = app.test_client()
        assert (web, api.get("/api/v1/cases/ken-idea", headers=headers).status_code) == (
            expected,
            expected,
        )
        listed = _slugs(api.get("/api/v1/cases", headers=headers))
        assert ("ken-idea" in listed) == (expected == 200)
