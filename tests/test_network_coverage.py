"""Coverage of the network view against hand-checkable fixtures: who counts, by prefecture,
by population band, small-cell suppression, the 空白自治体 CSV and a bounded query count."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from community.auth.models import User
from community.db import utcnow
from community.extensions import db
from community.network import coverage
from community.network.models import CoordinatorAppointment
from community.profiles.models import OrganisationKind
from community.reference.models import Municipality
from tests.conftest import client_as
from tests.factories import make_user

GIFU, NAGANO = "21", "20"
GIFU_CITY, OGAKI, TAKAYAMA, SHIRAKAWA = "212016", "212024", "212032", "216046"
GIFU_OFFICE, NAGANO_CITY = "210005", "202011"
MUNI, COMPANY, OTHER = (
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.COMPANY,
    OrganisationKind.OTHER,
)


def _member(username, town, kind, *, seen_days=0, band=None, **extra):
    user = make_user(username=username, **extra)
    user.profile.municipality_code = town
    user.profile.organisation_kind = kind
    user.profile.population_band_code = band
    user.last_seen_at = utcnow() - timedelta(days=seen_days)
    return user


@pytest.fixture
def populations(app):
    """Official populations for two towns; reference rows outlive tests, so they are undone."""
    with app.app_context():
        for code, n in ((GIFU_CITY, 400_000), (SHIRAKAWA, 1_500)):
            db.session.execute(
                update(Municipality).where(Municipality.code == code).values(population=n)
            )
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(update(Municipality).values(population=None))
        db.session.commit()


@pytest.fixture
def network(app, populations):
    """岐阜県: 岐阜市 2 members (1 staff, 1 active), 高山市 3 staff seen 100 days ago, 白川村 1
    active; not counted: a deleted and an unconfirmed member in 大垣市, one at 岐阜県's own
    office. 長野県: 長野市 1 member. Coordinators: gifu_coord (21), admin."""
    with app.app_context():
        _member("gifu1", GIFU_CITY, MUNI, band="10k-50k")
        _member("gifu2", GIFU_CITY, COMPANY, seen_days=200)
        for i in range(3):
            band = "50k-100k" if i < 2 else "10k-50k"
            _member(f"taka{i}", TAKAYAMA, MUNI, seen_days=100, band=band)
        _member("shira", SHIRAKAWA, OTHER, seen_days=10)
        _member("gone", OGAKI, MUNI).deleted_at = utcnow()
        _member("unconfirmed", OGAKI, MUNI, confirmed=False)
        _member("office", GIFU_OFFICE, OrganisationKind.PREFECTURE)
        _member("naga", NAGANO_CITY, MUNI)
        coord = make_user(username="gifu_coord")
        db.session.add(CoordinatorAppointment(user=coord, prefecture_code=GIFU))
        make_user(username="boss", role="admin")
        make_user(username="plain")
        db.session.commit()


def _counted(app, prefecture=None) -> int:
    with app.app_context():
        stmt = select(func.count()).where(
            Municipality.kind.in_(coverage.COUNTED_KINDS), Municipality.retired_at.is_(None)
        )
        if prefecture:
            stmt = stmt.where(Municipality.prefecture_code == prefecture)
        return db.session.scalar(stmt)


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_prefecture_and_national_figures_are_exact(app, network):
    with app.test_request_context():
        area, _bands = coverage.prefecture(_user("boss"), GIFU)
        assert area.tally.total == 42 == _counted(app, GIFU)
        assert (area.tally.covered, area.tally.staff, area.tally.active) == (3, 2, 2)
        places = {p.code: p for p in area.places}
        assert (places[GIFU_CITY].members, places[GIFU_CITY].staff, places[GIFU_CITY].active) == (
            2,
            1,
            1,
        )
        assert (places[TAKAYAMA].members, places[TAKAYAMA].staff, places[TAKAYAMA].active) == (
            3,
            3,
            0,
        )
        assert places[OGAKI].members == 0  # deleted and unconfirmed members do not count
        assert GIFU_OFFICE not in places  # the prefecture's own office is not a municipality
        data = coverage.national(_user("boss"))
        assert len(data.prefectures) == 47
        assert data.total.tally.total == _counted(app)
        assert (data.total.tally.covered, data.total.tally.staff, data.total.tally.active) == (
            4,
            3,
            3,
        )
        nagano = next(a for a in data.prefectures if a.code == NAGANO)
        assert (nagano.tally.covered, nagano.tally.total) == (1, 77)


def test_population_band_official_first_then_declared(app, network):
    with app.test_request_context():
        area, _ = coverage.prefecture(_user("boss"), GIFU)
        places = {p.code: p for p in area.places}
        assert places[GIFU_CITY].band == "ge300k"  # official, over the declared 10k-50k
        assert places[SHIRAKAWA].band == "lt10k"
        assert places[TAKAYAMA].band == "50k-100k"  # two of three members declared it
        assert places[OGAKI].band == coverage.UNKNOWN_BAND
        by_band = area.by_band
        assert (by_band["ge300k"].total, by_band["ge300k"].covered) == (1, 1)
        assert (by_band["lt10k"].total, by_band["lt10k"].covered, by_band["lt10k"].active) == (
            1,
            1,
            1,
        )
        assert by_band[coverage.UNKNOWN_BAND].total == 39
        assert by_band[coverage.UNKNOWN_BAND].covered == 0


def test_coordinator_sees_only_their_prefecture_in_the_national_sum(app, network):
    with app.test_request_context():
        data = coverage.national(_user("gifu_coord"))
        assert [a.code for a in data.prefectures] == [GIFU]
        assert (data.total.tally.total, data.total.tally.covered) == (42, 3)


def test_national_page(app, network):
    page = client_as(app, "gifu_coord").get("/network/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/network/prefectures/{GIFU}"' in html
    assert f"/network/prefectures/{NAGANO}" not in html  # on the map, but without data or link
    assert "3 / 42" in html and "7%" in html


def test_prefecture_page_suppresses_small_counts_outside_admins(app, network):
    html = client_as(app, "gifu_coord").get(f"/network/prefectures/{GIFU}").get_data(as_text=True)
    assert "1〜2人" in html  # 岐阜市 (2) and 白川村 (1)
    assert html.count("1〜2人") == 3  # two rows and the note under the table
    assert "白川村" in html and "大垣市" in html
    admin = client_as(app, "boss").get(f"/network/prefectures/{GIFU}").get_data(as_text=True)
    assert "1〜2人" not in admin
    assert "<td>2</td>" in admin and "<td>3</td>" in admin


def test_blank_csv_lists_the_uncovered_municipalities(app, network):
    resp = client_as(app, "gifu_coord").get(f"/network/prefectures/{GIFU}/blank.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert 'filename="blank-municipalities-21.csv"' in resp.headers["Content-Disposition"]
    text = resp.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["団体コード", "団体名", "フリガナ", "種別", "人口"]
    codes = [r[0] for r in rows[1:]]
    assert len(codes) == 42 - 3
    assert OGAKI in codes and GIFU_CITY not in codes and SHIRAKAWA not in codes
    assert GIFU_OFFICE not in codes
    assert ["212024", "大垣市", "オオガキシ", "市", ""] in rows


def test_invitation_names_the_municipality_and_links_to_registration(app, network):
    c = client_as(app, "gifu_coord")
    html = c.get(f"/network/prefectures/{GIFU}/invitation?municipality={OGAKI}").get_data(
        as_text=True
    )
    assert "大垣市 技術系職員のみなさま" in html
    assert "/auth/register" in html and "mailto:?subject=" in html
    assert (
        c.get(f"/network/prefectures/{GIFU}/invitation?municipality={NAGANO_CITY}").status_code
        == 404
    )


def _page_queries(app, count_queries, path):
    c = client_as(app, "gifu_coord")
    c.get(path)  # warm: the login's first page, cached reference rows
    with count_queries() as q:
        assert c.get(path).status_code == 200
    return q.count


def test_query_count_does_not_grow_with_members(app, network, count_queries):
    paths = ["/network/", f"/network/prefectures/{GIFU}", f"/network/prefectures/{GIFU}/blank.csv"]
    before = [_page_queries(app, count_queries, p) for p in paths]
    with app.app_context():
        towns = list(
            db.session.scalars(
                select(Municipality.code).where(
                    Municipality.prefecture_code == GIFU, Municipality.kind != "都道府県"
                )
            )
        )
        for i, town in enumerate(towns * 2):
            _member(f"many{i}", town, MUNI if i % 2 else COMPANY, seen_days=i, band="lt10k")
        db.session.commit()
    after = [_page_queries(app, count_queries, p) for p in paths]
    assert after == before
    assert max(after) <= 10, after


@pytest.fixture
def ogaki_retired(app):
    """大垣市 retired (merged); reference rows outlive tests, so this is undone."""
    from datetime import date

    with app.app_context():
        db.session.execute(
            update(Municipality)
            .where(Municipality.code == OGAKI)
            .values(retired_at=date(2026, 4, 1))
        )
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(update(Municipality).values(retired_at=None))
        db.session.commit()


def test_retired_municipalities_and_their_members_are_not_counted(app, network, ogaki_retired):
    with app.app_context():
        _member("ogaki_left", OGAKI, MUNI)
        db.session.commit()
    with app.test_request_context():
        area, _ = coverage.prefecture(_user("gifu_coord"), GIFU)
        assert area.tally.total == 41 and area.tally.covered == 3
        assert OGAKI not in {p.code for p in area.places}
