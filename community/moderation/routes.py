"""Flagging, the moderation queue, item review, my flags, the audit log and suspensions."""

from __future__ import annotations

import csv
import io
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from community import idempotency
from community.auth.models import Role, User
from community.circles import services as circles
from community.errors import ValidationFailed
from community.extensions import db, limiter
from community.forms import EmptyForm
from community.inputs import int_arg, page_arg
from community.moderation import audit_view, bp, services, targets
from community.moderation.models import Flag, FlagReason, FlagStatus
from community.questions import services as questions
from community.urls import safe_next


def _can_open_queue() -> bool:
    if current_user.role == Role.ADMIN:
        return True
    return db.session.scalar(select(services.moderated_circle_ids(current_user).exists())) or False


@bp.route("/flags/new")
@login_required
def new_flag():
    """The flag form for one item (a page of its own: a post carries only a link to it, so the
    question page does not repeat the form under every answer and comment)."""
    target_type = request.args.get("target_type", "")
    target_id = int_arg(request.args, "target_id") or 0
    _kind, obj, _circle = targets.load_target(current_user, target_type, target_id)
    return render_template(
        "moderation/flag_new.html",
        target_type=target_type,
        target_id=target_id,
        excerpt=targets.excerpt(obj),
        next_url=safe_next(),
        button=EmptyForm(),
    )


@bp.route("/flags", methods=["POST"])
@login_required
@limiter.limit("30 per hour", key_func=lambda: f"user:{current_user.id}")
def flag():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if replayed := idempotency.claim():
        return replayed
    form = request.form
    try:
        services.flag(
            current_user,
            form.get("target_type", ""),
            int_arg(form, "target_id") or 0,
            form.get("reason", ""),
            form.get("text", ""),
        )
    except ValidationFailed as err:
        flash(err.message, "error")
        return redirect(safe_next()), 303
    flash(
        _("Thank you. The moderators will look at it; you will see the outcome under My flags."),
        "success",
    )
    return idempotency.done(safe_next())


@bp.route("/moderation/")
@login_required
def queue():
    if not _can_open_queue():
        abort(403)
    return render_template(
        "moderation/queue.html", items=services.queue(current_user), button=EmptyForm()
    )


@bp.route("/moderation/items/<target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
def item(target_type: str, target_id: int):
    kind, obj, circle = services.load_target(current_user, target_type, target_id)
    services.require_moderation(current_user, circle, kind)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        action = request.form.get("action", "")
        try:
            if action == "claim":
                services.claim(current_user, target_type, target_id)
            else:
                services.resolve(
                    current_user,
                    target_type,
                    target_id,
                    action,
                    request.form.get("reason", ""),
                    body=request.form.get("body"),
                    suspend_days=int_arg(request.form, "days"),
                )
        except ValidationFailed as err:
            flash(err.message, "error")
            return redirect(
                url_for("moderation.item", target_type=target_type, target_id=target_id)
            ), 303
        flash(_("Done."), "success")
        return redirect(
            url_for("moderation.queue")
            if action != "claim"
            else url_for("moderation.item", target_type=target_type, target_id=target_id)
        )
    flags = list(
        db.session.scalars(
            select(Flag)
            .where(Flag.target_type == kind, Flag.target_id == obj.id)
            .order_by(Flag.created_at)
        )
    )
    from community.moderation.notices import item_title

    return render_template(
        "moderation/item.html",
        kind=kind.value,
        obj=obj,
        circle=circle,
        flags=flags,
        title=item_title(kind, obj),
        # A 個人情報 flag makes hiding the first choice, not dismissing.
        personal_info=any(
            f.status == FlagStatus.OPEN and f.reason == FlagReason.PERSONAL_INFO for f in flags
        ),
        button=EmptyForm(),
        is_admin=current_user.role == Role.ADMIN,
    )


@bp.route("/moderation/my-flags")
@login_required
def my_flags():
    return render_template("moderation/my_flags.html", flags=services.my_flags(current_user))


@bp.route("/moderation/audit")
@login_required
def audit():
    filters = {k: request.args.get(k, "") for k in ("action", "actor", "target_type", "since")}
    pagination = db.paginate(
        services.audit_query(current_user, filters),
        page=page_arg(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "moderation/audit.html",
        pagination=pagination,
        filters=filters,
        **audit_view.page_context(pagination.items),
    )


@bp.route("/moderation/audit.csv")
@login_required
def audit_csv():
    filters = {k: request.args.get(k, "") for k in ("action", "actor", "target_type", "since")}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "time_utc",
            "actor",
            "action",
            "target_type",
            "target_id",
            "circle_id",
            "reason",
            "before",
            "after",
        ]
    )
    for e in db.session.scalars(services.audit_query(current_user, filters)):
        writer.writerow(
            [
                e.id,
                e.created_at.isoformat(),
                e.actor.username if e.actor else "system",
                e.action,
                e.target_type,
                e.target_id,
                e.circle_id or "",
                e.reason,
                json.dumps(e.before, ensure_ascii=False) if e.before else "",
                json.dumps(e.after, ensure_ascii=False) if e.after else "",
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="kakehashi-audit.csv"'},
    )


@bp.route("/questions/<int:question_id>/hide", methods=["POST"])
@login_required
def hide_question(question_id: int):
    questions.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    hidden = request.form.get("hidden") == "1"
    try:
        services.set_hidden(
            current_user, "question", question_id, hidden, request.form.get("reason", "")
        )
    except ValidationFailed as err:
        flash(err.message, "error")
    return redirect(url_for("questions.show", question_id=question_id))


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@login_required
def move(question_id: int):
    question = questions.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move_question(
        current_user, question, request.form.get("circle", ""), request.form.get("reason", "")
    )
    flash(_("The question was moved."), "success")
    return redirect(url_for("questions.show", question_id=question_id))


@bp.route("/circles/<slug>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, membership_id: int):
    circle = circles.get_visible(current_user, slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_from_circle(
        current_user,
        circle,
        membership_id,
        request.form.get("ban") == "1",
        request.form.get("reason", ""),
    )
    flash(_("Done."), "success")
    return redirect(url_for("circles.members", slug=slug))


@bp.route("/admin/users/<int:user_id>/suspend", methods=["POST"])
@login_required
def suspend(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("lift") == "1":
            services.lift_suspension(current_user, user, request.form.get("reason", ""))
        else:
            services.suspend(
                current_user,
                user,
                int_arg(request.form, "days") or 0,
                request.form.get("reason", ""),
            )
    except ValidationFailed as err:
        flash(err.message, "error")
        return redirect(request.referrer or url_for("admin.users")), 303
    flash(_("Done."), "success")
    return redirect(request.referrer or url_for("admin.users"))
