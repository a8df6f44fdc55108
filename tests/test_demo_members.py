"""The generated demo members: spread over real municipality codes (villages and towns too,
some prefectures left empty), visibly fictional, the same every time, and quick to load."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from community import demo
from community.auth.models import User
from community.db import utcnow
from community.demo_members import PLAN, USERNAME_PREFIX, load_network_members, pick_towns
from community.extensions import db
from community.profiles.models import OrganisationKind, Profile
from community.reference.models import Municipality


@pytest.fixture
def generated(ctx):
    """Load the demo people and the generated members; the generated profiles."""
    hashed = demo.password_hash()
    demo.load_people(hashed=hashed)
    started = time.perf_counter()
    created = load_network_members(hashed)
    db.session.commit()
    elapsed = time.perf_counter() - started
    profiles = list(
        db.session.scalars(
            select(Profile).join(User).where(User.username.like(f"{USERNAME_PREFIX}%"))
        )
    )
    return created, profiles, elapsed


def test_members_spread_over_many_prefectures_with_some_left_empty(generated):
    created, profiles, _ = generated
    assert created == len(profiles) == sum(PLAN.values()) >= 100
    prefectures = {p.prefecture_code for p in profiles}
    assert len(prefectures) >= 35
    every = set(db.session.scalars(select(Profile.prefecture_code).where(
        Profile.municipality_code.is_not(None)
    )))  # fmt: skip
    empty = {f"{n:02d}" for n in range(1, 48)} - every
    assert len(empty) >= 5, "the map needs prefectures the network has not reached"


def test_members_sit_at_current_municipalities_villages_and_towns_included(generated):
    _, profiles, _ = generated
    towns = {p.municipality_code for p in profiles}
    rows = {
        m.code: m
        for m in db.session.scalars(select(Municipality).where(Municipality.code.in_(towns)))
    }
    assert set(rows) == towns
    assert all(m.retired_at is None and m.kind != "都道府県" for m in rows.values())
    kinds = Counter(m.kind for m in rows.values())
    assert kinds["村"] >= 15 and kinds["町"] >= 25 and kinds["市"] >= 25
    for p in profiles:
        town = rows[p.municipality_code]
        assert p.organisation_kind == OrganisationKind.MUNICIPALITY
        assert p.prefecture_code == town.prefecture_code
        assert p.organisation == town.name


def test_members_are_visibly_fictional_and_claim_nothing(generated):
    _, profiles, _ = generated
    for p in profiles:
        assert p.user.display_name.endswith("（架空）")
        assert ".example." in p.user.email
        assert p.bio_md == "" and p.department == "" and p.qualifications == ""
        assert p.population_band_code is None  # a band would be a claim about the place
    names = [p.user.display_name for p in profiles]
    assert len(set(names)) == len(names)


def test_activity_and_staff_badges_vary(generated):
    _, profiles, _ = generated
    verified = sum(p.user.verified_staff for p in profiles)
    assert 0 < verified < len(profiles)
    days = [(utcnow() - p.user.last_seen_at).days for p in profiles]
    assert any(d < 90 for d in days) and any(d >= 90 for d in days)


def test_loading_again_adds_nobody_and_logins_stay(generated):
    created, _, _ = generated
    logins = demo.demo_logins()
    assert load_network_members(demo.password_hash()) == 0
    count = db.session.scalar(select(func.count()).where(User.username.like(f"{USERNAME_PREFIX}%")))
    assert count == created
    assert all(not username.startswith(USERNAME_PREFIX) for _, username, _ in logins)


def test_the_same_places_every_time(ctx):
    towns = list(
        db.session.scalars(select(Municipality).where(Municipality.prefecture_code == "21"))
    )
    first = [t.code for t in pick_towns(towns, 12)]
    again = [t.code for t in pick_towns(list(reversed(towns)), 12)]
    assert first == again
    assert len(set(first)) == 9  # about one place in four has a second member
    assert pick_towns([], 3) == []


def test_generated_members_load_quickly(generated):
    _, _, elapsed = generated
    assert elapsed < 5, f"{elapsed:.2f} s"
