"""Ways out of an empty people directory: the same filters in the prefecture's region, and
each filter dropped in turn, with how many people each finds."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from community.auth.models import User
from community.extensions import db
from community.profiles.services import DirectoryFilters, filtered


@dataclass
class Widening:
    """A way out of an empty directory page: the same filters changed as `params` says."""

    kind: str  # "region" (the same filters in the prefecture's region) or "drop" (one filter)
    label: str
    params: dict[str, str]
    count: int


def widenings(viewer, f: DirectoryFilters, ref, vocab=None) -> list[Widening]:
    """For an empty result: the same filters in the prefecture's region, and each filter
    dropped in turn, with how many people each finds. One COUNT per active filter (at most
    eight); the reference data has regions, not neighbours, so the region stands for them."""
    params = {
        "q": f.q,
        "field": f.field,
        "prefecture": f.prefecture,
        "region": f.region,
        "band": f.band,
        "topic": f.topic,
        "adviser": "1" if f.adviser else "",
        "verified": "1" if f.verified else "",
    }
    names = {
        "field": {x.code: x.name for x in ref.fields},
        "prefecture": {x.code: x.name for x in ref.prefectures},
        "band": {x.code: x.name for x in ref.bands},
        "topic": {x.code: x.name for x in ref.topics},
    }
    regions = {p.region_code: p.region for p in ref.prefectures}
    options: list[tuple[str, str, dict[str, str]]] = []
    prefecture = next((p for p in ref.prefectures if p.code == f.prefecture), None)
    if prefecture is not None and not f.region:
        options.append(
            (
                "region",
                prefecture.region.name,
                {**params, "prefecture": "", "region": prefecture.region_code},
            )
        )
    labels = {
        "q": f"“{f.q}”",
        "region": regions[f.region].name if f.region in regions else f.region,
        "adviser": _("Advisers only"),
        "verified": _("Verified staff only"),
    }
    for key, value in params.items():
        if value:
            label = labels.get(key) or names.get(key, {}).get(value, value)
            options.append(("drop", label, {**params, key: ""}))
    out = []
    for kind, label, changed in options:
        g = DirectoryFilters(
            **{k: v for k, v in changed.items() if k not in ("adviser", "verified")},
            adviser=changed["adviser"] == "1",
            verified=changed["verified"] == "1",
        )
        count = db.session.scalar(
            select(func.count()).select_from(
                filtered(viewer, g, vocab).with_only_columns(User.id).subquery()
            )
        )
        out.append(Widening(kind, label, {k: v for k, v in changed.items() if v}, count or 0))
    return out
