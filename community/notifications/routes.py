"""The notification list, opening one, marking all read, and mail preferences."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from community.circles.models import CircleMembership, MembershipStatus
from community.extensions import db
from community.forms import EmptyForm
from community.notifications import bp, services
from community.notifications.models import Kind, MailPreference
from community.urls import local_path

KIND_LABELS = {
    Kind.ANSWER: _l("Answers to questions I follow"),
    Kind.COMMENT: _l("Comments on my posts"),
    Kind.ACCEPTED: _l("My answer accepted"),
    Kind.MENTION: _l("Mentions (@username)"),
    Kind.CIRCLE_QUESTION: _l("New questions in circles I watch"),
    Kind.BOOKING: _l("Office-hour bookings"),
    Kind.JOIN_DECISION: _l("Join-request decisions"),
    Kind.MODERATION: _l("Outcomes of my flags"),
    Kind.INVITE: _l("Invitations to answer"),
    Kind.CASE_SUGGESTION: _l("Case suggestions (new ones for editors, decisions on mine)"),
}


@bp.route("/notifications/")
@login_required
def index():
    """The signed-in member's notifications."""
    return render_template(
        "notifications/index.html", items=services.recent(current_user), button=EmptyForm()
    )


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    """Open a notification: mark it read and go where it points."""
    target = services.open_notification(current_user, notification_id)
    # Stored targets are paths on this site; anything else goes to the list.
    return redirect(local_path(target) or url_for(".index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    services.push_count(current_user.id)
    return redirect(url_for(".index"))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    """Mail preferences for each kind of notification."""
    memberships = list(
        db.session.scalars(
            select(CircleMembership).where(
                CircleMembership.user_id == current_user.id,
                CircleMembership.status == MembershipStatus.ACTIVE,
            )
        )
    )
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        for kind in Kind:
            value = request.form.get(f"mail-{kind.value}")
            if value in {m.value for m in MailPreference}:
                services.set_preference(current_user, kind, MailPreference(value))
        for m in memberships:
            watch = request.form.get(f"watch-{m.circle_id}")
            if watch in ("all", "mentions", "none"):
                m.watch = watch
        flash(_("Notification settings saved."), "success")
        return redirect(url_for(".settings"))
    prefs = services.preferences_for([current_user.id])[current_user.id]
    current = {k: prefs.get(k, services.DEFAULT_MAIL[k]).value for k in Kind}
    return render_template(
        "notifications/settings.html",
        labels=KIND_LABELS,
        current=current,
        memberships=memberships,
        button=EmptyForm(),
    )
