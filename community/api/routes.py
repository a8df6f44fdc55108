"""JSON endpoints. Errors answer as {"error": {"code", "message", "fields"}} (web.py)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from community import markdown
from community.api import bp
from community.errors import PermissionDenied, ValidationFailed
from community.extensions import limiter
from community.inputs import json_object

PREVIEW_MAX = 20_000


@bp.route("/markdown/preview", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PREVIEW"])
def markdown_preview():
    """Render Markdown exactly as saving would, for the editors' preview tab."""
    if not current_user.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    source = json_object().get("source")
    if not isinstance(source, str):
        msg = _("Send the text to preview as 'source'.")
        raise ValidationFailed(msg, {"source": [msg]})
    if len(source) > PREVIEW_MAX:
        msg = _("Use at most %(n)d characters.", n=PREVIEW_MAX)
        raise ValidationFailed(msg, {"source": [msg]})
    return jsonify({"html": markdown.render(source)})


@bp.route("/users/mention")
@limiter.limit("120 per minute")
def mention_candidates():
    """Usernames starting with `q`, for @mention autocomplete (signed-in members only)."""
    from sqlalchemy import select

    from community.auth.models import User
    from community.extensions import db
    from community.profiles.models import Profile

    if not current_user.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    prefix = (request.args.get("q") or "").strip().lower()[:30]
    if not prefix.replace("_", "").isalnum():
        return jsonify({"users": []})
    escaped = prefix.replace("_", "\\_")
    rows = db.session.execute(
        select(User.username, User.display_name)
        .join(Profile, Profile.user_id == User.id)
        .where(User.username.like(escaped + "%", escape="\\"), User.deleted_at.is_(None))
        .order_by(User.username)
        .limit(8)
    ).all()
    return jsonify({"users": [{"username": u, "name": n} for u, n in rows]})
