"""Questions, answers and comments."""

from flask import Blueprint

bp = Blueprint("questions", __name__)


@bp.app_context_processor
def _labels():
    from community.questions.labels import stage_label, status_label

    return {"stage_label": stage_label, "status_label": status_label}


from community.questions import routes, routes_actions  # noqa: E402,F401
