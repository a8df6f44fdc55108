"""Moderation: flags, the review queue, actions and the audit log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)


@bp.app_context_processor
def _labels():
    from flask_babel import lazy_gettext as _l

    reasons = {
        "spam": _l("Spam"),
        "harassment": _l("Harassment"),
        "off_topic": _l("Off-topic"),
        "personal_info": _l("Personal information (個人情報)"),
        "other": _l("Other"),
    }
    outcomes = {
        "dismiss": _l("No action needed"),
        "hide": _l("Hidden"),
        "restore": _l("Restored"),
        "edit": _l("Edited by a moderator"),
        "lock": _l("Locked"),
        "unlock": _l("Unlocked"),
        "close": _l("Closed"),
        "warn": _l("Author warned"),
        "suspend": _l("Author suspended"),
    }

    def is_moderator() -> bool:
        from flask_login import current_user
        from sqlalchemy import select

        from community.extensions import db
        from community.moderation.services import moderated_circle_ids

        if not current_user.is_authenticated:
            return False
        return current_user.is_admin or bool(
            db.session.scalar(select(moderated_circle_ids(current_user).exists()))
        )

    return {
        "is_moderator": is_moderator,
        "flag_reason_label": lambda r: str(reasons.get(r, r)),
        "flag_outcome_label": lambda o: str(outcomes.get(o, o)),
        "flag_reasons": reasons,
    }


from community.moderation import routes  # noqa: E402,F401
