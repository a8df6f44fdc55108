"""How members' problem stages (課題ステータス) move, by JST month, from their history
(stage_history.py).

Per month: the moves up (1→2, 2→3, 1→3), the moves back to a lower stage, the first sets
(None → n) and the stages cleared (n → None); and how many members were at each stage at the
month's end. The end-of-month counts come from the same moves: the counts at the start of the
period (each member's last change before it), plus each month's moves. Two statements,
whatever the number of members or months. A member belongs to the prefecture of their profile
now; deleted accounts are left out.

Small cells follow the KPI page (kpis_cells.py): outside admins, counts of 1–2 are suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from community import policy
from community.auth.models import User
from community.extensions import db
from community.network import kpis
from community.network.kpis_cells import SMALL, SUPPRESSED
from community.network.kpis_sql import month_of
from community.network.stage_history import ProfileStageChange as Change
from community.profiles.models import Profile

STAGES = (1, 2, 3)
UP = {(1, 2): "up_1_2", (2, 3): "up_2_3", (1, 3): "up_1_3"}

# (key, heading) in the table's order.
COLUMNS = [
    ("up_1_2", _l("Stage 1 → 2")),
    ("up_2_3", _l("Stage 2 → 3")),
    ("up_1_3", _l("Stage 1 → 3")),
    ("back", _l("Back to a lower stage")),
    ("first_set", _l("Stage set for the first time")),
    ("cleared", _l("Stage cleared")),
    ("at_1", _l("At stage 1 at the month's end")),
    ("at_2", _l("At stage 2 at the month's end")),
    ("at_3", _l("At stage 3 at the month's end")),
]


@dataclass
class StageTable:
    """One row of cells per month, keyed as COLUMNS."""

    filters: kpis.Filters
    rows: list[tuple[str, dict]]
    suppressed: bool


def parse_filters(viewer, args) -> kpis.Filters:
    """The page's filters (prefecture in the viewer's scope, from/to months), as the KPI page
    reads them: 404 outside the network view or the scope, BadFilter (400) for a bad value."""
    return kpis.parse_filters(
        viewer, {k: args[k] for k in ("prefecture", "from", "to") if k in args}
    )


def _members(query, filters: kpis.Filters):
    """Only changes of members still here, in the filters' prefectures."""
    query = query.join(User, User.id == Change.user_id).where(User.deleted_at.is_(None))
    if filters.prefectures is not None:
        query = query.join(Profile, Profile.user_id == Change.user_id).where(
            Profile.prefecture_code.in_(sorted(filters.prefectures))
        )
    return query


def _opening(filters: kpis.Filters) -> dict[int, int]:
    """Members at each stage when the period starts (each one's last change before it)."""
    ranked = _members(
        select(
            Change.to_stage.label("stage"),
            func.row_number()
            .over(
                partition_by=Change.user_id, order_by=(Change.changed_at.desc(), Change.id.desc())
            )
            .label("rank"),
        ).where(Change.changed_at < filters.start_utc),
        filters,
    ).subquery()
    rows = db.session.execute(
        select(ranked.c.stage, func.count())
        .where(ranked.c.rank == 1, ranked.c.stage.is_not(None))
        .group_by(ranked.c.stage)
    )
    return {int(stage): int(n) for stage, n in rows}


def _moves(filters: kpis.Filters) -> dict[str, dict[tuple, int]]:
    """{month: {(from, to): count}} of the changes in the period."""
    month = month_of(Change.changed_at)
    query = _members(
        select(month, Change.from_stage, Change.to_stage, func.count()).where(
            Change.changed_at >= filters.start_utc, Change.changed_at < filters.end_utc
        ),
        filters,
    ).group_by(month, Change.from_stage, Change.to_stage)
    out: dict[str, dict[tuple, int]] = {}
    for m, old, new, n in db.session.execute(query):
        out.setdefault(m, {})[(old, new)] = int(n)
    return out


def _kind(old: int | None, new: int | None) -> str:
    if old is None:
        return "first_set"
    if new is None:
        return "cleared"
    return UP.get((old, new), "back" if new < old else "up_other")


def _cell(n: int, strict: bool):
    return SUPPRESSED if strict and 0 < n < SMALL else n


def stage_table(viewer, filters: kpis.Filters) -> StageTable:
    """The moves and end-of-month stages by JST month for `filters` (checked against the
    viewer's scope by parse_filters)."""
    strict = not policy.is_admin(viewer)
    at = dict.fromkeys(STAGES, 0) | _opening(filters)
    moves = _moves(filters)
    rows = []
    for month in filters.months:
        counts = {key: 0 for key, _label in COLUMNS}
        for (old, new), n in moves.get(month, {}).items():
            kind = _kind(old, new)
            if kind in counts:
                counts[kind] += n
            if old in at:
                at[old] -= n
            if new in at:
                at[new] += n
        for stage in STAGES:
            counts[f"at_{stage}"] = at[stage]
        rows.append((month, {key: _cell(n, strict) for key, n in counts.items()}))
    return StageTable(filters, rows, strict)
