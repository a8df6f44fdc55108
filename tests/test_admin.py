"""Admin pages: the user list, roles, verification by hand and the verified staff domains."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from community.auth.models import Role, User, VerifiedDomain
from community.extensions import db
from tests.conftest import login
from tests.factories import make_user as build_user

ON_POSTGRES = os.environ.get("KAKEHASHI_TEST_DB", "sqlite").startswith("postgres")


# --- helpers ----------------------------------------------------------------------------------


def as_admin(client, make_user, username: str = "boss", **kwargs):
    admin = make_user(username=username, role=Role.ADMIN, **kwargs)
    assert login(client, username).status_code == 302
    return admin


@pytest.fixture
def csrf_admin(client, make_user, request):
    """Logged in as an admin, then CSRF protection on (so that admin pages render)."""
    boss = as_admin(client, make_user)
    request.getfixturevalue("csrf_on")
    return boss


def get_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def domains(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(VerifiedDomain.domain).order_by(VerifiedDomain.domain))
        )


def domain_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(VerifiedDomain.id).where(VerifiedDomain.domain == name))


def snapshot(app):
    """Everything an admin action could change."""
    with app.app_context():
        users = db.session.execute(
            select(
                User.id,
                User.email,
                User.username,
                User.display_name,
                User.role,
                User.verified_staff,
                User.verified_manually,
                User.deleted_at,
            ).order_by(User.id)
        ).all()
        rows = db.session.execute(
            select(VerifiedDomain.id, VerifiedDomain.domain).order_by(VerifiedDomain.id)
        ).all()
        return [tuple(u) for u in users], [tuple(d) for d in rows]


def listed_ids(response) -> set[int]:
    """Ids of the users shown on an admin user-list page (from the role selects' ids)."""
    return {int(n) for n in re.findall(r'id="role-(\d+)"', response.get_data(as_text=True))}


def set_role(client, user_id, role):
    return client.post(f"/admin/users/{user_id}/role", data={"role": role})


def set_verification(client, user_id, value):
    return client.post(f"/admin/users/{user_id}/verification", data={"verified": value})


def add_domain(client, domain):
    return client.post("/admin/domains", data={"domain": domain})


def page_token(client) -> str:
    """A CSRF token for this client's session, from the forms on the home page."""
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# Tests that render an admin page and post from it turn CSRF on with the `csrf_on` fixture and
# send the token, as a browser would.


def bulk_users(app, n: int, prefix: str) -> list[int]:
    """n confirmed members made in one app context with one commit; returns their ids."""
    with app.app_context():
        users = [
            build_user(username=f"{prefix}{i}", display_name=f"Bulk {prefix} {i}") for i in range(n)
        ]
        db.session.commit()
        return [u.id for u in users]


# --- access -----------------------------------------------------------------------------------


def admin_requests(target_id: int, lg_id: int):
    return [
        ("GET", "/admin/users", None),
        ("GET", "/admin/users?q=a&page=2", None),
        ("GET", "/admin/domains", None),
        ("POST", f"/admin/users/{target_id}/role", {"role": "admin"}),
        ("POST", f"/admin/users/{target_id}/verification", {"verified": "yes"}),
        ("POST", "/admin/domains", {"domain": "example.org"}),
        ("POST", f"/admin/domains/{lg_id}/delete", {}),
    ]


def test_anonymous_is_sent_to_login(client, app, make_user):
    target = make_user(username="kenji")
    before = snapshot(app)
    for method, url, data in admin_requests(target.id, domain_id(app, "lg.jp")):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/auth/login"), (method, url)
    assert snapshot(app) == before


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADVISER, Role.EDITOR])
def test_non_admins_get_403_everywhere_and_change_nothing(client, app, make_user, role):
    other = make_user(username="other")
    me = make_user(username="notadmin", role=role, email="notadmin@city.example.lg.jp")
    login(client, "notadmin")
    before = snapshot(app)
    lg_id = domain_id(app, "lg.jp")
    for target in (me.id, other.id):  # promoting oneself is refused as well
        for method, url, data in admin_requests(target, lg_id):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (role, method, url)
    assert snapshot(app) == before
    assert domains(app) == ["lg.jp"]


def test_admin_pages_render_in_the_test_config(client, make_user):
    as_admin(client, make_user)
    assert client.get("/admin/users").status_code == 200
    assert client.get("/admin/domains").status_code == 200


def test_admin_pages_render_with_csrf_on(client, make_user, csrf_admin):
    boss = csrf_admin
    users = client.get("/admin/users")
    assert users.status_code == 200
    assert f'action="/admin/users/{boss.id}/role"' in users.get_data(as_text=True)
    assert f'action="/admin/users/{boss.id}/verification"' in users.get_data(as_text=True)
    assert client.get("/admin/domains").status_code == 200


def test_admin_post_without_csrf_token_is_refused(client, app, make_user, request):
    as_admin(client, make_user)
    target = make_user(username="kenji")
    request.getfixturevalue("csrf_on")
    before = snapshot(app)
    assert set_role(client, target.id, "adviser").status_code == 400
    assert set_verification(client, target.id, "yes").status_code == 400
    assert add_domain(client, "example.org").status_code == 400
    assert client.post(f"/admin/domains/{domain_id(app, 'lg.jp')}/delete").status_code == 400
    assert snapshot(app) == before
    # With the page's token the same change goes through.
    html = client.get("/admin/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        f"/admin/users/{target.id}/role", data={"role": "adviser", "csrf_token": token}
    )
    assert response.status_code == 302
    assert get_user(app, target.id).role == Role.ADVISER


# --- roles ------------------------------------------------------------------------------------


def test_admin_changes_roles(client, app, make_user):
    as_admin(client, make_user)
    kenji = make_user(username="kenji")
    for role in ("adviser", "editor", "member", "admin"):
        assert set_role(client, kenji.id, role).status_code == 302
        assert get_user(app, kenji.id).role == Role(role)


@pytest.mark.parametrize("value", ["superuser", "", "ADMIN"])
def test_invalid_role_is_rejected(client, app, make_user, value):
    as_admin(client, make_user)
    kenji = make_user(username="kenji")
    before = snapshot(app)
    assert set_role(client, kenji.id, value).status_code == 400
    assert snapshot(app) == before


def test_role_of_missing_or_deleted_user_is_404(client, app, make_user):
    as_admin(client, make_user)
    gone = make_user(username="gone")
    with app.app_context():
        from community.profiles.services import delete_account
        from tests.factories import PASSWORD

        user = db.session.get(User, gone.id)
        delete_account(user, user, PASSWORD)
        db.session.commit()
    before = snapshot(app)
    for user_id in (gone.id, 999_999):
        assert set_role(client, user_id, "adviser").status_code == 404
        assert set_verification(client, user_id, "yes").status_code == 404
    assert snapshot(app) == before


def test_last_admin_cannot_demote_themself(client, app, make_user):
    boss = as_admin(client, make_user)
    response = set_role(client, boss.id, "member")
    assert response.status_code < 500
    assert get_user(app, boss.id).role == Role.ADMIN
    kenji = make_user(username="kenji")
    assert set_role(client, kenji.id, "adviser").status_code == 302, "still an admin"


def test_admin_can_demote_themself_when_another_admin_exists(client, app, make_user):
    boss = as_admin(client, make_user)
    other = make_user(username="deputy", role=Role.ADMIN)
    assert set_role(client, boss.id, "editor").status_code == 302
    assert get_user(app, boss.id).role == Role.EDITOR
    assert get_user(app, other.id).role == Role.ADMIN
    assert client.get("/admin/users").status_code == 403


def test_admin_can_demote_another_admin(client, app, make_user):
    as_admin(client, make_user)
    other = make_user(username="deputy", role=Role.ADMIN)
    assert set_role(client, other.id, "member").status_code == 302
    assert get_user(app, other.id).role == Role.MEMBER


# --- verification by hand ---------------------------------------------------------------------


def test_verify_by_hand_survives_domain_rechecks(client, app, make_user):
    as_admin(client, make_user)
    uni = make_user(username="prof", email="prof@uni.example.ac.jp")
    assert get_user(app, uni.id).verified_staff is False
    assert set_verification(client, uni.id, "yes").status_code == 302
    user = get_user(app, uni.id)
    assert user.verified_staff is True and user.verified_manually is True
    # Adding and removing domains re-checks every account; a decision by hand stays.
    assert add_domain(client, "example.org").status_code == 302
    assert client.post(f"/admin/domains/{domain_id(app, 'example.org')}/delete").status_code == 302
    assert client.post(f"/admin/domains/{domain_id(app, 'lg.jp')}/delete").status_code == 302
    assert get_user(app, uni.id).verified_staff is True


def test_unverify_by_hand_survives_domain_rechecks(client, app, make_user):
    as_admin(client, make_user)
    staff = make_user(username="staff", email="staff@city.example.lg.jp")
    assert get_user(app, staff.id).verified_staff is True
    assert set_verification(client, staff.id, "no").status_code == 302
    user = get_user(app, staff.id)
    assert user.verified_staff is False and user.verified_manually is True
    assert add_domain(client, "example.org").status_code == 302
    assert get_user(app, staff.id).verified_staff is False


def test_auto_returns_the_badge_to_the_domain_rule(client, app, make_user):
    as_admin(client, make_user)
    staff = make_user(username="staff", email="staff@city.example.lg.jp")
    uni = make_user(username="prof", email="prof@uni.example.ac.jp")
    set_verification(client, staff.id, "no")
    set_verification(client, uni.id, "yes")
    assert set_verification(client, staff.id, "auto").status_code == 302
    assert set_verification(client, uni.id, "auto").status_code == 302
    staff_now, uni_now = get_user(app, staff.id), get_user(app, uni.id)
    assert staff_now.verified_staff is True and staff_now.verified_manually is False
    assert uni_now.verified_staff is False and uni_now.verified_manually is False
    # Back on the rule, a domain change applies again.
    client.post(f"/admin/domains/{domain_id(app, 'lg.jp')}/delete")
    assert get_user(app, staff.id).verified_staff is False


def test_auto_does_not_verify_an_unconfirmed_address(client, app, make_user):
    as_admin(client, make_user)
    staff = make_user(username="staff", email="staff@city.example.lg.jp", confirmed=False)
    assert set_verification(client, staff.id, "auto").status_code == 302
    assert get_user(app, staff.id).verified_staff is False


def test_invalid_verification_value_is_400(client, app, make_user):
    as_admin(client, make_user)
    uni = make_user(username="prof", email="prof@uni.example.ac.jp")
    before = snapshot(app)
    for value in ("maybe", "", "true"):
        assert set_verification(client, uni.id, value).status_code == 400
    assert snapshot(app) == before


# --- domains ----------------------------------------------------------------------------------


def test_adding_a_domain_verifies_confirmed_accounts_there(client, app, make_user):
    as_admin(client, make_user)
    exact = make_user(username="exact", email="a@example.org")
    sub = make_user(username="sub", email="b@city.example.org")
    unconfirmed = make_user(username="unconf", email="c@example.org", confirmed=False)
    lookalike = make_user(username="lookalike", email="d@notexample.org")
    suffix = make_user(username="suffix", email="e@example.org.evil.example.com")
    response = add_domain(client, "example.org")
    assert response.status_code == 302
    assert domains(app) == ["example.org", "lg.jp"]
    assert get_user(app, exact.id).verified_staff is True
    assert get_user(app, sub.id).verified_staff is True
    assert get_user(app, unconfirmed.id).verified_staff is False
    assert get_user(app, lookalike.id).verified_staff is False
    assert get_user(app, suffix.id).verified_staff is False


def test_added_domain_is_normalised(client, app, make_user):
    as_admin(client, make_user)
    assert add_domain(client, "  @Example.ORG ").status_code == 302
    assert domains(app) == ["example.org", "lg.jp"]


def test_removing_lg_jp_unverifies_all_but_hand_verified(client, app, make_user):
    as_admin(client, make_user)
    auto = make_user(username="auto", email="auto@city.example.lg.jp")
    by_hand = make_user(username="byhand", email="byhand@town.example.lg.jp")
    outsider = make_user(username="outsider", email="o@uni.example.ac.jp")
    set_verification(client, by_hand.id, "yes")
    set_verification(client, outsider.id, "yes")
    response = client.post(f"/admin/domains/{domain_id(app, 'lg.jp')}/delete")
    assert response.status_code == 302
    assert domains(app) == []
    assert get_user(app, auto.id).verified_staff is False
    assert get_user(app, by_hand.id).verified_staff is True
    assert get_user(app, outsider.id).verified_staff is True
    # Adding it back verifies the account again.
    assert add_domain(client, "lg.jp").status_code == 302
    assert get_user(app, auto.id).verified_staff is True


@pytest.mark.parametrize(
    "value",
    [
        "not a domain",
        "",
        "   ",
        "a..b",
        "localhost",
        "-bad.example",
        "http://example.org",
        "example.org/path",
        "exa_mple.org",
    ],
)
def test_invalid_domain_is_422_and_nothing_is_added(client, app, make_user, csrf_admin, value):
    before = snapshot(app)
    response = client.post(
        "/admin/domains", data={"domain": value, "csrf_token": page_token(client)}
    )
    assert response.status_code == 422
    assert 'name="domain"' in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize("value", ["lg.jp", "LG.JP", ".lg.jp"])
def test_duplicate_domain_is_422(client, app, make_user, csrf_admin, value):
    before = snapshot(app)
    response = client.post(
        "/admin/domains", data={"domain": value, "csrf_token": page_token(client)}
    )
    assert response.status_code == 422
    assert snapshot(app) == before


def test_removing_a_missing_domain_is_404(client, app, make_user):
    as_admin(client, make_user)
    assert client.post("/admin/domains/999999/delete").status_code == 404
    assert domains(app) == ["lg.jp"]


def test_domain_page_lists_domains_with_remove_forms(client, app, make_user, csrf_admin):
    client.post("/admin/domains", data={"domain": "example.org", "csrf_token": page_token(client)})
    html = client.get("/admin/domains").get_data(as_text=True)
    for name in ("lg.jp", "example.org"):
        assert f'action="/admin/domains/{domain_id(app, name)}/delete"' in html


# --- user list --------------------------------------------------------------------------------


def test_user_list_filters_by_email_username_and_name(client, make_user, csrf_admin):
    boss = csrf_admin
    hanako = make_user(
        username="hanako", email="h.tanaka@town.example.lg.jp", display_name="田中 花子"
    )
    kenji = make_user(username="kenji_s", email="ks@example.com", display_name="Sato Kenji")
    mori = make_user(username="mori", email="mori@uni.example.ac.jp", display_name="森 太郎")
    everyone = {boss.id, hanako.id, kenji.id, mori.id}

    assert listed_ids(client.get("/admin/users")) == everyone
    assert listed_ids(client.get("/admin/users?q=")) == everyone
    assert listed_ids(client.get("/admin/users?q=town.example")) == {hanako.id}  # email
    assert listed_ids(client.get("/admin/users?q=kenji_")) == {kenji.id}  # username
    assert listed_ids(client.get("/admin/users?q=太郎")) == {mori.id}  # display name
    assert listed_ids(client.get("/admin/users?q=ac.jp")) == {mori.id}
    assert listed_ids(client.get("/admin/users?q=KS@EXAMPLE")) == {kenji.id}
    assert listed_ids(client.get("/admin/users?q=nobody-here")) == set()
    # LIKE wildcards are taken literally.
    assert listed_ids(client.get("/admin/users?q=%25")) == set()
    assert listed_ids(client.get("/admin/users?q=_")) == {kenji.id}


def test_user_list_name_search_ignores_case(client, make_user, csrf_admin):
    hanako = make_user(username="hanako", email="h@example.com", display_name="Hanako Yamada")
    assert listed_ids(client.get("/admin/users?q=Yamada")) == {hanako.id}
    assert listed_ids(client.get("/admin/users?q=yamada")) == {hanako.id}


def test_user_list_hides_deleted_accounts(client, app, make_user, csrf_admin):
    boss = csrf_admin
    gone = make_user(username="gone")
    with app.app_context():
        from community.profiles.services import delete_account
        from tests.factories import PASSWORD

        user = db.session.get(User, gone.id)
        delete_account(user, user, PASSWORD)
        db.session.commit()
    assert listed_ids(client.get("/admin/users")) == {boss.id}
    assert listed_ids(client.get("/admin/users?q=deleted")) == set()


def test_user_list_paginates(client, app, make_user, csrf_admin):
    boss = csrf_admin
    ids = set(bulk_users(app, 60, "bulk")) | {boss.id}
    page1 = listed_ids(client.get("/admin/users"))
    page2 = listed_ids(client.get("/admin/users?page=2"))
    assert len(page1) == 50 and len(page2) == 11
    assert page1 | page2 == ids and not page1 & page2
    assert listed_ids(client.get("/admin/users?page=3")) == set()
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users?page=2"' in html
    # Paging keeps the search.
    filtered = client.get("/admin/users?q=bulk").get_data(as_text=True)
    assert re.search(r'href="/admin/users\?(q=bulk&amp;page=2|page=2&amp;q=bulk)"', filtered)


def test_user_list_query_count_does_not_grow_with_the_page(
    client, app, make_user, csrf_admin, count_queries
):
    bulk_users(app, 4, "few")

    def measure(expected_rows: int) -> int:
        client.get("/admin/users")  # warm-up
        with count_queries() as q:
            response = client.get("/admin/users")
        assert response.status_code == 200
        assert len(listed_ids(response)) == expected_rows
        return q.count

    small = measure(5)
    bulk_users(app, 55, "many")
    large = measure(50)
    assert large == small, f"{small} queries for 5 users, {large} for 50"


# --- services ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADVISER, Role.EDITOR])
def test_services_refuse_non_admin_actors(ctx, role):
    from community.admin import services as admin_services
    from community.auth import services as auth_services
    from community.errors import PermissionDenied

    actor = build_user(username="actor", role=role)
    target = build_user(username="target", email="target@uni.example.ac.jp")
    lg_id = db.session.scalar(select(VerifiedDomain.id).where(VerifiedDomain.domain == "lg.jp"))
    with pytest.raises(PermissionDenied):
        auth_services.set_role(actor, target, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        auth_services.set_role(actor, actor, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        auth_services.set_verified(actor, target, True)
    with pytest.raises(PermissionDenied):
        admin_services.add_domain(actor, "example.org")
    with pytest.raises(PermissionDenied):
        admin_services.remove_domain(actor, lg_id)
    with pytest.raises(PermissionDenied):
        admin_services.add_domain(None, "example.org")
    assert actor.role == role and target.role == Role.MEMBER and target.verified_staff is False
    assert list(db.session.scalars(select(VerifiedDomain.domain))) == ["lg.jp"]


def test_set_role_service_keeps_the_last_admin(ctx):
    from community.auth import services as auth_services
    from community.errors import ValidationFailed

    boss = build_user(username="boss", role=Role.ADMIN)
    with pytest.raises(ValidationFailed):
        auth_services.set_role(boss, boss, Role.MEMBER)
    assert boss.role == Role.ADMIN
