"""Failed requests: request ids, one log line each, and pages that work during an outage.

When the database or Redis is down, the usual error page cannot be rendered: base.html and
the context processors load the signed-in user and their unread count from the database.
The answers here need nothing but the request itself.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid

from flask import current_app, g, jsonify, make_response, request
from flask_babel import force_locale
from flask_babel import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from community.i18n import LANG_COOKIE

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# A service the request needs is down or not answering (database, Redis): 503, not a bug.
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
)
# Seconds between two full tracebacks of the same kind of error (failure_log).
TRACEBACK_EVERY = 60
_tracebacks: dict[str, float] = {}
_tracebacks_lock = threading.Lock()


def request_id() -> str:
    """This request's id: the proxy's X-Request-ID when it is a plain token, else a new one."""
    rid = g.get("request_id")
    if rid is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return rid


def failure_log(err: BaseException, status: int) -> None:
    """Log one line for a failed request; its traceback once a minute per kind of error.

    During an outage every request fails the same way: a traceback each would bury the log
    (a thousand lines a request) without saying more than the first one did. A new kind of
    error still gets its traceback at once, and the request id ties the line to the client.
    """
    kind = f"{type(err).__module__}.{type(err).__qualname__}"
    now = time.monotonic()
    with _tracebacks_lock:
        full = now - _tracebacks.get(kind, float("-inf")) >= TRACEBACK_EVERY
        if full:
            _tracebacks[kind] = now
    lines = str(err).strip().splitlines()
    current_app.logger.log(
        logging.ERROR,
        "%s %s -> %d %s: %s [request_id=%s]",
        request.method,
        request.path,
        status,
        kind,
        lines[0][:300] if lines else "",
        request_id(),
        exc_info=err if full else None,
    )


def _static_locale() -> str:
    # The browser's remembered choice only: the account's would need the database.
    lang = request.cookies.get(LANG_COOKIE)
    config = current_app.config
    return lang if lang in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def static_error_response(status: int):
    """A 500 or 503 answer that needs no database, session or user: it works in an outage."""
    lang = _static_locale()
    with force_locale(lang):
        if status == 503:
            title = _("The service is temporarily unavailable")
            message = _(
                "We cannot reach a service this site needs. Please try again in a few minutes."
            )
        else:
            title = _("Something went wrong")
            message = _("Please try again. If it happens again, tell the administrators.")
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            body = {"error": {"code": str(status), "message": title, "fields": {}}}
            response = jsonify(body)
        else:
            # jinja_env directly: render_template would run context processors, which load
            # the signed-in user and their unread count from the database.
            html = current_app.jinja_env.get_template("errors/static.html").render(
                lang=lang, status=status, title=title, message=message, request_id=request_id()
            )
            response = make_response(html)
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response
