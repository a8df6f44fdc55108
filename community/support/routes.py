"""/support/: the navigator (a plain GET form) and the support catalogue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community import policy
from community.forms import EmptyForm
from community.reference import choices
from community.support import bp, services
from community.urls import local_path


@bp.route("/support/")
def navigator():
    args = request.args
    stage = args.get("stage", type=int)
    profile = current_user.profile if current_user.is_authenticated else None
    if stage not in (1, 2, 3):
        stage = None
    # Preselect the stage the member kept on their profile.
    stage_hint = stage or (profile.problem_stage if profile else None)
    ref = choices.all_reference()
    need = None
    recs = None
    if stage:
        need = services.Need(
            stage=stage,
            field=args.get("field", "") or "",
            band=args.get("band", "") or "",
            prefecture=args.get("prefecture", "") or "",
        )
        recs = services.recommend(current_user, need)
    defaults = {
        "field": args.get("field")
        or (profile.fields[0].code if profile and profile.fields else ""),
        "band": args.get("band") or (profile.population_band_code if profile else "") or "",
        "prefecture": args.get("prefecture") or (profile.prefecture_code if profile else "") or "",
    }
    return render_template(
        "support/navigator.html",
        ref=ref,
        stage=stage,
        stage_hint=stage_hint,
        need=need,
        recs=recs,
        defaults=defaults,
        # Members only (the template shows it to them): a token gives a visitor a session.
        remember_form=EmptyForm() if policy.is_signed_in(current_user) else None,
    )


@bp.route("/support/stage", methods=["POST"])
@login_required
def remember():
    if not EmptyForm().validate_on_submit():
        abort(400)
    stage = request.form.get("stage", type=int)
    if stage not in (1, 2, 3):
        abort(400)
    services.remember_stage(current_user, stage)
    flash(_("Your problem stage is kept on your profile and offered when you ask."), "success")
    return redirect(
        local_path(request.form.get("back"), "/support/") or url_for("support.navigator")
    )


@bp.route("/support/catalogue/")
def catalogue():
    return render_template(
        "support/catalogue.html",
        orgs=services.organisations(),
        menus=services.menus_by_code(),
        ref=choices.all_reference(),
    )


@bp.route("/support/catalogue/<slug>")
def organisation(slug: str):
    org = services.organisation(slug)
    if org is None:
        abort(404)
    return render_template(
        "support/organisation.html",
        org=org,
        cases=services.published_cases(org),
        menus=services.menus_by_code(),
        ref=choices.all_reference(),
    )
