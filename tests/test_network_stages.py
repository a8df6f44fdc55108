"""Members' problem stages over time: the history (one row per change, wherever it is made)
and the /network/stages page against hand-checkable fixtures (both databases).

Period 2026-08 … 2026-10 (JST), members of 岐阜県 (21) unless said (a1 is `aa1`, n1 `nn1`…):
  a1: 07-15 None→1 (before the period); 08-01 00:30 JST 1→2 (still July in UTC); 10-05 2→3.
  a2: 07-20 None→2 (before); 09-01 00:30 JST 2→3 (still August in UTC).
  a3: 08-10 None→1; 09-10 1→3; 11-01 00:10 JST 3→2 (still October in UTC: outside the period).
  a4: 08-05 None→1; 08-20 1→2; 09-25 2→1 (back).
  n1 (長野県, 20): 08-15 None→3; 10-10 3→None (cleared).
  d1: 08-12 None→1, then the account deleted: left out.
→ 岐阜県: August 1→2 ×2, first set ×2, at the end 1/3/0 (stage 1/2/3);
  September 2→3, 1→3, back ×1, at the end 1/1/2; October 2→3, at the end 1/0/3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from community.auth.models import Role
from community.extensions import db
from community.network import kpis_cells, stages
from community.network.stage_history import ProfileStageChange
from tests.conftest import client_as
from tests.factories import make_user, user_named

JST = timedelta(hours=9)
S = kpis_cells.SUPPRESSED


def jst(*args) -> datetime:
    """A JST wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC) - JST


def _person(username, pref=None, role=Role.MEMBER):
    user = make_user(username=username, role=role)
    user.profile.prefecture_code = pref
    return user


def _change(user, when, old, new):
    db.session.add(
        ProfileStageChange(user_id=user.id, from_stage=old, to_stage=new, changed_at=when)
    )


@pytest.fixture
def history(app):
    with app.app_context():
        _person("boss", role=Role.ADMIN)
        _person("member", pref="21")
        a1, a2, a3, a4 = (_person(f"aa{i}", "21") for i in range(1, 5))
        n1, d1 = _person("nn1", "20"), _person("dd1", "21")
        for user, when, old, new in [
            (a1, jst(2026, 7, 15, 9), None, 1),
            (a1, jst(2026, 8, 1, 0, 30), 1, 2),
            (a1, jst(2026, 10, 5, 9), 2, 3),
            (a2, jst(2026, 7, 20, 9), None, 2),
            (a2, jst(2026, 9, 1, 0, 30), 2, 3),
            (a3, jst(2026, 8, 10, 9), None, 1),
            (a3, jst(2026, 9, 10, 9), 1, 3),
            (a3, jst(2026, 11, 1, 0, 10), 3, 2),
            (a4, jst(2026, 8, 5, 9), None, 1),
            (a4, jst(2026, 8, 20, 9), 1, 2),
            (a4, jst(2026, 9, 25, 9), 2, 1),
            (n1, jst(2026, 8, 15, 9), None, 3),
            (n1, jst(2026, 10, 10, 9), 3, None),
            (d1, jst(2026, 8, 12, 9), None, 1),
        ]:
            _change(user, when, old, new)
        d1.deleted_at = jst(2026, 9, 1, 9)
        db.session.commit()


def _rows(viewer="boss", **args) -> dict[str, dict]:
    user = user_named(viewer)
    filters = stages.parse_filters(user, {"from": "2026-08", "to": "2026-10", **args})
    return dict(stages.stage_table(user, filters).rows)


def _moves(cells) -> tuple:
    keys = ("up_1_2", "up_2_3", "up_1_3", "back", "first_set", "cleared")
    return tuple(cells[k] for k in keys)


def _at(cells) -> tuple:
    return cells["at_1"], cells["at_2"], cells["at_3"]


# --- the history ------------------------------------------------------------------------------


def _history(username) -> list[tuple]:
    user = user_named(username)
    rows = db.session.execute(
        select(ProfileStageChange.from_stage, ProfileStageChange.to_stage)
        .where(ProfileStageChange.user_id == user.id)
        .order_by(ProfileStageChange.id)
    )
    return [tuple(r) for r in rows]


def test_the_navigator_records_each_change_once(app):
    with app.app_context():
        make_user(username="walker")
        db.session.commit()
    c = client_as(app, "walker")
    assert c.post("/support/stage", data={"stage": "2"}).status_code == 302
    assert c.post("/support/stage", data={"stage": "2"}).status_code == 302  # unchanged
    assert c.post("/support/stage", data={"stage": "3"}).status_code == 302
    with app.app_context():
        assert _history("walker") == [(None, 2), (2, 3)]
        changed_at = db.session.scalar(select(func.max(ProfileStageChange.changed_at)))
        assert datetime.now(UTC) - changed_at < timedelta(minutes=5)


def test_the_profile_form_leaves_the_stage_and_the_history_alone(app):
    with app.app_context():
        make_user(username="editor1")
        db.session.commit()
    c = client_as(app, "editor1")
    assert c.post("/support/stage", data={"stage": "1"}).status_code == 302
    form = {"display_name": "田中 健一", "prefecture": "21", "visibility": "members"}
    assert c.post("/settings/profile", data=form).status_code == 302
    with app.app_context():
        assert user_named("editor1").profile.prefecture_code == "21"
        assert user_named("editor1").profile.problem_stage == 1
        assert _history("editor1") == [(None, 1)]


def test_any_writer_is_recorded_in_its_transaction_and_a_rollback_leaves_none(app):
    with app.app_context():
        user = make_user(username="writer")
        user.profile.problem_stage = 1
        db.session.commit()
        user.profile.problem_stage = 3  # the profile expired at commit: the old value is loaded
        db.session.commit()
        user.profile.problem_stage = 3
        db.session.commit()
        user.profile.problem_stage = 2
        db.session.flush()
        db.session.rollback()
        assert _history("writer") == [(None, 1), (1, 3)]


# --- the figures ------------------------------------------------------------------------------


def test_moves_and_end_of_month_stages_by_jst_month(app, history):
    with app.app_context():
        rows = _rows(prefecture="21")
    aug, sep, oct_ = rows["2026-08"], rows["2026-09"], rows["2026-10"]
    assert _moves(aug) == (2, 0, 0, 0, 2, 0)  # a1's 1→2 is August in JST, July in UTC
    assert _at(aug) == (1, 3, 0)
    assert _moves(sep) == (0, 1, 1, 1, 0, 0)  # a2's 2→3 is September in JST
    assert _at(sep) == (1, 1, 2)
    assert _moves(oct_) == (0, 1, 0, 0, 0, 0)  # a3's 3→2 is November in JST
    assert _at(oct_) == (1, 0, 3)


def test_national_view_counts_every_prefecture_and_leaves_deleted_accounts_out(app, history):
    with app.app_context():
        rows = _rows()
    assert rows["2026-08"]["first_set"] == 3  # a3, a4, n1; not d1
    assert _at(rows["2026-08"]) == (1, 3, 1)
    assert rows["2026-10"]["cleared"] == 1
    assert _at(rows["2026-10"]) == (1, 0, 3)


@pytest.fixture
def coordinator(app, history):
    """`coord`, a member appointed coordinator of 岐阜県 (21)."""
    from community.network import coordinators

    with app.app_context():
        _person("coord")
        coordinators.appoint(user_named("boss"), "coord", "21")
        db.session.commit()
    return client_as(app, "coord")


def test_coordinator_sees_their_prefecture_with_small_cells_suppressed(app, coordinator):
    with app.app_context():
        rows = _rows("coord")
    aug, oct_ = rows["2026-08"], rows["2026-10"]
    assert _moves(aug) == (S, 0, 0, 0, S, 0)
    assert _at(aug) == (S, 3, 0)  # 長野県's n1 is outside the scope
    assert _at(oct_) == (S, 0, 3)
    page = coordinator.get("/network/stages?from=2026-08&to=2026-10")
    assert page.status_code == 200
    assert "–" in page.get_data(as_text=True)
    assert coordinator.get("/network/stages?prefecture=21").status_code == 200


def test_coordinator_outside_scope_members_and_visitors_get_404(app, coordinator):
    for path in ("/network/stages", "/network/stages.csv"):
        assert coordinator.get(f"{path}?prefecture=20").status_code == 404
        for username in (None, "member", "aa1"):
            assert client_as(app, username).get(path).status_code == 404, (username, path)


def test_admin_page_and_csv(app, history):
    admin = client_as(app, "boss")
    page = admin.get("/network/stages?from=2026-08&to=2026-10&prefecture=21")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-09" in html and "stages.csv?from=2026-08" in html
    assert "課題ステータスの推移" in html and "ステータス1→2" in html
    assert "/network/stages" in admin.get("/network/").get_data(as_text=True)
    resp = admin.get("/network/stages.csv?from=2026-08&to=2026-10&prefecture=21")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "kakehashi-stages-2026-08-2026-10.csv" in resp.headers["Content-Disposition"]
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 4
    assert lines[1] == "2026-08,2,0,0,0,2,0,1,3,0"
    assert lines[3] == "2026-10,0,1,0,0,0,0,1,0,3"


def test_csv_suppresses_for_coordinators(app, coordinator):
    resp = coordinator.get("/network/stages.csv?from=2026-08&to=2026-10")
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[1] == "2026-08,x,0,0,0,x,0,x,3,0"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13", "年と月で指定"),
        ("to=26-10", "年と月で指定"),
        ("from=2026-10&to=2026-08", "開始月は終了月より前"),
        ("prefecture=99", "都道府県の指定"),
    ],
)
def test_bad_filters_are_400_with_a_japanese_message(app, history, query, message):
    admin = client_as(app, "boss")
    for path in ("/network/stages", "/network/stages.csv"):
        resp = admin.get(f"{path}?{query}")
        assert resp.status_code == 400, (path, query)
        assert message in resp.get_data(as_text=True), (path, query)


def test_default_period_is_the_last_12_months(app, history):
    with app.app_context():
        filters = stages.parse_filters(user_named("boss"), {})
    assert len(filters.months) == 12


def test_page_loads_in_a_fixed_number_of_statements(app, history, count_queries):
    admin = client_as(app, "boss")
    url = "/network/stages?from=2026-01&to=2026-12&prefecture=21"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        for i in range(30):
            user = _person(f"more{i}", "21")
            _change(user, jst(2026, 3, 1 + i % 28, 9), None, 1 + i % 3)
            _change(user, jst(2026, 6, 1 + i % 28, 9), 1 + i % 3, 3)
        db.session.commit()
    with count_queries() as many:
        assert admin.get(url).status_code == 200
    assert many.count == few.count
    assert few.count <= 8, few.statements
