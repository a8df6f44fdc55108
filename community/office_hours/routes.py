"""Public office-hour pages: the adviser list, an adviser's free slots, and the booking form.

Booking pages live in routes_bookings.py and adviser settings in routes_settings.py.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, timedelta

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from community import idempotency
from community.auth.models import Role, User
from community.db import utcnow
from community.errors import DomainError, ValidationFailed
from community.extensions import db
from community.forms import apply_errors, status_for
from community.inputs import aware_datetime
from community.office_hours import bp, services
from community.office_hours.forms import BookForm
from community.office_hours.models import AdviserSettings, BookingStatus
from community.office_hours.slots import TOKYO
from community.reference import choices

# One page of an adviser's free times; links page through the whole booking window.
PAGE_DAYS = 14


def _adviser(username: str) -> User:
    user = db.session.scalar(
        select(User).where(
            User.username == username, User.role == Role.ADVISER, User.deleted_at.is_(None)
        )
    )
    if user is None:
        abort(404)
    return user


@bp.route("/office-hours/")
def index():
    args = request.args
    rows = services.adviser_rows(
        utcnow(),
        field=args.get("field", ""),
        topic=args.get("topic", ""),
        prefecture=args.get("prefecture", ""),
    )
    return render_template(
        "office_hours/index.html", rows=rows, args=args, ref=choices.all_reference()
    )


@bp.route("/office-hours/<username>")
def adviser(username: str):
    user = _adviser(username)
    settings = db.session.get(AdviserSettings, user.id)
    now = utcnow()
    today = now.astimezone(TOKYO).date()
    window_end = (
        (now + timedelta(days=settings.max_days_ahead if settings else 0)).astimezone(TOKYO).date()
    )
    # ?from=YYYY-MM-DD pages through the window; anything else (or outside it) is the first page.
    first = _day(request.args.get("from"))
    if first is None or not today <= first <= window_end:
        first = today
    last = min(first + timedelta(days=PAGE_DAYS - 1), window_end)
    slots = services.free_slots_for(user, now, first_day=first, last_day=last) if settings else []
    by_day: OrderedDict = OrderedDict()
    for slot in slots:
        by_day.setdefault(slot.local_start.date(), []).append(slot)
    return render_template(
        "office_hours/adviser.html",
        adviser=user,
        settings=settings,
        by_day=by_day,
        first=first,
        last=last,
        earlier=max(first - timedelta(days=PAGE_DAYS), today) if first > today else None,
        later=last + timedelta(days=1) if last < window_end else None,
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.route("/office-hours/<username>/book", methods=["GET", "POST"])
@login_required
def book(username: str):
    user = _adviser(username)
    settings = db.session.get(AdviserSettings, user.id)
    start = aware_datetime(request.values.get("start"))
    if settings is None or start is None:
        abort(404)
    form = BookForm()
    questions = services.questions_to_link(current_user)
    form.question_id.choices = [("", _("None"))] + [(str(q.id), q.title) for q in questions]
    form.mode.choices = [(m, m) for m in settings.modes] or [("online", "online")]
    if form.validate_on_submit():
        if replayed := idempotency.claim():
            return replayed
        try:
            booking = services.book(
                current_user,
                user,
                start,
                form.agenda.data,
                int(form.question_id.data) if form.question_id.data else None,
                form.mode.data,
            )
        except ValidationFailed as err:
            apply_errors(form, err)
        except DomainError as err:
            # Taken slot, paused adviser, over the cap: say why on the same page.
            form.form_errors.append(err.message)
            return render_template(
                "office_hours/book.html",
                adviser=user,
                settings=settings,
                start=start.astimezone(TOKYO),
                form=form,
            ), err.status
        else:
            flash(
                _("Booked. The adviser will confirm soon.")
                if booking.status == BookingStatus.REQUESTED
                else _("Booked and confirmed."),
                "success",
            )
            return idempotency.done(url_for("office_hours.booking", booking_id=booking.id))
    return render_template(
        "office_hours/book.html",
        adviser=user,
        settings=settings,
        start=start.astimezone(TOKYO),
        form=form,
    ), status_for(form)
