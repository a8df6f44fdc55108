"""Booking pages: /bookings/, one booking and the actions on it, and the calendar files."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community.auth.services import absolute_url
from community.db import utcnow
from community.errors import DomainError, ValidationFailed
from community.extensions import db
from community.forms import EmptyForm
from community.inputs import aware_datetime
from community.office_hours import bp, ics, services
from community.office_hours.dates import format_when
from community.office_hours.forms import (
    AnswerFromNoteForm,
    CancelForm,
    NoteForm,
    RateForm,
    RescheduleForm,
)
from community.office_hours.models import AdviserSettings, Booking, BookingStatus
from community.questions import page as question_page


@bp.route("/bookings/")
@login_required
def bookings():
    upcoming, past = services.bookings_for(current_user)
    return render_template(
        "office_hours/bookings.html",
        upcoming=upcoming,
        past=past,
        feed_url=absolute_url("office_hours.feed", token=services.feed_token(current_user)),
        rotate_form=EmptyForm(),
    )


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    b = services.get_booking(current_user, booking_id)
    is_adviser = b.adviser_id == current_user.id
    question = None
    answers = []
    if b.question_id:
        try:
            loaded = question_page.load(current_user, b.question_id)
            question, answers = loaded.question, loaded.answers
        except DomainError:
            question = None
    settings = db.session.get(AdviserSettings, b.adviser_id)
    now = utcnow()
    # After the cutoff the services refuse a cancel or a move: offer neither, say why instead.
    changeable = b.is_active and now <= b.starts_at - timedelta(
        hours=current_app.config["BOOKING_CANCEL_CUTOFF_HOURS"]
    )
    reschedule_form = RescheduleForm()
    if changeable:
        # The adviser's whole booking window (at most 180 days, four queries whatever its size).
        reschedule_form.start.choices = [
            (s.start.isoformat(), format_when(s.start)) for s in services.free_slots_for(b.adviser)
        ]
    note_form = NoteForm(note=b.adviser_note) if is_adviser else None
    return render_template(
        "office_hours/booking.html",
        b=b,
        is_adviser=is_adviser,
        question=question,
        answers=answers,
        settings=settings,
        reconfirm=services.needs_reconfirmation(current_user, b, settings),
        changeable=changeable,
        now=now,
        button=EmptyForm(),
        cancel_form=CancelForm(),
        reschedule_form=reschedule_form,
        rate_form=RateForm(),
        note_form=note_form,
        answer_form=AnswerFromNoteForm(),
    )


def _act(booking_id: int, action):
    b = services.get_booking(current_user, booking_id)
    # Forms carry the version of the booking their page showed: confirming or cancelling a
    # booking that was moved meanwhile must not happen unseen.
    services.check_version(b, request.form.get("version", type=int))
    try:
        message = action(b)
    except ValidationFailed as err:
        flash(err.message or next(iter(err.fields.values()))[0], "error")
        return redirect(url_for("office_hours.booking", booking_id=b.id)), 303
    flash(message, "success")
    return redirect(url_for("office_hours.booking", booking_id=b.id))


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
@login_required
def decide(booking_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    confirm = request.form.get("decision") == "confirm"
    return _act(
        booking_id,
        lambda b: (
            services.decide(current_user, b, confirm)
            and (_("Confirmed.") if confirm else _("Declined."))
        ),
    )


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int):
    form = CancelForm()
    form.validate_on_submit()
    return _act(
        booking_id,
        lambda b: services.cancel(current_user, b, form.reason.data or "") and _("Cancelled."),
    )


@bp.route("/bookings/<int:booking_id>/reschedule", methods=["POST"])
@login_required
def reschedule(booking_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    start = aware_datetime(request.form.get("start"))
    if start is None:
        abort(400)
    return _act(booking_id, lambda b: _move(b, start))


def _move(b: Booking, start) -> str:
    """Move the booking and say which state it is in now (never a silent 承認待ち)."""
    was_confirmed = b.status == BookingStatus.CONFIRMED
    services.reschedule(current_user, b, start)
    if b.status == BookingStatus.REQUESTED:
        if was_confirmed:
            return _("Moved to the new time. The adviser needs to confirm it again.")
        return _("Moved to the new time. It is still waiting for the adviser to confirm.")
    return _("Moved to the new time.")


@bp.route("/bookings/<int:booking_id>/mark", methods=["POST"])
@login_required
def mark(booking_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        status = BookingStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    return _act(booking_id, lambda b: services.mark(current_user, b, status) and _("Saved."))


@bp.route("/bookings/<int:booking_id>/rate", methods=["POST"])
@login_required
def rate(booking_id: int):
    form = RateForm()
    if not form.validate_on_submit():
        return _act(booking_id, lambda b: services.rate(current_user, b, 0))
    return _act(
        booking_id,
        lambda b: (
            services.rate(current_user, b, int(form.rating.data), form.comment.data)
            and _("Thank you for rating the session.")
        ),
    )


@bp.route("/bookings/<int:booking_id>/note", methods=["POST"])
@login_required
def note(booking_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        booking_id,
        lambda b: services.save_note(current_user, b, form.note.data) and _("Note saved."),
    )


@bp.route("/bookings/<int:booking_id>/answer", methods=["POST"])
@login_required
def answer(booking_id: int):
    form = AnswerFromNoteForm()
    if not form.validate_on_submit():
        flash(_("Write at least %(n)d characters.", n=10), "error")
        return redirect(url_for("office_hours.booking", booking_id=booking_id)), 303
    b = services.get_booking(current_user, booking_id)
    post = services.answer_from_note(current_user, b, form.body.data)
    flash(_("Your advice is posted as an answer."), "success")
    return redirect(
        url_for("questions.show", question_id=post.question_id, _anchor=f"answer-{post.id}")
    )


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _meeting_url(b: Booking) -> str:
    s = db.session.get(AdviserSettings, b.adviser_id)
    return s.meeting_url if s else ""


@bp.route("/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    b = services.get_booking(current_user, booking_id)
    url = absolute_url("office_hours.booking", booking_id=b.id)
    return _ics_response(ics.calendar([(b, url, _meeting_url(b))]), f"kakehashi-booking-{b.id}.ics")


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    user = services.user_for_feed(token)
    if user is None:
        abort(404)
    body = ics.calendar(
        [
            (b, absolute_url("office_hours.booking", booking_id=b.id), meeting_url)
            for b, meeting_url in services.feed_bookings(user)
        ],
        name="Kakehashi",
    )
    return _ics_response(body, "kakehashi.ics")


@bp.route("/bookings/feed/rotate", methods=["POST"])
@login_required
def rotate_feed():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.feed_token(current_user, rotate=True)
    flash(_("A new calendar link was made; the old one no longer works."), "info")
    return redirect(url_for("office_hours.bookings"))
