"""Monthly figures (KPIs) of the network view: the filters and the tables.

Who sees what: admins every prefecture; a coordinator only their prefectures (scope.py), with
small cells suppressed (kpis_cells.py); the open-data table suppresses them for everyone. The
SQL is in kpis_sql.py; closed months come from the store (figures_store.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from community import policy
from community.errors import NotFound
from community.extensions import db
from community.network import figures_store, scope
from community.network import kpis_sql as sql
from community.network.kpis_cells import Column, columns, row_cells
from community.network.months import (  # noqa: F401 - the page's callers and tests use them here
    TOKYO,
    BadFilter,
    Month,
    add_months,
    month_start_utc,
    month_text,
    parse_month,
    this_month,
)
from community.reference.models import Field, PopulationBand, Prefecture

DEFAULT_MONTHS = 12
MAX_MONTHS = 60


@dataclass(frozen=True)
class Filters:
    """What the figures cover: prefectures (None = all), a field ("" = all), months."""

    prefectures: frozenset[str] | None
    prefecture: str
    field: str
    first: Month
    last: Month

    @property
    def start_utc(self) -> datetime:
        return month_start_utc(self.first)

    @property
    def end_utc(self) -> datetime:
        return month_start_utc(add_months(self.last, 1))

    @property
    def months(self) -> list[str]:
        n = (self.last[0] - self.first[0]) * 12 + self.last[1] - self.first[1]
        return [month_text(add_months(self.first, i)) for i in range(n + 1)]

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the CSV link)."""
        args = {"from": month_text(self.first), "to": month_text(self.last)}
        if self.prefecture:
            args["prefecture"] = self.prefecture
        if self.field:
            args["field"] = self.field
        return args


def parse_filters(viewer, args, now: datetime | None = None) -> Filters:
    """The viewer's filters from a query string: 404 outside the network view or the viewer's
    prefectures, BadFilter (400) for a value no page accepts."""
    scope.require_network_access(viewer)
    prefecture = (args.get("prefecture") or "").strip()
    field = (args.get("field") or "").strip()
    if prefecture and (
        not re.fullmatch(r"\d{2}", prefecture) or db.session.get(Prefecture, prefecture) is None
    ):
        raise BadFilter(_("That prefecture is not valid. Choose one from the list."))
    if field and (len(field) > 30 or db.session.get(Field, field) is None):
        raise BadFilter(_("That field is not valid. Choose one from the list."))
    if prefecture:
        scope.require_prefecture(viewer, prefecture)
    last = parse_month(args["to"], _("last month")) if args.get("to") else this_month(now)
    if args.get("from"):
        first = parse_month(args["from"], _("first month"))
    else:
        first = add_months(last, -(DEFAULT_MONTHS - 1))
    if first > last:
        raise BadFilter(_("The first month must not come after the last month."))
    if add_months(first, MAX_MONTHS - 1) < last:
        raise BadFilter(_("The period can be at most %(n)d months.", n=MAX_MONTHS))
    covered = frozenset({prefecture}) if prefecture else scope.visible_prefectures(viewer)
    return Filters(covered, prefecture, field, first, last)


def live_figures(filters: Filters, by: str) -> tuple[dict, ...]:
    """The raw figures by group computed now: questions, answers, bookings, new members (four
    statements)."""
    sql.without_jit()
    return (
        sql.question_figures(filters, by),
        sql.answer_figures(filters, by),
        sql.booking_figures(filters, by),
        sql.member_figures(filters, by),
    )


def _cells(figures: tuple[dict, ...], key: str, bands, strict: bool) -> dict:
    q, a, b, m = (family.get(key, {}) for family in figures)
    return row_cells(q, q.get("p50"), a, b, m, bands, strict)


def _bands() -> list[PopulationBand]:
    return list(db.session.scalars(select(PopulationBand).order_by(PopulationBand.position)))


@dataclass
class Table:
    """Rows of cells in column order, keyed by their group (a month or a prefecture)."""

    columns: list[Column]
    rows: list[tuple[str, str, dict]]  # (group key, its label, cells by column key)
    suppressed: bool  # whether small cells are hidden
    computed_at: datetime | None = None  # when the oldest stored month was computed


def _figures(filters: Filters, by: str, now: datetime | None) -> tuple[tuple[dict, ...], object]:
    """The raw figures: closed months from the store (figures_store.py), the current one live."""
    current = month_text(this_month(now))
    return figures_store.figures(filters, by, current, live_figures)


def monthly_table(viewer, filters: Filters, now: datetime | None = None) -> Table:
    """The KPI table by JST month for `filters` (already checked against the viewer's scope)."""
    strict = not policy.is_admin(viewer)
    bands = _bands()
    figures, computed_at = _figures(filters, "month", now)
    rows = [(month, month, _cells(figures, month, bands, strict)) for month in filters.months]
    return Table(columns(bands), rows, strict, computed_at)


def open_data_table(viewer, month: str) -> Table:
    """One month's figures by prefecture, small cells suppressed for everyone (admins only)."""
    if not policy.is_admin(viewer):
        raise NotFound()  # like the rest of the network view: no sign that the page exists
    m_ = parse_month(month, _("Month"))
    filters = Filters(None, "", "", m_, m_)
    bands = _bands()
    figures, computed_at = _figures(filters, "prefecture", None)
    prefectures = db.session.scalars(select(Prefecture).order_by(Prefecture.code))
    rows = [(p.code, p.name_ja, _cells(figures, p.code, bands, True)) for p in prefectures]
    return Table(columns(bands), rows, True, computed_at)


def refresh_figures(months: int, now: datetime | None = None) -> int:
    """Compute and store the last `months` closed months for the national view, each
    prefecture and the open data (for a nightly run); returns how many months were stored."""
    current = this_month(now)
    first, last = add_months(current, -months), add_months(current, -1)
    codes = list(db.session.scalars(select(Prefecture.code).order_by(Prefecture.code)))
    views = [Filters(None, "", "", first, last)]
    views += [Filters(frozenset({code}), code, "", first, last) for code in codes]
    stored = figures_store.refresh(views, "month", month_text(current), live_figures)
    singles = [add_months(first, i) for i in range(months)]
    by_month = [Filters(None, "", "", m, m) for m in singles]
    stored += figures_store.refresh(by_month, "prefecture", month_text(current), live_figures)
    return stored
