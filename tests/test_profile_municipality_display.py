"""Profiles and the directory show a picked municipality as data (name, prefecture, region)
instead of the typed text; other organisations keep their name with their kind."""

from __future__ import annotations

import re

import pytest

from community.extensions import db
from community.profiles import organisation
from community.profiles.models import Profile
from tests.conftest import login


def member(app, make_user, org: dict, **data):
    """make_user, then the organisation part of the profile form as the form applies it."""
    user = make_user(**data)
    with app.app_context():
        p = db.session.get(Profile, user.id)
        organisation.apply_choice(p, organisation.read_choice(org))
        db.session.commit()
    return user


def card(html: str, username: str) -> str:
    """The directory card of one person."""
    m = re.search(rf'href="/people/{username}".*?</li>', html, re.S)
    assert m, username
    return m.group(0)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


@pytest.fixture
def people(app, make_user):
    """A village engineer, a prefecture's office, a university, and one typed without a kind."""
    member(
        app,
        make_user,
        {"organisation_kind": "municipality", "municipality": "白川村"},
        username="shirakawa",
        visibility="public",
        fields=["bridge"],
    )
    member(
        app,
        make_user,
        {"organisation_kind": "prefecture", "municipality": "岐阜県"},
        username="gifu_pref",
        visibility="public",
    )
    member(
        app,
        make_user,
        {"organisation_kind": "university", "organisation": "架空県立<b>大学</b>"},
        username="prof",
        prefecture="38",
        visibility="public",
    )
    make_user(username="plain", organisation="何某事務所", prefecture="13", visibility="public")
    return app


def test_the_directory_shows_the_municipality_its_prefecture_and_region(client, people):
    html = client.get("/people/").get_data(as_text=True)
    assert "白川村 · 岐阜県 · 中部" in text_of(card(html, "shirakawa"))
    assert "岐阜県（都道府県庁） · 中部" in text_of(card(html, "gifu_pref"))


def test_other_organisations_keep_their_name_with_their_kind(client, people):
    html = client.get("/people/").get_data(as_text=True)
    prof = card(html, "prof")
    assert "架空県立&lt;b&gt;大学&lt;/b&gt;" in prof  # escaped
    assert "<b>" not in prof
    assert "（大学） · 愛媛県" in text_of(prof)
    assert "何某事務所 · 東京都" in text_of(card(html, "plain"))


def test_the_typed_text_gives_way_to_the_municipality(client, people, app):
    """After a merger moved the member, or any edit of the text, the municipality is shown."""
    with app.app_context():
        p = db.session.get(Profile, make_id(app, "shirakawa"))
        p.organisation = "旧 荘川村役場"
        db.session.commit()
    html = client.get("/people/").get_data(as_text=True)
    assert "荘川" not in card(html, "shirakawa")
    page = client.get("/people/shirakawa").get_data(as_text=True)
    assert "荘川" not in page
    # The directory's free text still finds the member by the municipality's name.
    found = client.get("/people/?q=白川村").get_data(as_text=True)
    assert 'href="/people/shirakawa"' in found


def make_id(app, username: str) -> int:
    from tests.factories import user_named

    with app.app_context():
        return user_named(username).id


def test_the_profile_page_shows_municipality_prefecture_and_region(client, people):
    page = text_of(client.get("/people/shirakawa").get_data(as_text=True))
    assert "市区町村白川村" in page
    assert "都道府県岐阜県" in page
    assert "地方中部" in page
    office = text_of(client.get("/people/gifu_pref").get_data(as_text=True))
    assert "岐阜県（都道府県庁）" in office
    assert "市区町村" not in office and "都道府県岐阜県地方中部" in office


def test_english_shows_kinds_and_places_in_english(client, people):
    client.set_cookie("lang", "en")
    html = client.get("/people/").get_data(as_text=True)
    assert "白川村 · Gifu · Chubu" in text_of(card(html, "shirakawa"))
    assert "(University) · Ehime" in text_of(card(html, "prof"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prefecture=21", {"shirakawa", "gifu_pref"}),
        ("region=chubu", {"shirakawa", "gifu_pref"}),
        ("prefecture=38", {"prof"}),
        ("q=白川村", {"shirakawa"}),
        ("q=架空県立", {"prof"}),
    ],
)
def test_filters_keep_working(client, people, query, expected):
    html = client.get(f"/people/?{query}").get_data(as_text=True)
    assert set(re.findall(r'class="person-head" href="/people/([^"]+)"', html)) == expected


def test_a_name_match_on_the_municipality_ranks_like_the_organisation(client, app, make_user):
    member(
        app,
        make_user,
        {"organisation_kind": "municipality", "municipality": "高山市"},
        username="town",
        visibility="public",
        bio="高山市の話",
    )
    make_user(username="mention", visibility="public", bio="高山市に行きました")
    html = client.get("/people/?q=高山市").get_data(as_text=True)
    found = re.findall(r'class="person-head" href="/people/([^"]+)"', html)
    assert found == ["town", "mention"]


TOWNS = ("012084", "162078", "212032", "216046", "294497", "394017", "473821", "131016")


def _directory_queries(client, count_queries) -> int:
    client.get("/people/")
    with count_queries() as q:
        assert client.get("/people/").status_code == 200
    return q.count


def test_directory_query_count_is_fixed_with_municipalities(client, app, make_user, count_queries):
    def add(n: int, prefix: str):
        for i in range(n):
            member(
                app,
                make_user,
                {"organisation_kind": "municipality", "municipality": TOWNS[i % len(TOWNS)]},
                username=f"{prefix}_town{i}",
                visibility="public",
            )

    make_user(username="viewer")
    login(client, "viewer")
    add(2, "a")
    small = _directory_queries(client, count_queries)
    add(16, "b")
    large = _directory_queries(client, count_queries)
    assert small == large, f"{small} queries with 2 members, {large} with 18"
    assert large <= 12


def test_profile_page_query_count_with_a_municipality(client, people, count_queries):
    client.get("/people/shirakawa")
    with count_queries() as q:
        assert client.get("/people/shirakawa").status_code == 200
    assert q.count <= 8
