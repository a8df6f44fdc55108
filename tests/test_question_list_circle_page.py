"""The circle page beside its question list: it names the owner and moderators of a circle
with many members without loading every membership."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from community.auth.models import Role
from community.circles.models import CircleMembership, CircleRole, MembershipStatus
from community.extensions import db
from tests.conftest import client_as
from tests.factories import make_people
from tests.test_circles import _circle, add_membership, html, new_circle


@pytest.fixture
def big_circle(app, make_user):
    """bridges: owner boss, moderators mo1 and mo2 (mo2 joined first), 80 plain members, one
    pending request and one former moderator who was banned."""
    make_user(username="boss", role=Role.ADMIN)
    for name in ("mo2", "mo1", "gone", "asking"):
        make_user(username=name)
    new_circle(app, "boss", "bridges", "open")
    add_membership(app, "bridges", "mo2", role=CircleRole.MODERATOR)
    add_membership(app, "bridges", "mo1", role=CircleRole.MODERATOR)
    add_membership(app, "bridges", "gone", CircleRole.MODERATOR, MembershipStatus.BANNED)
    add_membership(app, "bridges", "asking", status=MembershipStatus.PENDING)
    with app.app_context():
        circle_id = _circle("bridges").id
        db.session.add_all(
            CircleMembership(circle_id=circle_id, user_id=u.id, status=MembershipStatus.ACTIVE)
            for u in make_people(80, prefix="m")
        )
        db.session.commit()
    return app


def moderator_names(response) -> list[str]:
    block = re.search(r"<h2>モデレーター</h2>(.*?)</ul>", html(response), re.S)
    assert block, "the page has a moderators card"
    return re.findall(r'href="/people/([^"]+)"', block[1])


@pytest.mark.parametrize("viewer", [None, "m3", "mo1"])
def test_circle_page_names_owner_then_moderators_and_loads_only_them(big_circle, viewer):
    loaded = []

    def count(target, _context):
        loaded.append(target.user_id)

    c = client_as(big_circle, viewer)
    event.listen(CircleMembership, "load", count)
    try:
        response = c.get("/circles/bridges")
    finally:
        event.remove(CircleMembership, "load", count)
    assert response.status_code == 200
    assert moderator_names(response) == ["boss", "mo2", "mo1"]
    # The three it names, and the viewer's own membership when signed in: not 80 members.
    assert len(loaded) <= 4, len(loaded)
