"""Stored figures of closed months: the KPI page reads them instead of recomputing the past.

A month is closed once it is over in Japan time. Each closed month's raw figures (the four
families of kpis_sql, exactly as returned for that month) are kept per filter in
MonthFigures; the current month (and any later one) is always computed live.

Reading a period: one statement loads the stored months of the period for the filter together
with each month's change count (MonthChange.generation); the months missing, stale or older
than MAX_AGE are computed live in one run over the span from the first of them to the last
live month (the current one when the period includes it), stored with one upsert, and merged.

Correctness as posts change: figures_watch.py bumps a month's generation in the transaction of
any change that alters its figures. A stored row counts only while its generation is the
month's current one, so figures read before a change committed are never taken as fresh, even
when they are stored after it (a reader computing while a writer commits). What the watch does
not see (a member's profile: prefecture, municipality, stage) reaches the stored months within
MAX_AGE.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import false, null, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError

from community.db import savepoint, utcnow
from community.extensions import db
from community.network.models import MonthChange, MonthFigures
from community.network.months import parse_month

MAX_AGE = timedelta(hours=24)
FAMILIES = 4  # questions, answers, bookings, members
log = logging.getLogger(__name__)

Figures = tuple[dict, ...]


def filter_key(filters) -> str:
    """A digest of the filters other than the period: the prefectures covered and the field."""
    prefectures = None if filters.prefectures is None else sorted(filters.prefectures)
    raw = json.dumps([prefectures, filters.field], separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _load(months: list[str], by: str, key: str) -> tuple[dict, dict]:
    """({month: (payload, generation, computed_at)}, {month: current generation}), one
    statement."""
    stored = select(
        MonthFigures.month,
        MonthFigures.payload,
        MonthFigures.generation,
        MonthFigures.computed_at.label("at"),
        false().label("change"),
    ).where(
        MonthFigures.month.in_(months),
        MonthFigures.by_kind == by,
        MonthFigures.filter_key == key,
    )
    changes = select(
        MonthChange.month,
        null().label("payload"),
        MonthChange.generation,
        MonthChange.changed_at.label("at"),
        true().label("change"),
    ).where(MonthChange.month.in_(months))
    rows, generations = {}, {}
    for month, payload, generation, at, change in db.session.execute(union_all(stored, changes)):
        if change:
            generations[month] = generation
        else:
            rows[month] = (payload, generation, at)
    return rows, generations


def _month_part(figures: Figures, by: str, month: str) -> Figures:
    """The figures of one month of a run: its group by month, or every prefecture."""
    if by == "month":
        return tuple({month: f[month]} if month in f else {} for f in figures)
    return figures  # by prefecture: a run covers exactly one month


def _save(rows: list[dict]) -> None:
    """Insert or replace stored months, one statement; a concurrent request storing the same
    months at once is no error (the last one wins: both computed them from committed data)."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    stmt = insert(MonthFigures).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["month", "by_kind", "filter_key"],
        set_={
            "payload": stmt.excluded.payload,
            "generation": stmt.excluded.generation,
            "computed_at": stmt.excluded.computed_at,
        },
    )
    try:
        with savepoint(db.session):
            db.session.execute(stmt)
    except (IntegrityError, OperationalError) as err:
        # Not storing only costs the next reader a recomputation; the page still shows the
        # figures it computed (SQLite refuses a second writer instead of waiting, for one).
        log.warning("monthly figures not stored: %s", err.orig)


def figures(filters, by: str, current: str, compute) -> tuple[Figures, datetime | None]:
    """The raw figures of `filters` by `by` ("month" or "prefecture"), closed months (before
    `current`, 'YYYY-MM') from the store where fresh, and when the oldest stored one used was
    computed (None when every month was computed now). `compute(filters, by)` runs kpis_sql."""
    months = filters.months
    closed = [m for m in months if m < current]
    key = filter_key(filters)
    stored, generations = _load(closed, by, key) if closed else ({}, {})
    now = utcnow()
    fresh, oldest = {}, None
    for month, (payload, generation, at) in stored.items():
        if generation == generations.get(month, 0) and at >= now - MAX_AGE:
            fresh[month] = json.loads(payload)
            oldest = at if oldest is None or at < oldest else oldest
    missing = [m for m in closed if m not in fresh]
    live_months = missing + [m for m in months if m >= current]
    merged: list[dict] = [{} for _ in range(FAMILIES)]
    for month in closed:
        if month in fresh:
            for family, part in zip(merged, fresh[month], strict=True):
                family.update(part)
    if not live_months:
        return tuple(merged), oldest
    first, last = parse_month(live_months[0], ""), parse_month(live_months[-1], "")
    live = compute(replace(filters, first=first, last=last), by)
    for family, part in zip(merged, live, strict=True):
        family.update(part)  # months of the span that were stored are replaced by live ones
    if missing:
        _save(
            [
                {
                    "month": month,
                    "by_kind": by,
                    "filter_key": key,
                    "payload": json.dumps(_month_part(live, by, month), ensure_ascii=False),
                    "generation": generations.get(month, 0),
                    "computed_at": now,
                }
                for month in missing
            ]
        )
    return tuple(merged), oldest


def refresh(filters_list, by: str, current: str, compute) -> int:
    """Compute and store every closed month of each filters (for the nightly command): the
    months are forgotten first, so each is computed anew. Returns how many were stored."""
    stored = 0
    for filters in filters_list:
        closed = [m for m in filters.months if m < current]
        if not closed:
            continue
        db.session.execute(
            MonthFigures.__table__.delete().where(
                MonthFigures.month.in_(closed),
                MonthFigures.by_kind == by,
                MonthFigures.filter_key == filter_key(filters),
            )
        )
        figures(filters, by, current, compute)
        stored += len(closed)
    return stored
