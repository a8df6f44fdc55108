"""How office-hour pages, forms and mail write a day and a time (Babel patterns, shown in the
user's time zone, Japan time by default): 2030/01/09（水）10:00 in Japanese, with full-width
brackets and no Latin spaces, and 2030/01/09 (Wed) 10:00 in English."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale


def _japanese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "ja"


def day_pattern() -> str:
    """The Babel pattern for a day with its weekday."""
    return "yyyy/MM/dd（EEE）" if _japanese() else "yyyy/MM/dd (EEE)"


def when_pattern() -> str:
    """The Babel pattern for a day, its weekday and the time."""
    return "yyyy/MM/dd（EEE）HH:mm" if _japanese() else "yyyy/MM/dd (EEE) HH:mm"


def format_day(value: date) -> str:
    """A day with its weekday: 2030/01/09（水）."""
    return format_date(value, day_pattern())


def format_when(value: datetime) -> str:
    """A day, its weekday and the time: 2030/01/09（水）10:00."""
    return format_datetime(value, when_pattern())
