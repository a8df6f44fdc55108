"""Errors of /api/v1 in the project's one JSON shape {"error": {"code", "message", "fields"}},
with messages in the reader's language, including the schemas' validation errors."""

from __future__ import annotations

import re

from flask import g
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from community.api.v1 import bp
from community.api.v1.auth import Unauthorized
from community.web import error_response

_LONGER = re.compile(r"Longer than maximum length (\d+)")
_SHORTER = re.compile(r"Shorter than minimum length (\d+)")
CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def _translate(message: str) -> str:
    """A marshmallow or webargs message (English, fixed) in the reader's language."""
    if message.startswith("Missing data for required field"):
        return _("This field is required.")
    if message.startswith("Unknown field"):
        return _("This field is not accepted.")
    if message.startswith("Field may not be null"):
        return _("This field may not be null.")
    if message.startswith("Must be one of"):
        return _("Unknown choice.")
    if m := _LONGER.match(message):
        return _("Use at most %(n)d characters.", n=int(m.group(1)))
    if m := _SHORTER.match(message):
        return _("Write at least %(n)d characters.", n=int(m.group(1)))
    if message.startswith(("Must be greater", "Must be less", "Must be at least")):
        return _("The number is out of range.")
    if message.startswith("Invalid JSON body"):
        return _("The body is not valid JSON.")
    if message.startswith(("Not a valid", "Invalid input type", "Invalid value")):
        return _("The value has the wrong type.")
    return _("This value is not valid.")


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """{"json": {"topics": {0: ["…"]}}} → {"topics.0": ["…"]}: one entry per field."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(messages, list | tuple):
        texts = [m for m in messages if isinstance(m, str)]
        out[prefix or "_schema"] = [_translate(m) for m in texts]
        for item in messages:
            if isinstance(item, dict):
                out.update(_flatten(item, prefix))
    else:
        out[prefix or "_schema"] = [_translate(str(messages))]
    return out


@bp.errorhandler(Unauthorized)
def unauthorized(err: Unauthorized):
    body, status = error_response(err.status, err.message, err.code, err.fields)
    challenge = 'Bearer realm="kakehashi"'
    if g.get("api_auth_error"):
        challenge += ', error="invalid_token"'
    return body, status, {"WWW-Authenticate": challenge}


@bp.errorhandler(HTTPException)
def http_error(err: HTTPException):
    status = err.code or 500
    data = getattr(err, "data", None) or {}
    message, fields = None, None
    if "messages" in data:
        # Validation by the schemas (webargs): by location ("json", "query"), then field.
        fields = {}
        for location in data["messages"].values():
            fields.update(_flatten(location))
        message = _("Please check your input")
    elif status == 429:
        message = _("Please wait a little and try again.")
    elif status == 400 and "CSRF" in (err.description or ""):
        message = _("The form expired. Please reload the page and try again.")
    return error_response(status, message, CODES.get(status), fields)
