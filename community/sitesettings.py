"""Site-wide settings kept in the database, one row per key: what an operator (or a command such
as `flask seed demo`) switches on for the whole site, whatever process serves the page.

The demo banner is the first: `flask seed demo` turns it on, so that every page served from
demo data says the people, questions and affiliations are fictional. `KAKEHASHI_DEMO_BANNER`
(1 or 0) overrides the stored value, e.g. to hide it on a training site that knows."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import String
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from community.db import UTCDateTime, utcnow
from community.extensions import db

DEMO_BANNER = "demo_banner"
ON, OFF = "on", "off"


class SiteSetting(db.Model):
    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _cache() -> dict[str, str | None]:
    # Read once per process: the value changes with a command (seed demo) before the server
    # starts, and a page should not pay a query for it.
    return current_app.extensions.setdefault("site_settings", {})


def get_setting(key: str) -> str | None:
    """The stored value of `key` (None when never set), cached for this process."""
    cache = _cache()
    if key not in cache:
        row = db.session.get(SiteSetting, key)
        cache[key] = row.value if row is not None else None
    return cache[key]


def set_setting(key: str, value: str) -> None:
    """Store `value` under `key` (the caller commits); this process sees it at once."""
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        row.value, row.updated_at = value, utcnow()
    db.session.flush()
    _cache()[key] = value


def demo_banner_on() -> bool:
    """Whether pages carry the 「デモ用の架空データ」 banner: the config override if set,
    otherwise the stored setting (on once `flask seed demo` has loaded the demo data)."""
    forced = current_app.config.get("DEMO_BANNER")
    if forced is not None:
        return bool(forced)
    if DEMO_BANNER in _cache():
        return _cache()[DEMO_BANNER] == ON
    try:
        return get_setting(DEMO_BANNER) == ON
    except SQLAlchemyError:
        # An error page while the database is away (or not migrated yet) still renders; the
        # next page asks again.
        return False
