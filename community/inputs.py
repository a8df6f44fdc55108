"""The input boundary: what a request may carry, checked once before any route sees it.

Rules (README "Security"):
- A path with a control character names no page (404). In the query string, which only
  reads, control characters are removed (a search for "橋梁\x00" is a search for 橋梁).
- In a form or JSON body, NUL and unpaired surrogates are refused with a clear 400:
  PostgreSQL cannot store NUL, a lone surrogate cannot be encoded, and silently changing
  what was sent (a password, say) would be worse. Other control characters are removed by
  the forms (community/forms.py), which also fold line breaks out of one-line fields such
  as titles and names.
- Integers in paths fit PostgreSQL's `integer` (the `int` converter below); integers read
  from the query or a form go through `int_arg`, page numbers through `page_arg`.
- Dates from a request lie in a sane window (`aware_datetime`).
- JSON bodies are objects of bounded size and depth (`json_object`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from community.errors import DomainError, NotFound, ValidationFailed

INT_MAX = 2**31 - 1  # PostgreSQL `integer`: the type of every id column
PAGE_MAX = 10_000
JSON_MAX_DEPTH = 20
YEAR_MIN, YEAR_MAX = 1900, 2200

_NEVER = re.compile("[\x00\ud800-\udfff]")
_URL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class BadInput(DomainError):
    """A request carries what no page accepts (a control character, a malformed body)."""

    status = 400
    code = "bad_input"


class IdConverter(IntegerConverter):
    """`<int:…>` limited to 1…2**31-1, so a larger id is a 404 rather than a database error."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    """Install the `int` converter (before blueprints add rules) and the request check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)


def _refuse() -> None:
    raise BadInput(
        _(
            "The input contains a control character (such as NUL) that cannot be used. "
            "Please remove it and try again."
        )
    )


def _scan(values: MultiDict | dict, pattern: re.Pattern[str]) -> None:
    items = values.items(multi=True) if isinstance(values, MultiDict) else values.items()
    for key, value in items:
        if pattern.search(key) or (isinstance(value, str) and pattern.search(value)):
            _refuse()


def check_request() -> None:
    """Apply the rules above before the route: 404, cleaned query, or a 400 for the body."""
    if _URL_CONTROLS.search(request.path):
        raise NotFound(_("Page not found"))
    if any(_URL_CONTROLS.search(k) or _URL_CONTROLS.search(v) for k, v in request.args.items(True)):
        # werkzeug's cached_property accepts assignment: later readers see the clean query.
        request.args = ImmutableMultiDict(
            (_URL_CONTROLS.sub("", k), _URL_CONTROLS.sub("", v))
            for k, v in request.args.items(multi=True)
        )
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        _scan(request.form, _NEVER)


def int_arg(source: MultiDict, name: str, default: int | None = None) -> int | None:
    """An integer from the query or a form within `integer` range, else `default`."""
    value = source.get(name, type=int)
    if value is None or not -INT_MAX <= value <= INT_MAX:
        return default
    return value


def page_arg(source: MultiDict | None = None, name: str = "page") -> int:
    """A page number from 1 to PAGE_MAX (a larger one shows the empty last page)."""
    value = (source if source is not None else request.args).get(name, type=int)
    if value is None or value < 1:
        return 1
    return min(value, PAGE_MAX)


def aware_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 time with a zone, between YEAR_MIN and YEAR_MAX, as UTC; else None."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if parsed.tzinfo is None or not YEAR_MIN <= parsed.year <= YEAR_MAX:
        return None
    return parsed.astimezone(UTC)


def _depth_ok(value: Any, depth: int = 0) -> bool:
    if depth > JSON_MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(not _NEVER.search(k) and _depth_ok(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_depth_ok(v, depth + 1) for v in value)
    if isinstance(value, str):
        return not _NEVER.search(value)
    return True


def json_object() -> dict[str, Any]:
    """The request's JSON body as an object; a clear 400/422 for anything else."""
    try:
        payload = json.loads(request.get_data(cache=True) or b"{}")
    except (ValueError, RecursionError):
        raise BadInput(_("The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise ValidationFailed(_("Send a JSON object."))
    if not _depth_ok(payload):
        _refuse()
    return payload
