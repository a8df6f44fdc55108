"""Own data: the settings page, the JSON export and deleting one's account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from community.auth.models import Role, User
from community.extensions import db
from community.profiles.models import (
    Profile,
    profile_fields,
    profile_help_topics,
    profile_learn_topics,
)
from tests.conftest import login
from tests.factories import PASSWORD

KENJI = dict(
    username="kenji",
    email="kenji.sato@city.example.lg.jp",
    display_name="佐藤 健二",
    organisation="Example City",
    department="Road Maintenance",
    job_title="Chief Engineer",
    years_experience=12,
    prefecture="13",
    population_band="lt10k",
    fields=["road", "bridge"],
    help_topics=["inspection", "budget"],
    learn_topics=["gis"],
    qualifications="1st class civil engineer",
    bio="I look after **bridges**.",
    visibility="public",
)
HANAKO = dict(
    username="hanako",
    email="hanako.tanaka@town.example.lg.jp",
    display_name="田中 花子",
    organisation="Sample Town",
    department="Water Works",
    job_title="Planner",
    prefecture="01",
    population_band="ge300k",
    fields=["water"],
    help_topics=["drone_dx"],
    bio="Secret hanako biography",
    visibility="public",
)


def users_row(app, user_id: int) -> dict:
    with app.app_context():
        row = (
            db.session.execute(select(User.__table__).where(User.__table__.c.id == user_id))
            .mappings()
            .one()
        )
        return dict(row)


def all_users(app) -> list[dict]:
    with app.app_context():
        return [
            dict(r)
            for r in db.session.execute(
                select(User.__table__).order_by(User.__table__.c.id)
            ).mappings()
        ]


def profile_rows(app, user_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Profile).where(Profile.user_id == user_id)
        )
        for table in (profile_fields, profile_help_topics, profile_learn_topics):
            count += db.session.scalar(
                select(func.count()).select_from(table).where(table.c.profile_id == user_id)
            )
        return count


# --- access -----------------------------------------------------------------------------------


def test_own_data_pages_need_login(client, app, make_user):
    make_user(username="kenji")
    before = all_users(app)
    for url in ("/settings/data", "/settings/data/export.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    response = client.post("/settings/delete", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert all_users(app) == before


def test_own_data_page_offers_export_and_delete(client, make_user):
    make_user(username="kenji")
    login(client, "kenji")
    response = client.get("/settings/data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/settings/data/export.json"' in html
    assert 'action="/settings/delete"' in html
    assert 'name="password"' in html


# --- export -----------------------------------------------------------------------------------


def test_export_is_a_json_attachment_of_own_account_and_profile(client, make_user):
    make_user(**KENJI)
    login(client, "kenji")
    response = client.get("/settings/data/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and ".json" in disposition
    assert "no-store" in response.headers.get("Cache-Control", "")

    data = json.loads(response.get_data(as_text=True))
    account, profile = data["account"], data["profile"]
    assert account["username"] == "kenji"
    assert account["email"] == KENJI["email"]
    assert account["display_name"] == KENJI["display_name"]
    assert account["role"] == "member"
    assert account["verified_staff"] is True
    assert account["email_confirmed_at"]
    assert "password_hash" not in account and "session_token" not in account
    assert profile["organisation"] == KENJI["organisation"]
    assert profile["department"] == KENJI["department"]
    assert profile["job_title"] == KENJI["job_title"]
    assert profile["years_experience"] == 12
    assert profile["prefecture"] == "13"
    assert profile["population_band"] == "lt10k"
    assert set(profile["fields"]) == {"road", "bridge"}
    assert set(profile["help_topics"]) == {"inspection", "budget"}
    assert profile["learn_topics"] == ["gis"]
    assert profile["qualifications"] == KENJI["qualifications"]
    assert profile["bio"] == KENJI["bio"]
    assert profile["visibility"] == "public"
    # Nothing secret anywhere in the file.
    body = response.get_data(as_text=True)
    assert "scrypt" not in body and "pbkdf2" not in body


def test_export_never_contains_another_users_data(client, make_user):
    make_user(**KENJI)
    make_user(**HANAKO)
    login(client, "kenji")
    for url in (
        "/settings/data/export.json",
        "/settings/data/export.json?username=hanako&user_id=2",
    ):
        body = client.get(url).get_data(as_text=True)
        assert json.loads(body)["account"]["username"] == "kenji"
        for value in (
            "hanako",
            HANAKO["email"],
            HANAKO["display_name"],
            HANAKO["organisation"],
            HANAKO["bio"],
            "drone_dx",
            "ge300k",
            "Water Works",
        ):
            assert value not in body, value
    other = client.application.test_client()
    login(other, "hanako")
    data = other.get("/settings/data/export.json").get_json()
    assert data["account"]["email"] == HANAKO["email"]
    assert data["profile"]["fields"] == ["water"]


def test_export_of_an_empty_profile(client, make_user):
    make_user(username="kenji")
    login(client, "kenji")
    data = client.get("/settings/data/export.json").get_json()
    assert data["account"]["username"] == "kenji"
    assert data["profile"]["fields"] == [] and data["profile"]["prefecture"] is None


# --- deletion ---------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["not my password", ""])
def test_delete_with_wrong_password_changes_nothing(client, app, make_user, password):
    kenji = make_user(**KENJI)
    login(client, "kenji")
    before, profile_before = all_users(app), profile_rows(app, kenji.id)
    response = client.post("/settings/delete", data={"password": password})
    assert response.status_code == 422
    assert all_users(app) == before
    assert profile_rows(app, kenji.id) == profile_before > 0
    assert client.get("/settings/profile").status_code == 200, "still logged in"


def test_delete_erases_the_account(client, app, make_user):
    kenji = make_user(**KENJI)
    make_user(**HANAKO)
    other_device = app.test_client()
    login(other_device, "kenji")
    login(client, "kenji")
    assert client.get("/people/kenji").status_code == 200
    assert profile_rows(app, kenji.id) > 0

    response = client.post("/settings/delete", data={"password": PASSWORD})
    assert response.status_code == 302

    # Logged out here and on every other device.
    assert client.get("/settings/profile").status_code == 302
    assert client.get("/settings/data/export.json").status_code == 302
    assert other_device.get("/settings/profile").status_code == 302
    # Cannot log in again, by username or by email.
    assert login(client, "kenji").status_code == 422
    assert login(client, KENJI["email"]).status_code == 422
    # The profile and its choices are gone.
    assert profile_rows(app, kenji.id) == 0
    # No trace of the old email, username or name in the users table.
    row = users_row(app, kenji.id)
    assert row["deleted_at"] is not None
    texts = [
        str(v) for r in all_users(app) if r["id"] == kenji.id for v in r.values() if v is not None
    ]
    for old in (KENJI["email"], "kenji.sato", "city.example.lg.jp", KENJI["display_name"], "kenji"):
        assert not any(old in t for t in texts), old
    assert row["display_name"] in ("", None)
    assert row["verified_staff"] is False
    # The profile page is gone for everyone.
    assert client.get("/people/kenji").status_code == 404
    login(client, "hanako")
    assert client.get("/people/kenji").status_code == 404
    assert client.get(f"/people/{row['username']}").status_code == 404


def test_other_accounts_are_untouched_by_a_deletion(client, app, make_user):
    make_user(**KENJI)
    hanako = make_user(**HANAKO)
    before = users_row(app, hanako.id), profile_rows(app, hanako.id)
    login(client, "kenji")
    assert client.post("/settings/delete", data={"password": PASSWORD}).status_code == 302
    assert (users_row(app, hanako.id), profile_rows(app, hanako.id)) == before
    assert login(client, "hanako").status_code == 302


def test_last_admin_cannot_delete_their_account(client, app, make_user):
    boss = make_user(username="boss", role=Role.ADMIN)
    make_user(username="kenji")
    login(client, "boss")
    before = all_users(app)
    response = client.post("/settings/delete", data={"password": PASSWORD})
    assert response.status_code == 422
    assert all_users(app) == before
    assert users_row(app, boss.id)["role"] == "admin"
    assert client.get("/settings/profile").status_code == 200


def test_an_admin_can_delete_their_account_when_another_admin_exists(client, app, make_user):
    boss = make_user(username="boss", role=Role.ADMIN)
    deputy = make_user(username="deputy", role=Role.ADMIN)
    login(client, "boss")
    assert client.post("/settings/delete", data={"password": PASSWORD}).status_code == 302
    assert users_row(app, boss.id)["deleted_at"] is not None
    assert users_row(app, boss.id)["role"] != "admin"
    assert users_row(app, deputy.id)["role"] == "admin"


def test_delete_needs_the_csrf_token(client, app, make_user, request):
    kenji = make_user(**KENJI)
    login(client, "kenji")
    request.getfixturevalue("csrf_on")
    before = all_users(app)
    assert client.post("/settings/delete", data={"password": PASSWORD}).status_code == 400
    assert all_users(app) == before and profile_rows(app, kenji.id) > 0


def test_service_refuses_to_delete_someone_elses_account(ctx):
    from community.errors import PermissionDenied
    from community.profiles.services import delete_account
    from tests.factories import make_user as build_user

    kenji = build_user(username="kenji")
    hanako = build_user(username="hanako", email="hanako@example.com")
    boss = build_user(username="boss", role=Role.ADMIN)
    for actor in (kenji, boss):
        with pytest.raises(PermissionDenied):
            delete_account(actor, hanako, PASSWORD)
    db.session.flush()
    assert hanako.deleted_at is None and hanako.email == "hanako@example.com"
    assert hanako.profile is not None and hanako.check_password(PASSWORD)


def test_export_includes_own_posts_only(client, app, make_user):
    from tests import qa_helpers

    me = make_user(username="writer")
    other = make_user(username="other_writer")
    with app.app_context():
        mine = qa_helpers.ask(me.id, title="自分の質問のタイトルです")
        theirs = qa_helpers.ask(other.id, title="他人の質問のタイトルです")
        qa_helpers.answer(me.id, theirs, body="自分の回答の本文です。")
        qa_helpers.answer(other.id, mine, body="他人の回答の本文です。")
        db.session.commit()
    login(client, "writer")
    data = client.get("/settings/data/export.json").get_json()
    assert [q["title"] for q in data["posts"]["questions"]] == ["自分の質問のタイトルです"]
    assert [a["body"] for a in data["posts"]["answers"]] == ["自分の回答の本文です。"]


def test_deleted_authors_posts_stay_as_by_a_deleted_member(client, app, make_user):
    from tests import qa_helpers

    me = make_user(username="leaver", display_name="去る人")
    with app.app_context():
        qid = qa_helpers.ask(me.id, title="残る質問のタイトルです").id
        db.session.commit()
    login(client, "leaver")
    assert client.post("/settings/delete", data={"password": PASSWORD}).status_code == 302
    page = client.get(f"/questions/{qid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        "残る質問のタイトルです" in html and "去る人" not in html and "/people/deleted-" not in html
    )
