"""Suspending a member and lifting it announce `user_suspended` (community/signals.py)."""

from __future__ import annotations

import pytest

from community.auth.models import Role
from community.errors import InvalidTransition
from community.extensions import db
from community.moderation import services as mod
from community.signals import user_suspended
from tests.factories import make_user


def test_suspending_and_lifting_announce_user_suspended(app):
    heard = []

    def listener(user, **kw):
        heard.append((user.username, kw["actor"].username, kw["suspended"], kw["reason"]))

    with app.app_context(), user_suspended.connected_to(listener):
        boss = make_user(username="boss", role=Role.ADMIN)
        member = make_user(username="member")
        mod.suspend(boss, member, 7, "spam")
        mod.lift_suspension(boss, member, "appealed")
        db.session.rollback()
    assert heard == [("member", "boss", True, "spam"), ("member", "boss", False, "appealed")]


def test_a_refused_suspension_announces_nothing(app):
    heard = []
    with app.app_context(), user_suspended.connected_to(lambda user, **kw: heard.append(user)):
        boss = make_user(username="boss", role=Role.ADMIN)
        with pytest.raises(InvalidTransition):
            mod.suspend(boss, boss, 7, "testing")
        db.session.rollback()
    assert heard == []
