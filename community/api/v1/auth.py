"""Who is calling: a personal access token (`Authorization: Bearer`) or the site's own
session cookie (then CSRF applies to writes, as on the forms)."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user

from community import policy
from community.api.v1 import bp
from community.errors import DomainError, PermissionDenied
from community.extensions import csrf, limiter
from community.moderation import services as moderation
from community.rate_limits import user_key
from community.tokens import services as tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Unauthorized(DomainError):
    """No usable credentials: answered 401 with `WWW-Authenticate: Bearer`."""

    status = 401
    code = "unauthorized"


class InsufficientScope(PermissionDenied):
    code = "insufficient_scope"


_UNSET = object()


def _bearer_token():
    """The token the request's Authorization header names (None without the header), read
    once per request; Unauthorized for a malformed, unknown or revoked one."""
    if (failed := g.get("api_auth_error")) is not None:
        raise Unauthorized(failed)
    found = g.get("api_token", _UNSET)
    if found is not _UNSET:
        return found
    header = request.headers.get("Authorization", "")
    token = None
    if header:
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            g.api_auth_error = _("Send the token as Authorization: Bearer followed by the token.")
            raise Unauthorized(g.api_auth_error)
        token = tokens.authenticate(raw.strip())
        if token is None:
            g.api_auth_error = _("The token is not valid, or it was revoked.")
            raise Unauthorized(g.api_auth_error)
    g.api_token = token
    return token


@bp.before_request
def authenticate() -> None:
    """A Bearer token makes its owner the current user for this request only (nothing is
    written to the session); otherwise the session's user, with CSRF on writes."""
    token = _bearer_token()
    if token is not None:
        g._login_user = token.user  # Flask-Login's current user, for this request only
    elif request.method not in SAFE_METHODS and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


def require_write() -> None:
    """Writing needs a signed-in caller and, with a token, the write scope."""
    if not policy.is_signed_in(current_user):
        raise Unauthorized(_("Please log in first."))
    token = g.get("api_token")
    if token is not None and not token.can_write:
        raise InsufficientScope(
            _("This token may only read. Create a token with the write scope to post.")
        )


def rate_key() -> str:
    """Limits count per token; without one, per member or address as on the site."""
    # Flask-Limiter checks before the blueprint's own hooks run, so the token is read here.
    try:
        token = _bearer_token()
    except Unauthorized:
        return request.remote_addr or "?"  # answered 401 by authenticate() anyway
    return f"token:{token.id}" if token is not None else user_key()


def _caller():
    """The token's owner, else the session's user (None when the token is refused)."""
    try:
        token = _bearer_token()
    except Unauthorized:
        return None
    return token.user if token is not None else current_user


def post_key() -> str:
    """Posting limits count per member, whichever token (or the site) they post with: the key
    is the one the forms use (rate_limits.user_key), so the allowance is shared."""
    user = _caller()
    if user is not None and user.is_authenticated:
        return f"user:{user.id}"
    return request.remote_addr or "?"


def post_limit() -> str:
    """rate_limits.post_limit for the API's caller (read before the blueprint's hooks run)."""
    user = _caller()
    if user is not None and user.is_authenticated and moderation.trust_level(user) == 0:
        return current_app.config["RATELIMIT_POST_NEW"]
    return current_app.config["RATELIMIT_POST"]


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


limiter.limit(_api_limit, key_func=rate_key)(bp)
