"""The request edge: one commit per request, security headers, error pages."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from community import mail, policy
from community.db import utcnow
from community.errors import DomainError
from community.extensions import db
from community.failures import (
    OUTAGE_ERRORS,
    REQUEST_ID_HEADER,
    failure_log,
    request_id,
    static_error_response,
)
from community.notifications import live

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
# Probes: no session, no user, no database unless they check it themselves.
PROBE_ENDPOINTS = frozenset({"static", "core.healthz", "core.readyz"})
# In a request's WSGI environ: its connection commits each statement by itself (set by
# questions/page_cache.read_without_transaction), so finish_transaction need not commit.
AUTOCOMMITTED = "kakehashi.autocommitted"


def wants_json() -> bool:
    """The API, or a client that asks for JSON first, gets errors as JSON."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def register_request_hooks(app: Flask) -> None:
    """Last-seen, the one commit per request and the security headers."""

    @app.before_request
    def touch_last_seen():
        # Throttled so that reading pages does not write on every request.
        if request.endpoint not in PROBE_ENDPOINTS and policy.is_signed_in(current_user):
            now = utcnow()
            if now - current_user.last_seen_at > LAST_SEEN_RESOLUTION:
                current_user.last_seen_at = now

    @app.after_request
    def finish_transaction(response):
        if response.status_code < 400:
            session = db.session()
            if request.environ.get(AUTOCOMMITTED) and not (
                session.new or session.dirty or session.deleted
            ):
                # Each statement committed by itself (page_cache.read_without_transaction), and
                # no ORM change waits for a flush: the commit's machinery has nothing to do.
                live.flush()
                return response
            try:
                db.session.commit()
            except DomainError as err:
                # A rule checked at flush time (community/limits.py) on what the route left
                # unflushed: the same answer as when a service raises it.
                db.session.rollback()
                live.discard()
                return make_response(error_response(err.status, err.message, err.code, err.fields))
            mail.after_commit()  # mail itself was written to the outbox in the transaction
            live.flush()
        else:
            db.session.rollback()
            live.discard()
        return response

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # The development server would otherwise name its Werkzeug and Python versions.
        headers["Server"] = "Kakehashi"
        headers[REQUEST_ID_HEADER] = request_id()
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


ERROR_TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("You do not have permission to do that"),
    404: lambda: _("Page not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("Conflict"),
    413: lambda: _("What you sent is too large"),
    422: lambda: _("Please check your input"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong"),
}


def error_response(status: int, message: str | None = None, code: str | None = None, fields=None):
    """Render an error as JSON for API clients or as a page in the user's language."""
    if status >= 500:
        return static_error_response(status)
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])()
    if wants_json():
        body = {"error": {"code": code or str(status), "message": message or title}}
        body["error"]["fields"] = fields or {}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_errorhandlers(app: Flask) -> None:
    """Domain errors, HTTP errors and outages as pages (or JSON for the API)."""

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        return error_response(err.status, err.message, err.code, err.fields)

    @app.errorhandler(StaleDataError)
    def stale_data(err: StaleDataError):
        # A versioned row changed under a flush no service caught: the loser of a race, not a bug.
        db.session.rollback()
        return error_response(409, _("This was changed by another action. Please reload."))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        message = None
        if status == 429:
            message = _("Please wait a little and try again.")
        elif status == 413:
            size = max(1, current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
            message = _(
                "A form may send at most %(size)d MB. Shorten the text and try again.", size=size
            )
        elif status == 400 and getattr(err, "description", "") and "CSRF" in err.description:
            message = _("The form expired. Please reload the page and try again.")
        return error_response(status, message)

    def outage(err: Exception):
        failure_log(err, 503)
        _forget_request_work()
        return static_error_response(503)

    for error_class in OUTAGE_ERRORS:
        app.register_error_handler(error_class, outage)

    @app.errorhandler(Exception)
    def server_error(err: Exception):
        failure_log(err, 500)
        _forget_request_work()
        return static_error_response(500)


def _forget_request_work() -> None:
    with contextlib.suppress(*OUTAGE_ERRORS):  # connection gone: nothing was committed anyway
        db.session.rollback()
