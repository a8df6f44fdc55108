"""The cells of the KPI table: its columns, and small-cell suppression.

A figure about people under 3 is suppressed outside admins (and in open data for everyone):
every count of 1–2, and every share, median or mean computed from fewer than 3 items. In cells
that add up to a shown total (stages, population bands) a second cell goes too when one alone
would be given away by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from community.reference.models import PopulationBand

SMALL = 3  # cells under this many people (items) are suppressed
SUPPRESSED = "suppressed"  # a cell's value when it is hidden


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


def columns(bands: list[PopulationBand]) -> list[Column]:
    """The table's columns after the group (month or prefecture)."""
    cols = [
        Column("questions", _l("Questions asked"), "count"),
        Column("first_answer_p50_hours", _l("Time to first answer, p50 (hours)"), "hours"),
        Column("answered_within_7d_pct", _l("Answered within 7 days (%)"), "share"),
        Column("answers", _l("Answers"), "count"),
        Column(
            "answers_cross_municipality_pct", _l("Answers across municipality borders (%)"), "share"
        ),
        Column(
            "answers_cross_prefecture_pct", _l("Answers across prefecture borders (%)"), "share"
        ),
        Column("stage_1", _l("Questions at problem stage 1"), "count"),
        Column("stage_2", _l("Questions at problem stage 2"), "count"),
        Column("stage_3", _l("Questions at problem stage 3"), "count"),
        Column("stage_unknown", _l("Questions without a problem stage"), "count"),
        Column("bookings", _l("Office-hours bookings"), "count"),
        Column("bookings_done", _l("Office-hours sessions held"), "count"),
        Column("rating_mean", _l("Mean satisfaction (1–5)"), "mean"),
        Column("questions_with_case", _l("Questions with a linked case"), "count"),
        Column("questions_helped_by_case", _l("Questions a case helped resolve"), "count"),
        Column("new_members", _l("New members"), "count"),
    ]
    for band in bands:
        label = _l("New members (%(band)s)", band=band.name)
        cols.append(Column(f"new_members_{band.code}", label, "count"))
    cols.append(
        Column("new_members_band_unknown", _l("New members (population band unknown)"), "count")
    )
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


def row_cells(q: dict, p50: float | None, a: dict, b: dict, m: dict, bands, strict: bool) -> dict:
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
        UNKNOWN_BAND: ("count", m.get("", 0), 0),
    }
    for key in STAGE_KEYS:
        raw[key] = ("count", q.get(key, 0), 0)
    for band in bands:
        raw[f"new_members_{band.code}"] = ("count", m.get(band.code, 0), 0)
    cells = {key: _cell(kind, value, n, strict) for key, (kind, value, n) in raw.items()}
    protect_partition(cells, STAGE_KEYS)
    protect_partition(cells, [f"new_members_{band.code}" for band in bands] + [UNKNOWN_BAND])
    return cells


STAGE_KEYS = ["stage_1", "stage_2", "stage_3", "stage_unknown"]
UNKNOWN_BAND = "new_members_band_unknown"


def protect_partition(cells: dict, keys: list[str]) -> None:
    """Cells that add up to a shown total: when exactly one is suppressed, the total minus the
    others would give it away, so the smallest other non-zero cell is suppressed too."""
    hidden = [k for k in keys if cells[k] == SUPPRESSED]
    if len(hidden) != 1:
        return
    shown = [k for k in keys if cells[k] not in (SUPPRESSED, 0)]
    if shown:
        cells[min(shown, key=lambda k: cells[k])] = SUPPRESSED
