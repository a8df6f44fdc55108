"""Monthly figures (KPIs) of the network view: filters, the table and small-cell suppression.

Who sees what: admins every prefecture; a coordinator only their prefectures (scope.py). A
figure about people under 3 is suppressed outside admins: every count of 1–2 and every share,
median or mean computed from fewer than 3 items. The open-data table suppresses them for
everyone. The SQL is in kpis_sql.py; the columns of the table (and of both CSVs) are COLUMNS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community import policy
from community.errors import DomainError, NotFound
from community.extensions import db
from community.network import kpis_sql as sql
from community.network import scope
from community.reference.models import Field, PopulationBand, Prefecture

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT_MONTHS = 12
MAX_MONTHS = 60
SMALL = 3  # cells under this many people (items) are suppressed
SUPPRESSED = "suppressed"  # a cell's value when it is hidden
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class BadFilter(DomainError):
    """A filter of the KPI page that no page accepts (answered with 400 and the reason)."""

    status = 400
    code = "bad_filter"


Month = tuple[int, int]


def month_text(m: Month) -> str:
    """'YYYY-MM'."""
    return f"{m[0]:04d}-{m[1]:02d}"


def add_months(m: Month, n: int) -> Month:
    """The month `n` months after `m` (before, when `n` is negative)."""
    index = m[0] * 12 + (m[1] - 1) + n
    return index // 12, index % 12 + 1


def month_start_utc(m: Month) -> datetime:
    """The first instant of month `m` in JST, as a UTC datetime."""
    return datetime(m[0], m[1], 1, tzinfo=TOKYO).astimezone(UTC)


def parse_month(value: str, name: str) -> Month:
    """'YYYY-MM' between 2000 and 2100, or BadFilter naming the filter."""
    match = _MONTH.fullmatch(value.strip())
    if match is None or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
        raise BadFilter(_("%(name)sは「2026-10」のように年と月で指定してください。", name=name))
    return int(match[1]), int(match[2])


def this_month(now: datetime | None = None) -> Month:
    """The current month in JST."""
    local = (now or datetime.now(UTC)).astimezone(TOKYO)
    return local.year, local.month


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
        raise BadFilter(_("都道府県の指定が正しくありません。一覧から選んでください。"))
    if field and (len(field) > 30 or db.session.get(Field, field) is None):
        raise BadFilter(_("分野の指定が正しくありません。一覧から選んでください。"))
    if prefecture:
        scope.require_prefecture(viewer, prefecture)
    last = parse_month(args["to"], _("終了月")) if args.get("to") else this_month(now)
    if args.get("from"):
        first = parse_month(args["from"], _("開始月"))
    else:
        first = add_months(last, -(DEFAULT_MONTHS - 1))
    if first > last:
        raise BadFilter(_("開始月は終了月より前にしてください。"))
    if add_months(first, MAX_MONTHS - 1) < last:
        raise BadFilter(_("期間は最長%(n)dか月です。", n=MAX_MONTHS))
    covered = frozenset({prefecture}) if prefecture else scope.visible_prefectures(viewer)
    return Filters(covered, prefecture, field, first, last)


def cell_text(value, csv: bool = False) -> str:
    """A cell as text: 「–」 on the page (x in CSV, as in official statistics) when suppressed,
    empty when there is nothing to compute, one decimal for shares, medians and means."""
    if value == SUPPRESSED:
        return "x" if csv else "–"
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Column:
    """One column of the table: its CSV key, its heading and how its cell is made."""

    key: str
    label: object
    kind: str  # count | share | hours | mean
    unit: str = ""


def _bands() -> list[PopulationBand]:
    return list(db.session.scalars(select(PopulationBand).order_by(PopulationBand.position)))


def columns(bands: list[PopulationBand]) -> list[Column]:
    """The table's columns after the group (month or prefecture)."""
    cols = [
        Column("questions", _l("質問数"), "count"),
        Column("first_answer_p50_hours", _l("初回回答までの時間 p50（時間）"), "hours"),
        Column("answered_within_7d_pct", _l("7日以内に回答された割合（%）"), "share"),
        Column("answers", _l("回答数"), "count"),
        Column("answers_cross_municipality_pct", _l("市区町村を越えた回答の割合（%）"), "share"),
        Column("answers_cross_prefecture_pct", _l("都道府県を越えた回答の割合（%）"), "share"),
        Column("stage_1", _l("課題ステータス1の質問"), "count"),
        Column("stage_2", _l("課題ステータス2の質問"), "count"),
        Column("stage_3", _l("課題ステータス3の質問"), "count"),
        Column("stage_unknown", _l("課題ステータス不明の質問"), "count"),
        Column("bookings", _l("オフィスアワー予約"), "count"),
        Column("bookings_done", _l("オフィスアワー実施"), "count"),
        Column("rating_mean", _l("満足度の平均（1–5）"), "mean"),
        Column("questions_with_case", _l("事例が紐づいた質問"), "count"),
        Column("questions_helped_by_case", _l("事例が解決に役立った質問"), "count"),
        Column("new_members", _l("新規メンバー"), "count"),
    ]
    for band in bands:
        label = _l("新規メンバー（%(band)s）", band=band.name)
        cols.append(Column(f"new_members_{band.code}", label, "count"))
    cols.append(Column("new_members_band_unknown", _l("新規メンバー（人口規模不明）"), "count"))
    return cols


def _cell(kind: str, value, n: int, strict: bool):
    """A cell's value: a number, None (nothing to compute) or SUPPRESSED."""
    if kind == "count":
        return SUPPRESSED if strict and 0 < value < SMALL else value
    if n == 0:
        return None
    if strict and n < SMALL:
        return SUPPRESSED
    return round(value, 1)


def _row(q: dict, p50: float | None, a: dict, b: dict, m: dict, bands, strict: bool) -> dict:
    """One group's cells from the raw figures of kpis_sql."""
    asked, answered = q.get("questions", 0), q.get("answered", 0)
    raw = {
        "questions": ("count", asked, 0),
        "first_answer_p50_hours": ("hours", p50 or 0.0, answered),
        "answered_within_7d_pct": ("share", 100 * q.get("within_7d", 0) / (asked or 1), asked),
        "answers": ("count", a.get("answers", 0), 0),
        "answers_cross_municipality_pct": (
            "share",
            100 * a.get("muni_cross", 0) / (a.get("muni_known") or 1),
            a.get("muni_known", 0),
        ),
        "answers_cross_prefecture_pct": (
            "share",
            100 * a.get("pref_cross", 0) / (a.get("pref_known") or 1),
            a.get("pref_known", 0),
        ),
        "bookings": ("count", b.get("bookings", 0), 0),
        "bookings_done": ("count", b.get("done", 0), 0),
        "rating_mean": ("mean", b.get("rating_sum", 0) / (b.get("rated") or 1), b.get("rated", 0)),
        "questions_with_case": ("count", q.get("with_case", 0), 0),
        "questions_helped_by_case": ("count", q.get("helped", 0), 0),
        "new_members": ("count", sum(m.values()), 0),
        "new_members_band_unknown": ("count", m.get("", 0), 0),
    }
    for key in ("stage_1", "stage_2", "stage_3", "stage_unknown"):
        raw[key] = ("count", q.get(key, 0), 0)
    for band in bands:
        raw[f"new_members_{band.code}"] = ("count", m.get(band.code, 0), 0)
    return {key: _cell(kind, value, n, strict) for key, (kind, value, n) in raw.items()}


def _figures(filters: Filters, by: str):
    return (
        sql.question_figures(filters, by),
        sql.first_answer_medians(filters, by),
        sql.answer_figures(filters, by),
        sql.booking_figures(filters, by),
        sql.member_figures(filters, by),
    )


@dataclass
class Table:
    """Rows of cells in column order, keyed by their group (a month or a prefecture)."""

    columns: list[Column]
    rows: list[tuple[str, str, dict]]  # (group key, its label, cells by column key)
    suppressed: bool  # whether small cells are hidden


def monthly_table(viewer, filters: Filters) -> Table:
    """The KPI table by JST month for `filters` (already checked against the viewer's scope)."""
    strict = not policy.is_admin(viewer)
    bands = _bands()
    q, p50, a, b, m = _figures(filters, "month")
    rows = [
        (
            month,
            month,
            _row(
                q.get(month, {}),
                p50.get(month),
                a.get(month, {}),
                b.get(month, {}),
                m.get(month, {}),
                bands,
                strict,
            ),
        )
        for month in filters.months
    ]
    return Table(columns(bands), rows, strict)


def open_data_table(viewer, month: str) -> Table:
    """One month's figures by prefecture, small cells suppressed for everyone (admins only)."""
    if not policy.is_admin(viewer):
        raise NotFound()  # like the rest of the network view: no sign that the page exists
    m_ = parse_month(month, _("月"))
    filters = Filters(None, "", "", m_, m_)
    bands = _bands()
    q, p50, a, b, m = _figures(filters, "prefecture")
    prefectures = db.session.scalars(select(Prefecture).order_by(Prefecture.code))
    rows = [
        (
            p.code,
            p.name_ja,
            _row(
                q.get(p.code, {}),
                p50.get(p.code),
                a.get(p.code, {}),
                b.get(p.code, {}),
                m.get(p.code, {}),
                bands,
                True,
            ),
        )
        for p in prefectures
    ]
    return Table(columns(bands), rows, True)
