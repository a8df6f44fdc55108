"""Coverage of the network: which municipalities have members, municipal staff among them,
and members active lately — per prefecture, nationally and by population band.

Three statements whatever the number of members: the municipalities in scope, the members
grouped by (municipality, declared band), the population bands. Combining them is done here in
Python over at most the ~1,700 municipalities of Japan.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from community.auth.models import User
from community.db import utcnow
from community.errors import NotFound
from community.extensions import db
from community.network.scope import require_network_access, require_prefecture, visible_prefectures
from community.profiles.models import OrganisationKind, Profile
from community.reference.models import Municipality, PopulationBand, Prefecture
from community.reference.municipalities import band_for

COUNTED_KINDS = ("市", "町", "村", "特別区")  # not the 都道府県 rows (prefectures' own offices)
ACTIVE_DAYS = 90
UNKNOWN_BAND = ""  # no official population and no member declaring one


@dataclass
class Place:
    """One municipality and its members (counts of people: suppress small ones outside admins)."""

    code: str
    prefecture_code: str
    name: str
    kana: str
    kind: str
    population: int | None
    members: int = 0
    staff: int = 0
    active: int = 0
    declared: Counter = field(default_factory=Counter)

    @property
    def covered(self) -> bool:
        return self.members > 0

    @cached_property  # read once all of its members are counted
    def band(self) -> str:
        """From the official population when known, else the band most of its members declare."""
        official = band_for(self.population)
        if official is not None:
            return official
        if self.declared:
            return min(self.declared.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return UNKNOWN_BAND


@dataclass
class Tally:
    """Counts of municipalities (not people): all, with a member, with staff, active lately."""

    total: int = 0
    covered: int = 0
    staff: int = 0
    active: int = 0

    def add(self, place: Place) -> None:
        self.total += 1
        self.covered += place.covered
        self.staff += place.staff > 0
        self.active += place.active > 0

    def share(self, part: str = "covered") -> float | None:
        """Part of the total as a fraction (None when there is nothing to count)."""
        return getattr(self, part) / self.total if self.total else None


@dataclass
class Area:
    """A prefecture, or the whole visible scope: its tally overall and per population band."""

    code: str
    name: str
    tally: Tally = field(default_factory=Tally)
    by_band: dict[str, Tally] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)

    def add(self, place: Place) -> None:
        self.tally.add(place)
        self.by_band.setdefault(place.band, Tally()).add(place)
        self.places.append(place)


@dataclass
class Coverage:
    """What the national page shows: prefectures in scope, their sum, and the band labels."""

    prefectures: list[Area]
    total: Area
    bands: list[tuple[str, str]]  # (code, label) in order, the unknown band last


def _places(codes: frozenset[str] | None) -> dict[str, Place]:
    """The counted municipalities in scope with their members' figures (two statements)."""
    stmt = select(
        Municipality.code,
        Municipality.prefecture_code,
        Municipality.name,
        Municipality.kana,
        Municipality.kind,
        Municipality.population,
    ).where(Municipality.kind.in_(COUNTED_KINDS), Municipality.retired_at.is_(None))
    if codes is not None:
        stmt = stmt.where(Municipality.prefecture_code.in_(sorted(codes)))
    places = {row.code: Place(*row) for row in db.session.execute(stmt.order_by(Municipality.code))}
    if not places:
        return places
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    staff = case((Profile.organisation_kind == OrganisationKind.MUNICIPALITY, 1), else_=0)
    active = case((User.last_seen_at >= since, 1), else_=0)
    members = (
        select(
            Profile.municipality_code,
            Profile.population_band_code,
            func.count(),
            func.sum(staff),
            func.sum(active),
        )
        .join(User, User.id == Profile.user_id)
        .where(
            Profile.municipality_code.is_not(None),
            User.deleted_at.is_(None),
            User.email_confirmed_at.is_not(None),
        )
        .group_by(Profile.municipality_code, Profile.population_band_code)
    )
    # No join to municipalities: members of uncounted ones (a prefecture's office, a retired
    # town) are dropped below, which spares a join over every member.
    if codes is not None:
        members = members.where(Profile.municipality_code.in_(sorted(places)))
    for code, band, n, n_staff, n_active in db.session.execute(members):
        place = places.get(code)
        if place is None:
            continue
        place.members += n
        place.staff += int(n_staff or 0)
        place.active += int(n_active or 0)
        if band and band != "pref":
            place.declared[band] += n
    return places


def _bands() -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(PopulationBand)
        .where(PopulationBand.code != "pref")
        .order_by(PopulationBand.position)
    )
    return [(b.code, b.name) for b in rows] + [(UNKNOWN_BAND, "")]


def national(viewer: User) -> Coverage:
    """Every prefecture the viewer may see, with its coverage, and their sum."""
    require_network_access(viewer)
    scope = visible_prefectures(viewer)
    prefs = select(Prefecture).order_by(Prefecture.code)
    if scope is not None:
        prefs = prefs.where(Prefecture.code.in_(sorted(scope)))
    areas = {p.code: Area(p.code, p.name) for p in db.session.scalars(prefs)}
    total = Area("", "")
    for place in _places(scope).values():
        areas[place.prefecture_code].add(place)
        total.add(place)
    for area in [*areas.values(), total]:
        area.places = []  # the national page lists prefectures, not municipalities
    return Coverage(list(areas.values()), total, _bands())


def prefecture(viewer: User, code: str) -> tuple[Area, list[tuple[str, str]]]:
    """One prefecture with its municipalities (404 outside the viewer's scope or unknown)."""
    require_prefecture(viewer, code)
    pref = db.session.get(Prefecture, code)
    if pref is None:
        raise NotFound()
    area = Area(pref.code, pref.name)
    for place in _places(frozenset({code})).values():
        area.add(place)
    return area, _bands()


def blank(viewer: User, code: str) -> tuple[Area, list[Place]]:
    """The prefecture's 空白自治体: counted municipalities with no member."""
    area, _bands = prefecture(viewer, code)
    return area, [p for p in area.places if not p.covered]


SMALL_CELL = 3  # fewer people than this are shown as a range outside admins


def shown_count(viewer: User, n: int) -> str:
    """A count of people as the viewer may see it: 1 or 2 become 「1〜2人」 unless an admin."""
    if 0 < n < SMALL_CELL and not viewer.is_admin:
        return _("1–2 people")
    return str(n)
