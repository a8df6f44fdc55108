"""Who sees the network view: admins all, coordinators their prefectures, everyone else 404;
admins appoint and remove coordinators (CSRF form, audited, Japanese errors)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from community.auth.models import User
from community.extensions import db
from community.moderation.models import AuditEntry
from community.network import scope
from community.network.models import CoordinatorAppointment
from tests.conftest import client_as, login
from tests.factories import make_user

GIFU, NAGANO = "21", "20"
PAGES = [
    "/network/",
    "/network/prefectures/{pref}",
    "/network/prefectures/{pref}/blank.csv",
    "/network/prefectures/{pref}/invitation",
    "/network/coordinators",
]


@pytest.fixture
def people(app):
    with app.app_context():
        coord = make_user(username="gifu_coord")
        both = make_user(username="two_prefs")
        db.session.add_all(
            [
                CoordinatorAppointment(user=coord, prefecture_code=GIFU),
                CoordinatorAppointment(user=both, prefecture_code=GIFU),
                CoordinatorAppointment(user=both, prefecture_code=NAGANO),
            ]
        )
        make_user(username="boss", role="admin")
        make_user(username="plain")
        make_user(username="editor1", role="editor")
        db.session.commit()


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_visible_prefectures(app, people):
    with app.test_request_context():
        assert scope.visible_prefectures(_user("boss")) is None
        assert scope.visible_prefectures(_user("gifu_coord")) == frozenset({GIFU})
        assert scope.visible_prefectures(_user("two_prefs")) == frozenset({GIFU, NAGANO})
        assert scope.visible_prefectures(_user("plain")) == frozenset()
        from flask_login import AnonymousUserMixin

        assert scope.visible_prefectures(AnonymousUserMixin()) == frozenset()


@pytest.mark.parametrize("who", [None, "plain", "editor1"])
@pytest.mark.parametrize("path", PAGES)
def test_everyone_else_gets_404(app, people, who, path):
    c = client_as(app, who)
    assert c.get(path.format(pref=GIFU)).status_code == 404


def test_coordinator_of_gifu_gets_404_for_nagano(app, people):
    c = client_as(app, "gifu_coord")
    for path in PAGES[1:4]:
        assert c.get(path.format(pref=GIFU)).status_code == 200, path
        assert c.get(path.format(pref=NAGANO)).status_code == 404, path
    assert c.get("/network/coordinators").status_code == 404  # admins only
    assert c.get("/network/prefectures/99").status_code == 404
    assert c.get("/network/prefectures/x1").status_code == 404


def test_admin_sees_every_prefecture(app, people):
    c = client_as(app, "boss")
    for pref in (GIFU, NAGANO, "01", "47"):
        assert c.get(f"/network/prefectures/{pref}").status_code == 200
    assert c.get("/network/prefectures/48").status_code == 404  # no such prefecture
    assert c.get("/network/").status_code == 200


def test_header_link_for_admins_and_coordinators_only(app, people):
    link = 'href="/network/"'
    assert link in client_as(app, "boss").get("/").get_data(as_text=True)
    assert link in client_as(app, "gifu_coord").get("/").get_data(as_text=True)
    assert link not in client_as(app, "plain").get("/").get_data(as_text=True)
    assert link not in client_as(app, None).get("/").get_data(as_text=True)


def test_admin_appoints_and_removes_a_coordinator(app, people):
    c = client_as(app, "boss")
    resp = c.post("/network/coordinators", data={"username": "plain", "prefecture": NAGANO})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session.scalar(
            select(CoordinatorAppointment)
            .join(CoordinatorAppointment.user)
            .where(User.username == "plain")
        )
        assert row.prefecture_code == NAGANO
        appointment_id = row.id
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "appoint_coordinator")
        )
        assert entry.after == {"prefecture": NAGANO}
    page = c.get("/network/coordinators").get_data(as_text=True)
    assert "を長野県の群マネ担当に任命しました" in page
    plain = client_as(app, "plain")
    assert plain.get(f"/network/prefectures/{NAGANO}").status_code == 200
    assert plain.get(f"/network/prefectures/{GIFU}").status_code == 404
    resp = c.post(f"/network/coordinators/{appointment_id}/remove")
    assert resp.status_code == 302
    assert plain.get(f"/network/prefectures/{NAGANO}").status_code == 404
    assert c.post(f"/network/coordinators/{appointment_id}/remove").status_code == 404
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "remove_coordinator")
        ).before == {"prefecture": NAGANO}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "nobody", "prefecture": GIFU}, "このユーザー名のメンバーはいません。"),
        ({"username": "plain", "prefecture": "99"}, "都道府県を選んでください。"),
        ({"username": "gifu_coord", "prefecture": GIFU}, "すでに岐阜県の群マネ担当です"),
        ({"username": "", "prefecture": GIFU}, "This field is required"),
    ],
)
def test_bad_appointments_are_refused_in_japanese(app, people, data, message):
    c = client_as(app, "boss")
    resp = c.post("/network/coordinators", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    if message.isascii():
        assert 'aria-invalid="true"' in html
    else:
        assert message in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(CoordinatorAppointment.id))) == 3


def test_non_admin_cannot_appoint(app, people):
    c = client_as(app, "gifu_coord")
    resp = c.post("/network/coordinators", data={"username": "plain", "prefecture": GIFU})
    assert resp.status_code == 404
    assert c.post("/network/coordinators/1/remove").status_code == 404


def test_appointing_needs_the_csrf_token(app, people, csrf_on):
    c = app.test_client()
    page = c.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    c.post(
        "/auth/login",
        data={"identifier": "boss", "password": "correct horse battery", "csrf_token": token[1]},
    )
    resp = c.post("/network/coordinators", data={"username": "plain", "prefecture": GIFU})
    assert resp.status_code == 400
    form = c.get("/network/coordinators").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', form)[1]
    data = {"username": "plain", "prefecture": GIFU, "csrf_token": token}
    assert c.post("/network/coordinators", data=data).status_code == 302


def test_an_appointment_shows_the_link_from_the_next_login(app, people):
    c = client_as(app, "plain")
    boss = client_as(app, "boss")
    boss.post("/network/coordinators", data={"username": "plain", "prefecture": GIFU})
    assert c.get(f"/network/prefectures/{GIFU}").status_code == 200  # access at once
    c.post("/auth/logout")
    assert login(c, "plain").status_code == 302
    assert 'href="/network/"' in c.get("/").get_data(as_text=True)
