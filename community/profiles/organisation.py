"""A profile's organisation as data: the municipality picker, other typed organisations, and
matching the free text members wrote before there was a list."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from community.errors import ValidationFailed
from community.extensions import db
from community.profiles.models import PICKED_KINDS, OrganisationKind, Profile
from community.reference import municipalities
from community.reference.models import Municipality

STAFF_MAX = 10_000
# What may follow a municipality's name in a free-text organisation: its office, then a
# department (黒部市役所 建設課, 白川村役場, 岐阜県庁 道路課, 高山市 都市整備部).
TRAILER_RE = re.compile(
    r"^(役場|役所|市役所|町役場|村役場|区役所|庁|庁舎|県庁|都庁|府庁|道庁)?"
    r"(.{0,30}(課|部|局|室|係|班|グループ|事務所|センター))?$"
)


@dataclass
class Choice:
    """What the profile form chose, checked but not yet written."""

    kind: OrganisationKind | None
    municipality: Municipality | None
    name: str
    technical_staff: int | None


def read_choice(data: dict) -> Choice:
    """Check the organisation part of the profile form (raises ValidationFailed, writes
    nothing): a picked kind needs a municipality from the list, the others a name."""
    raw_kind = data.get("organisation_kind") or ""
    try:
        kind = OrganisationKind(raw_kind) if raw_kind else None
    except ValueError as exc:
        raise ValidationFailed.for_field("organisation_kind", _("Unknown choice.")) from exc
    staff = data.get("technical_staff")
    if staff is not None and not 1 <= staff <= STAFF_MAX:
        msg = _("Enter a number from 1 to %(n)d.", n=STAFF_MAX)
        raise ValidationFailed.for_field("technical_staff", msg)
    name = (data.get("organisation") or "").strip()
    text = (data.get("municipality") or "").strip()
    code = (data.get("municipality_code") or "").strip()
    town = None
    if kind is None and text:
        kind = OrganisationKind.MUNICIPALITY  # a municipality typed without choosing the kind
    if kind in PICKED_KINDS:
        if not text:
            msg = _("Choose your municipality from the list (type its name in kanji or kana).")
            raise ValidationFailed.for_field("municipality", msg)
        town = municipalities.resolve(text, code, data.get("prefecture") or "")
        if (kind == OrganisationKind.PREFECTURE) != (town.kind == "都道府県"):
            kind = (
                OrganisationKind.PREFECTURE
                if town.kind == "都道府県"
                else OrganisationKind.MUNICIPALITY
            )
        # Keep a longer name the member wrote for the same place (黒部市役所 建設課).
        name = name if name.startswith(town.name) else town.name
    elif kind is not None and not name:
        msg = _("Enter the name of your organisation.")
        raise ValidationFailed.for_field("organisation", msg)
    return Choice(kind, town, name, staff)


def apply_choice(profile: Profile, choice: Choice) -> None:
    """Write a checked choice: a municipality also sets the prefecture, and the population
    band when its official population is known (or 都道府県 for a prefecture's office)."""
    profile.organisation_kind = choice.kind
    profile.organisation = choice.name
    profile.technical_staff = choice.technical_staff
    profile.organisation_review = False
    town = choice.municipality
    profile.municipality_code = town.code if town else None
    if town is not None:
        profile.prefecture_code = town.prefecture_code
        band = municipalities.band_of(town)
        if band:
            profile.population_band_code = band
    db.session.flush()


def candidates_for(organisation: str, prefecture: str | None, towns) -> list[Municipality]:
    """The current municipalities a free-text organisation names (within the prefecture when
    the profile has one): its name exactly, or followed by an office or department."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", organisation or ""))
    if not text:
        return []
    found = []
    for town in towns:
        if prefecture and town.prefecture_code != prefecture:
            continue
        if text.startswith(town.name) and TRAILER_RE.match(text[len(town.name) :]):
            found.append(town)
    # 「北海道」 also starts 「北海道北広島市」: keep only the longest names that matched.
    longest = max((len(t.name) for t in found), default=0)
    return [t for t in found if len(t.name) == longest]


def match_organisations() -> tuple[int, int]:
    """Match members' free-text organisations to a municipality where exactly one fits; flag
    the rest for the member to confirm. Only profiles that chose nothing yet are read.
    Returns (matched, flagged)."""
    towns = list(db.session.scalars(select(Municipality).where(Municipality.retired_at.is_(None))))
    by_first: dict[str, list[Municipality]] = {}
    for town in towns:
        by_first.setdefault(town.name[0], []).append(town)
    matched = flagged = 0
    profiles = db.session.scalars(
        select(Profile).where(
            Profile.organisation_kind.is_(None),
            Profile.municipality_code.is_(None),
            Profile.organisation != "",
        )
    )
    for profile in profiles:
        text = unicodedata.normalize("NFKC", profile.organisation).strip()
        found = candidates_for(text, profile.prefecture_code, by_first.get(text[:1], []))
        if len(found) == 1:
            town = found[0]
            profile.municipality_code = town.code
            profile.organisation_kind = (
                OrganisationKind.PREFECTURE
                if town.kind == "都道府県"
                else OrganisationKind.MUNICIPALITY
            )
            profile.prefecture_code = profile.prefecture_code or town.prefecture_code
            profile.organisation_review = False
            matched += 1
        elif not profile.organisation_review:
            profile.organisation_review = True
            flagged += 1
    db.session.flush()
    return matched, flagged
