"""The casebook (事例集)."""

from flask import Blueprint

bp = Blueprint("casebook", __name__)


@bp.app_context_processor
def _labels():
    from flask_babel import lazy_gettext as _l

    labels = {"draft": _l("Draft"), "review": _l("In review"), "published": _l("Published")}
    return {"case_status_label": lambda s: str(labels.get(s, s))}


from community.casebook import routes, subscribers  # noqa: E402,F401
