"""Months of the network view's figures: JST calendar months as (year, month), and parsing
them from the page's filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from community.errors import DomainError

TOKYO = ZoneInfo("Asia/Tokyo")
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
        raise BadFilter(_("Give the %(name)s as a year and month, such as 2026-10.", name=name))
    return int(match[1]), int(match[2])


def this_month(now: datetime | None = None) -> Month:
    """The current month in JST."""
    local = (now or datetime.now(UTC)).astimezone(TOKYO)
    return local.year, local.month
