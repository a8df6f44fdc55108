"""Circle pages: list, page with tabs, join/leave, members and requests, create/edit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community import policy
from community.circles import bp, services
from community.circles.forms import AddMemberForm, CircleForm, JoinForm, MemberRoleForm
from community.circles.models import CircleRole, MembershipStatus
from community.errors import Conflict, ValidationFailed
from community.forms import EmptyForm, apply_errors, status_for
from community.inputs import page_arg
from community.questions import services as questions

TABS = {"latest": "newest", "unanswered": "newest", "top": "votes"}


@bp.route("/circles/")
def index():
    return render_template("circles/index.html", rows=services.list_circles(current_user))


@bp.route("/circles/<slug>")
def show(slug: str):
    circle = services.get_visible(current_user, slug)
    m = policy.membership(current_user, circle)
    tab = request.args.get("tab", "latest")
    if tab not in TABS:
        tab = "latest"
    pagination = questions.paginate(
        current_user,
        page=page_arg(),
        circle=circle,
        sort=TABS[tab],
        status="unanswered" if tab == "unanswered" else "",
    )
    pinned = questions.pinned_in(circle)
    return render_template(
        "circles/show.html",
        circle=circle,
        membership=m,
        tab=tab,
        pagination=pagination,
        pinned=pinned,
        moderators=services.moderators(circle),
        member_count=services.member_count(circle),
        can_moderate=policy.can_moderate(current_user, circle, m),
        can_edit=policy.can_manage_circle(current_user, circle, m),
        can_ask=services.can_ask(current_user, circle, m),
        join_form=JoinForm(),
        leave_form=EmptyForm(),
    )


@bp.route("/circles/<slug>/join", methods=["POST"])
@login_required
def join(slug: str):
    circle = services.get_visible(current_user, slug)
    form = JoinForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        m = services.join(current_user, circle, form.message.data or "")
    except Conflict as err:
        flash(err.message, "info")
    else:
        if m.status == MembershipStatus.ACTIVE:
            flash(_("Welcome to %(name)s.", name=circle.name), "success")
        else:
            flash(_("Your request was sent to the moderators."), "info")
    return redirect(url_for("circles.show", slug=circle.slug))


@bp.route("/circles/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    circle = services.get_visible(current_user, slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.leave(current_user, circle)
    except ValidationFailed as err:
        flash(err.message, "error")
        return redirect(url_for("circles.show", slug=circle.slug))
    flash(_("You left %(name)s.", name=circle.name), "info")
    if circle.is_private:
        return redirect(url_for("circles.index"))
    return redirect(url_for("circles.show", slug=circle.slug))


def _members_page(circle, add_form=None, status=200):
    m = policy.membership(current_user, circle)
    can_moderate = policy.can_moderate(current_user, circle, m)
    is_owner = policy.can_manage_circle(current_user, circle, m)
    return render_template(
        "circles/members.html",
        circle=circle,
        active=services.members(circle),
        pending=services.members(circle, MembershipStatus.PENDING) if can_moderate else [],
        can_moderate=can_moderate,
        is_owner=is_owner,
        add_form=add_form or AddMemberForm(),
        role_form=MemberRoleForm(),
        decide_form=EmptyForm(),
    ), status


@bp.route("/circles/<slug>/members")
def members(slug: str):
    return _members_page(services.get_visible(current_user, slug))


@bp.route("/circles/<slug>/members/add", methods=["POST"])
@login_required
def add_member(slug: str):
    circle = services.get_visible(current_user, slug)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            services.add_member(current_user, circle, form.username.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Member added."), "success")
            return redirect(url_for("circles.members", slug=slug))
    return _members_page(circle, form, 422)


@bp.route("/circles/<slug>/requests/<int:membership_id>", methods=["POST"])
@login_required
def decide(slug: str, membership_id: int):
    circle = services.get_visible(current_user, slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    services.decide_request(current_user, circle, membership_id, approve)
    flash(_("Request approved.") if approve else _("Request declined."), "success")
    return redirect(url_for("circles.members", slug=slug))


@bp.route("/circles/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def set_role(slug: str, membership_id: int):
    circle = services.get_visible(current_user, slug)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_member_role(current_user, circle, membership_id, CircleRole(form.role.data))
    except ValidationFailed as err:
        flash(err.message, "error")
    else:
        flash(_("Role changed."), "success")
    return redirect(url_for("circles.members", slug=slug))


@bp.route("/circles/new", methods=["GET", "POST"])
@login_required
def create():
    if not policy.is_admin(current_user):
        abort(403)
    return _edit(None)


@bp.route("/circles/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    return _edit(services.get_visible(current_user, slug))


def _edit(circle):
    # The service checks again; this only avoids showing a form that cannot be saved.
    if circle is not None and not policy.can_manage_circle(current_user, circle):
        abort(403)
    form = CircleForm()
    if request.method == "GET" and circle is not None:
        form.slug.data, form.name_ja.data, form.name_en.data = (
            circle.slug,
            circle.name_ja,
            circle.name_en,
        )
        form.description.data, form.rules.data = circle.description_md, circle.rules_md
        form.visibility.data = circle.visibility.value
    elif form.validate_on_submit():
        try:
            saved = services.save_circle(current_user, circle, form.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Circle saved."), "success")
            return redirect(url_for("circles.show", slug=saved.slug))
    return render_template("circles/form.html", form=form, circle=circle), status_for(form)
