"""Topic circles."""

from flask import Blueprint

bp = Blueprint("circles", __name__)


@bp.app_context_processor
def _labels():
    from community.circles.forms import ROLE_LABELS, VISIBILITY_SHORT

    return {
        "circle_visibility_label": lambda v: str(VISIBILITY_SHORT.get(v, v)),
        "circle_role_label": lambda r: str(ROLE_LABELS.get(r, r)),
    }


from community.circles import routes  # noqa: E402,F401
