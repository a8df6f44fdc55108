"""Moderation: flags, the review queue, actions and the audit log."""

from flask import Blueprint

from community.extensions import db

bp = Blueprint("moderation", __name__)


@bp.app_context_processor
def _labels():
    from community.moderation import labels
    from community.moderation.notices import kind_label, per_request

    def is_moderator() -> bool:
        """Admins and circle moderators (worked out once per request: the header asks twice)."""
        from flask_login import current_user
        from sqlalchemy import select

        from community.moderation.services import moderated_circle_ids

        if not current_user.is_authenticated:
            return False
        known = per_request("is_moderator")
        if known is None:
            known = per_request(
                "is_moderator",
                current_user.is_admin
                or bool(db.session.scalar(select(moderated_circle_ids(current_user).exists()))),
            )
        return known

    def moderation_open_count() -> int:
        from flask_login import current_user

        from community.moderation.notices import open_count

        return open_count(current_user) if is_moderator() else 0

    return {
        "is_moderator": is_moderator,
        "moderation_open_count": moderation_open_count,
        "flag_reason_label": labels.reason_label,
        "flag_outcome_label": lambda o: labels.outcomes().get(o, o),
        "flag_status_label": lambda s: labels.flag_statuses().get(s, s),
        "flag_reasons": labels.reasons(),
        "mod_kind_label": kind_label,
        "audit_action_label": labels.action_label,
        "audit_reason_label": labels.audit_reason,
    }


from community.moderation import routes, subscribers  # noqa: E402,F401
