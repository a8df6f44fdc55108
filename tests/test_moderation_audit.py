"""The immutable audit log: what is written, the page with filters, the CSV, who may read it,
and entries that cannot be changed or deleted."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import AuditEntry
from tests import test_moderation as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_moderation import count, flag_as

# Fixtures of test_moderation.py, shared by assignment.
site = base.site


# --- audit log --------------------------------------------------------------------------------


def test_role_and_verification_changes_are_audited(app, site):
    with app.app_context():
        target = _user("asker").id
    boss = client_as(app, "boss")
    assert boss.post(f"/admin/users/{target}/role", data={"role": "editor"}).status_code == 302
    assert (
        boss.post(f"/admin/users/{target}/verification", data={"verified": "yes"}).status_code
        == 302
    )
    assert (
        boss.post(f"/admin/users/{target}/verification", data={"verified": "auto"}).status_code
        == 302
    )
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        boss_id = _user("boss").id
        assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in entries] == [
            ("set_role", boss_id, "user", target),
            ("set_verification", boss_id, "user", target),
            ("set_verification", boss_id, "user", target),
        ]
        assert (entries[0].before, entries[0].after) == ({"role": "member"}, {"role": "editor"})
        assert (entries[1].before, entries[1].after) == (
            {"verified_staff": False, "manual": False},
            {"verified_staff": True, "manual": True},
        )
        assert (entries[2].before, entries[2].after) == (
            {"verified_staff": True, "manual": True},
            {"verified_staff": False, "manual": False},
        )
    # A refused change writes nothing.
    assert (
        client_as(app, "modo")
        .post(f"/admin/users/{target}/role", data={"role": "admin"})
        .status_code
        == 403
    )
    assert count(app, AuditEntry) == 3


@pytest.fixture
def audit_log(app, site, make_user):
    """Entries by two admins: boss changes roles, root2 verifies and suspends."""
    make_user(username="root2", role=Role.ADMIN)
    with app.app_context():
        from community.auth.services import set_role, set_verified

        boss, root2 = _user("boss"), _user("root2")
        set_role(boss, _user("asker"), Role.EDITOR)
        set_role(boss, _user("helper"), Role.ADVISER)
        set_verified(root2, _user("flag1"), True)
        mod.suspend(root2, _user("flag2"), 3, '理由, "引用" 付き')
        db.session.commit()


def _audit_rows(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def test_audit_page_filters_by_action_and_actor(app, audit_log):
    boss = client_as(app, "boss")
    assert _audit_rows(boss.get("/moderation/audit").get_data(as_text=True)) == [
        "suspend",
        "set_verification",
        "set_role",
        "set_role",
    ]
    assert _audit_rows(boss.get("/moderation/audit?action=set_role").get_data(as_text=True)) == [
        "set_role",
        "set_role",
    ]
    assert _audit_rows(boss.get("/moderation/audit?actor=root2").get_data(as_text=True)) == [
        "suspend",
        "set_verification",
    ]
    assert (
        _audit_rows(
            boss.get("/moderation/audit?actor=root2&action=set_role").get_data(as_text=True)
        )
        == []
    )
    assert _audit_rows(boss.get("/moderation/audit?actor=nobody").get_data(as_text=True)) == []
    assert boss.get("/moderation/audit?since=not-a-date&page=x").status_code == 200


def test_audit_csv(app, audit_log):
    response = client_as(app, "boss").get("/moderation/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "id",
        "time_utc",
        "actor",
        "action",
        "target_type",
        "target_id",
        "circle_id",
        "reason",
        "before",
        "after",
    ]
    assert len(rows) - 1 == count(app, AuditEntry) == 4
    assert [(r[2], r[3]) for r in rows[1:]] == [
        ("root2", "suspend"),
        ("root2", "set_verification"),
        ("boss", "set_role"),
        ("boss", "set_role"),
    ]
    assert rows[1][7] == '理由, "引用" 付き', "commas and quotes survive the CSV"
    filtered = client_as(app, "boss").get("/moderation/audit.csv?action=set_role")
    assert len(list(csv.reader(io.StringIO(filtered.data.decode("utf-8-sig"))))) == 3


def test_audit_entries_of_automatic_actions_name_the_system(app, site, audit_log):
    flag_as(app, "flag1", "answer", site.a)
    flag_as(app, "flag3", "answer", site.a)
    flag_as(app, "outsider", "answer", site.a)
    rows = list(
        csv.reader(
            io.StringIO(
                client_as(app, "boss").get("/moderation/audit.csv").data.decode("utf-8-sig")
            )
        )
    )
    assert (rows[1][2], rows[1][3]) == ("system", "auto_hide")


@pytest.mark.parametrize("name", ["modo", "flag1"])
def test_audit_log_is_for_admins_only(app, audit_log, name):
    client = client_as(app, name)
    assert client.get("/moderation/audit").status_code == 403
    assert client.get("/moderation/audit.csv").status_code == 403


def test_audit_log_needs_a_login(app, audit_log):
    for path in ("/moderation/audit", "/moderation/audit.csv", "/moderation/my-flags"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_audit_entries_cannot_be_changed_or_deleted(app, audit_log):
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id))
        entry.reason = "書き換え"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id))
        db.session.delete(entry)
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 4
        assert db.session.scalar(select(AuditEntry).order_by(AuditEntry.id)).reason == ""
