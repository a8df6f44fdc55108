"""Short labels for stages and statuses, shared by templates (one place to translate)."""

from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    1: _l("Don't even know what the problem is"),
    2: _l("Don't know how to solve the problem"),
    3: _l("Lack the know-how to carry out the solution"),
}
STATUS_LABELS = {
    "open": _l("Unanswered"),
    "answered": _l("Answered"),
    "resolved": _l("Resolved"),
}


def stage_label(stage) -> str:
    """The problem stage (1–3) in words, or "" when none is set."""
    return str(STAGE_LABELS.get(int(stage), "")) if stage else ""


def status_label(status: str) -> str:
    """A question's status in words (the value itself if unknown)."""
    return str(STATUS_LABELS.get(status, status))
