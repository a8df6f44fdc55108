"""Adviser office hours and bookings."""

from flask import Blueprint

bp = Blueprint("office_hours", __name__)


@bp.app_context_processor
def _labels():
    from flask_babel import lazy_gettext as _l

    modes = {"online": _l("Online"), "onsite": _l("On site"), "phone": _l("Phone")}
    statuses = {
        "requested": _l("Waiting for the adviser"),
        "confirmed": _l("Confirmed"),
        "declined": _l("Declined"),
        "cancelled": _l("Cancelled"),
        "done": _l("Done"),
        "no_show": _l("No-show"),
    }
    days = [
        _l("Monday"),
        _l("Tuesday"),
        _l("Wednesday"),
        _l("Thursday"),
        _l("Friday"),
        _l("Saturday"),
        _l("Sunday"),
    ]
    return {
        "weekday_label": lambda n: str(days[n]),
        "mode_label": lambda m: str(modes.get(m, m)),
        "booking_status_label": lambda s: str(statuses.get(s, s)),
    }


@bp.app_template_filter("oh_when")
def _when(value):
    from community.office_hours.dates import format_when

    return format_when(value)


@bp.app_template_filter("oh_day")
def _day(value):
    from community.office_hours.dates import format_day

    return format_day(value)


# Imported for their side effect: each route module registers its views on bp; subscribers
# connects the notices to booking_changed.
from community.office_hours import (  # noqa: E402,F401
    routes,
    routes_bookings,
    routes_settings,
    subscribers,
)
