"""JSON endpoints. Errors answer as {"error": {"code", "message", "fields"}} (web.py)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from community import markdown, policy
from community.api import bp
from community.errors import PermissionDenied, ValidationFailed
from community.extensions import limiter
from community.inputs import json_object
from community.notifications import services as notifications
from community.reference import municipalities as towns

PREVIEW_MAX = 20_000


@bp.route("/markdown/preview", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PREVIEW"])
def markdown_preview():
    """Render Markdown exactly as saving would, for the editors' preview tab."""
    if not policy.is_signed_in(current_user):
        raise PermissionDenied(_("Please log in first."))
    source = json_object().get("source")
    if not isinstance(source, str):
        msg = _("Send the text to preview as 'source'.")
        raise ValidationFailed.for_field("source", msg)
    if len(source) > PREVIEW_MAX:
        msg = _("Use at most %(n)d characters.", n=PREVIEW_MAX)
        raise ValidationFailed.for_field("source", msg)
    return jsonify({"html": markdown.render(source)})


@bp.route("/users/mention")
@limiter.limit("120 per minute")
def mention_candidates():
    """Usernames starting with `q`, for @mention autocomplete (signed-in members only)."""
    if not policy.is_signed_in(current_user):
        raise PermissionDenied(_("Please log in first."))
    rows = notifications.mention_candidates(request.args.get("q") or "")
    return jsonify({"users": [{"username": u, "name": n} for u, n in rows]})


@bp.route("/municipalities")
@limiter.limit("120 per minute")
def municipalities():
    """Current municipalities matching `q` (name or kana, ひらがな or カタカナ), for the
    profile's type-ahead; at most ten, reference data only (signed-in members)."""
    if not policy.is_signed_in(current_user):
        raise PermissionDenied(_("Please log in first."))
    found = towns.search(request.args.get("q") or "", request.args.get("prefecture") or "")
    return jsonify(
        {
            "municipalities": [
                {
                    "code": m.code,
                    "name": m.name,
                    "kana": m.kana,
                    "kind": m.kind,
                    "label": m.label,
                    "prefecture_code": m.prefecture_code,
                    "prefecture": m.prefecture.name_ja,
                    "band": towns.band_of(m),
                }
                for m in found
            ]
        }
    )
