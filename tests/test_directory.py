"""The people directory: filters, free text, order, pagination, and a bounded query count."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from community.auth.models import Role, User
from community.db import utcnow
from community.extensions import db
from tests.conftest import login
from tests.factories import make_people


def names(response) -> list[str]:
    """Usernames on a directory page, in order."""
    import re

    return re.findall(
        r'class="person-head" href="/people/([^"]+)"', response.get_data(as_text=True)
    )


@pytest.fixture
def network(app, make_user):
    """Four people that differ on every filter."""
    make_user(
        username="bridge_toyama",
        display_name="富山 橋子",
        organisation="富山市",
        prefecture="16",
        population_band="ge300k",
        fields=["bridge"],
        help_topics=["inspection"],
        visibility="public",
        bio="橋梁トリアージの経験があります。",
    )
    make_user(
        username="sewer_gifu",
        display_name="岐阜 下水",
        organisation="下呂市",
        prefecture="21",
        population_band="10k-50k",
        fields=["sewer"],
        help_topics=["outsourcing"],
        visibility="public",
        bio="包括的民間委託を導入しました。",
    )
    make_user(
        username="adviser_ehime",
        display_name="愛媛 先生",
        organisation="愛媛大学",
        prefecture="38",
        role=Role.ADVISER,
        fields=["bridge"],
        help_topics=["inspection", "skill_transfer"],
        visibility="public",
    )
    make_user(
        username="village",
        email="v@vill.example.lg.jp",
        display_name="村 一人",
        organisation="十津川村",
        prefecture="29",
        population_band="lt10k",
        fields=["road", "bridge"],
        visibility="members",
    )
    return app


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("field=bridge", {"bridge_toyama", "adviser_ehime"}),
        ("field=sewer", {"sewer_gifu"}),
        ("prefecture=21", {"sewer_gifu"}),
        ("band=ge300k", {"bridge_toyama"}),
        ("topic=inspection", {"bridge_toyama", "adviser_ehime"}),
        ("topic=skill_transfer", {"adviser_ehime"}),
        ("adviser=1", {"adviser_ehime"}),
        ("q=下呂", {"sewer_gifu"}),
        ("q=トリアージ", {"bridge_toyama"}),
        ("q=愛媛", {"adviser_ehime"}),
        ("q=100%25", set()),
        ("field=bridge&prefecture=16", {"bridge_toyama"}),
    ],
)
def test_filters_for_visitors(client, network, query, expected):
    response = client.get(f"/people/?{query}")
    assert response.status_code == 200
    assert set(names(response)) == expected


def test_members_see_members_only_profiles_and_verified_filter(client, network, make_user):
    make_user(username="viewer")
    login(client, "viewer")
    assert "village" in names(client.get("/people/?field=bridge"))
    assert set(names(client.get("/people/?verified=1"))) == {"village"}


def test_free_text_ranks_name_above_bio_then_recent_activity(client, app, make_user):
    make_user(username="in_bio", display_name="A", bio="下水道のことなら", visibility="public")
    make_user(username="in_name", display_name="下水道 太郎", visibility="public")
    make_user(username="in_org", display_name="B", organisation="下水道公社", visibility="public")
    order = names(client.get("/people/?q=下水道"))
    assert order.index("in_name") < order.index("in_org") < order.index("in_bio")


def test_default_order_is_recent_activity(client, app, make_user):
    old = make_user(username="old_one", visibility="public")
    new = make_user(username="new_one", visibility="public")
    with app.app_context():
        db.session.get(User, old.id).last_seen_at = utcnow() - timedelta(days=30)
        db.session.get(User, new.id).last_seen_at = utcnow()
        db.session.commit()
    order = names(client.get("/people/"))
    assert order.index("new_one") < order.index("old_one")


def test_deleted_accounts_are_not_listed(client, app, make_user):
    user = make_user(username="gone", visibility="public")
    with app.app_context():
        from community.profiles.services import delete_account

        u = db.session.get(User, user.id)
        delete_account(u, u, "correct horse battery")
        db.session.commit()
    assert names(client.get("/people/")) == []


def test_pagination(client, app):
    with app.app_context():
        make_people(45)
        db.session.commit()
    first = names(client.get("/people/"))
    third = names(client.get("/people/?page=3"))
    assert len(first) == 20 and len(third) == 5
    assert not set(first) & set(third)
    assert client.get("/people/?page=99").status_code == 200
    assert client.get("/people/?page=abc").status_code == 200


def _directory_queries(client, count_queries, path="/people/?field=bridge") -> int:
    client.get(path)  # warm-up: last-seen updates and first-request work
    with count_queries() as q:
        response = client.get(path)
    assert response.status_code == 200
    return q.count


@pytest.mark.parametrize("logged_in", [False, True])
def test_directory_query_count_does_not_grow_with_profiles(
    client, app, make_user, count_queries, logged_in
):
    if logged_in:
        make_user(username="viewer")
        login(client, "viewer")
    with app.app_context():
        make_people(10, prefix="a")
        db.session.commit()
    small = _directory_queries(client, count_queries)
    with app.app_context():
        make_people(190, prefix="b")
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(User)) >= 200
    large = _directory_queries(client, count_queries)
    assert small == large, f"{small} queries with 10 profiles, {large} with 200"
    print(f"directory queries: {large}")
    assert large <= 12


def test_profile_page_query_count_is_fixed(client, app, count_queries):
    with app.app_context():
        make_people(1, prefix="solo")
        db.session.commit()
    client.get("/people/solo0")
    with count_queries() as q:
        assert client.get("/people/solo0").status_code == 200
    assert q.count <= 8
