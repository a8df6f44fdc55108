"""Office-hour pages: advisers, slots, booking, /bookings/, calendar files and adviser settings."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from community.auth.models import Role, User
from community.auth.services import absolute_url
from community.db import utcnow
from community.errors import DomainError, ValidationFailed
from community.extensions import db
from community.forms import EmptyForm, apply_errors, status_for
from community.office_hours import bp, ics, services
from community.office_hours.forms import (
    AnswerFromNoteForm,
    BookForm,
    CancelForm,
    ExceptionForm,
    NoteForm,
    RateForm,
    RescheduleForm,
    RuleForm,
    SettingsForm,
)
from community.office_hours.models import (
    AdviserSettings,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
)
from community.office_hours.slots import TOKYO
from community.profiles.models import Profile
from community.reference import choices

SHOW_DAYS = 21


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
    advisers = list(
        db.session.scalars(
            select(User)
            .join(Profile, Profile.user_id == User.id)
            .where(User.role == Role.ADVISER, User.deleted_at.is_(None))
            .options(
                selectinload(User.profile).selectinload(Profile.fields),
                selectinload(User.profile).selectinload(Profile.help_topics),
                selectinload(User.profile).joinedload(Profile.prefecture),
            )
            .order_by(User.display_name)
        )
    )
    settings = {s.user_id: s for s in db.session.scalars(select(AdviserSettings))}
    field, topic, pref = args.get("field", ""), args.get("topic", ""), args.get("prefecture", "")
    if field:
        advisers = [a for a in advisers if field in {f.code for f in a.profile.fields}]
    if topic:
        advisers = [a for a in advisers if topic in {t.code for t in a.profile.help_topics}]
    if pref:
        advisers = [
            a
            for a in advisers
            if a.profile.prefecture_code == pref
            or (a.id in settings and (not settings[a.id].regions or pref in settings[a.id].regions))
        ]
    slots = services.free_slots_for_many([a.id for a in advisers], utcnow())
    rows = [(a, settings.get(a.id), (slots.get(a.id) or [None])[0]) for a in advisers]
    # Advisers with a free slot first, soonest first.
    rows.sort(
        key=lambda r: (r[2] is None, r[2].start if r[2] else datetime.max.replace(tzinfo=TOKYO))
    )
    return render_template(
        "office_hours/index.html", rows=rows, args=args, ref=choices.all_reference()
    )


@bp.route("/office-hours/<username>")
def adviser(username: str):
    user = _adviser(username)
    settings = db.session.get(AdviserSettings, user.id)
    slots = services.free_slots_for(user, days=SHOW_DAYS) if settings else []
    by_day: OrderedDict = OrderedDict()
    for slot in slots:
        by_day.setdefault(slot.local_start.date(), []).append(slot)
    return render_template(
        "office_hours/adviser.html", adviser=user, settings=settings, by_day=by_day
    )


def _own_questions():
    from community.questions.models import Question

    return list(
        db.session.scalars(
            select(Question)
            .where(Question.author_id == current_user.id)
            .order_by(Question.created_at.desc())
            .limit(50)
        )
    )


def _parse_start(value: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return start if start.tzinfo else None


@bp.route("/office-hours/<username>/book", methods=["GET", "POST"])
@login_required
def book(username: str):
    user = _adviser(username)
    settings = db.session.get(AdviserSettings, user.id)
    start = _parse_start(request.values.get("start"))
    if settings is None or start is None:
        abort(404)
    form = BookForm()
    form.question_id.choices = [("", _("None"))] + [(str(q.id), q.title) for q in _own_questions()]
    form.mode.choices = [(m, m) for m in settings.modes] or [("online", "online")]
    if form.validate_on_submit():
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
            return redirect(url_for("office_hours.booking", booking_id=booking.id))
    return render_template(
        "office_hours/book.html",
        adviser=user,
        settings=settings,
        start=start.astimezone(TOKYO),
        form=form,
    ), status_for(form)


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
        from community.questions import page

        try:
            loaded = page.load(current_user, b.question_id)
            question, answers = loaded.question, loaded.answers
        except DomainError:
            question = None
    reschedule_form = RescheduleForm()
    if not is_adviser and b.is_active:
        options = services.free_slots_for(b.adviser, days=SHOW_DAYS)
        reschedule_form.start.choices = [
            (s.start.isoformat(), s.local_start.strftime("%Y-%m-%d %H:%M")) for s in options
        ]
    note_form = NoteForm(note=b.adviser_note) if is_adviser else None
    return render_template(
        "office_hours/booking.html",
        b=b,
        is_adviser=is_adviser,
        question=question,
        answers=answers,
        settings=db.session.get(AdviserSettings, b.adviser_id),
        now=utcnow(),
        button=EmptyForm(),
        cancel_form=CancelForm(),
        reschedule_form=reschedule_form,
        rate_form=RateForm(),
        note_form=note_form,
        answer_form=AnswerFromNoteForm(),
    )


def _act(booking_id: int, action):
    b = services.get_booking(current_user, booking_id)
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
    start = _parse_start(request.form.get("start"))
    if start is None:
        abort(400)
    return _act(
        booking_id,
        lambda b: services.reschedule(current_user, b, start) and _("Moved to the new time."),
    )


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
    rows = list(
        db.session.scalars(
            select(Booking)
            .where((Booking.member_id == user.id) | (Booking.adviser_id == user.id))
            .options(joinedload(Booking.adviser), joinedload(Booking.member))
        )
    )
    meeting = {s.user_id: s.meeting_url for s in db.session.scalars(select(AdviserSettings))}
    body = ics.calendar(
        [
            (
                b,
                absolute_url("office_hours.booking", booking_id=b.id),
                meeting.get(b.adviser_id, ""),
            )
            for b in rows
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


# --- adviser settings -------------------------------------------------------------------------


def _require_adviser():
    if not current_user.is_authenticated or current_user.role != Role.ADVISER:
        abort(403)


def _settings_page(form=None, rule_form=None, exception_form=None):
    """The settings page; a form with errors makes it answer 422."""
    s = services.settings_for(current_user)
    if form is None:
        form = SettingsForm(obj=s)
        form.intro.data = s.intro_md
    form.regions.choices = [(p.code, p.name) for p in choices.all_reference().prefectures]
    rules = list(
        db.session.scalars(
            select(AvailabilityRule)
            .where(AvailabilityRule.adviser_id == current_user.id)
            .order_by(AvailabilityRule.weekday, AvailabilityRule.start_time)
        )
    )
    exceptions = list(
        db.session.scalars(
            select(AvailabilityException)
            .where(AvailabilityException.adviser_id == current_user.id)
            .order_by(AvailabilityException.day)
        )
    )
    forms = [f for f in (form, rule_form, exception_form) if f is not None]
    status = 422 if any(f.errors or f.form_errors for f in forms) else 200
    return render_template(
        "office_hours/settings.html",
        form=form,
        rules=rules,
        exceptions=exceptions,
        rule_form=rule_form or RuleForm(formdata=None),
        exception_form=exception_form or ExceptionForm(formdata=None),
        button=EmptyForm(),
    ), status


@bp.route("/office-hours/settings", methods=["GET", "POST"])
@login_required
def settings():
    _require_adviser()
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    form.regions.choices = [(p.code, p.name) for p in choices.all_reference().prefectures]
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, form.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("office_hours.settings"))
    return _settings_page(form=form)


def _add_availability(form, add, message: str, **page_forms):
    """Validate `form`, call the service `add(form)`, and answer like every other form."""
    _require_adviser()
    if form.validate_on_submit():
        try:
            add(form)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(message, "success")
            return redirect(url_for("office_hours.settings"))
    return _settings_page(**page_forms)


@bp.route("/office-hours/settings/rules", methods=["POST"])
@login_required
def add_rule():
    form = RuleForm()
    return _add_availability(
        form,
        lambda f: services.add_rule(
            current_user,
            int(f.weekday.data),
            f.start_time.data,
            f.end_time.data,
            f.slot_minutes.data,
            f.mode.data,
        ),
        _("Weekly hours added."),
        rule_form=form,
    )


@bp.route("/office-hours/settings/exceptions", methods=["POST"])
@login_required
def add_exception():
    form = ExceptionForm()
    return _add_availability(
        form,
        lambda f: services.add_exception(
            current_user,
            f.day.data,
            f.kind.data,
            f.start_time.data,
            f.end_time.data,
            f.slot_minutes.data,
            f.mode.data,
        ),
        _("Date exception added."),
        exception_form=form,
    )


@bp.route("/office-hours/settings/<kind>/<int:row_id>/delete", methods=["POST"])
@login_required
def delete_availability(kind: str, row_id: int):
    _require_adviser()
    if not EmptyForm().validate_on_submit() or kind not in ("rules", "exceptions"):
        abort(400)
    model = AvailabilityRule if kind == "rules" else AvailabilityException
    services.delete_availability(current_user, model, row_id)
    flash(_("Removed."), "info")
    return redirect(url_for("office_hours.settings"))
