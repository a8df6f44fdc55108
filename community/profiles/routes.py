"""Profile pages, the people directory, and own-data export and deletion."""

from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from community.errors import ValidationFailed
from community.forms import apply_errors, status_for
from community.inputs import page_arg
from community.profiles import bp, organisation, services, widen
from community.profiles.forms import DeleteAccountForm, ProfileForm
from community.reference import choices
from community.search import variants


@bp.route("/people/")
def directory():
    args = request.args
    filters = services.DirectoryFilters(
        q=args.get("q", ""),
        field=args.get("field", ""),
        prefecture=args.get("prefecture", ""),
        region=args.get("region", ""),
        band=args.get("band", ""),
        topic=args.get("topic", ""),
        adviser=args.get("adviser") == "1",
        verified=args.get("verified") == "1",
    )
    page = page_arg()
    ref = choices.all_reference()
    # Known words (the search vocabulary and field and topic names) split long free-text words.
    vocab = (
        variants.vocabulary(x.name_ja for x in (*ref.fields, *ref.topics)) if filters.q else None
    )
    pagination = services.search_directory(
        current_user,
        filters,
        page=page,
        per_page=current_app.config["PEOPLE_PER_PAGE"],
        vocab=vocab,
    )
    # Nobody found: ways to widen the search, with counts (only then: a COUNT per filter).
    widenings = (
        widen.widenings(current_user, filters, ref, vocab)
        if filters.active and not pagination.total
        else []
    )
    regions = list({p.region_code: p.region for p in ref.prefectures}.values())
    return render_template(
        "profiles/directory.html",
        pagination=pagination,
        filters=filters,
        ref=ref,
        regions=regions,
        widenings=widenings,
    )


@bp.route("/people/<username>")
def show(username: str):
    user = services.profile_for(current_user, username)
    if user is None:
        return render_template("profiles/not_visible.html"), 404
    return render_template("profiles/show.html", person=user, profile=user.profile)


def _fill_choices(form: ProfileForm, ref) -> None:
    blank = [("", _("Not set"))]
    form.prefecture.choices = blank + [(p.code, p.name) for p in ref.prefectures]
    form.population_band.choices = blank + [(b.code, b.name) for b in ref.bands]
    form.fields.choices = [(f.code, f.name) for f in ref.fields]
    form.help_topics.choices = [(t.code, t.name) for t in ref.topics]
    form.learn_topics.choices = [(t.code, t.name) for t in ref.topics]


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit():
    profile = services.ensure_profile(current_user)
    form = ProfileForm()
    ref = choices.all_reference()
    _fill_choices(form, ref)
    if request.method == "GET":
        form.display_name.data = current_user.display_name
        for name in (
            "organisation",
            "department",
            "job_title",
            "years_experience",
            "qualifications",
        ):
            getattr(form, name).data = getattr(profile, name)
        form.organisation_kind.data = profile.organisation_kind or ""
        if profile.municipality is not None:
            form.municipality.data = profile.municipality.label
            form.municipality_code.data = profile.municipality_code
        form.technical_staff.data = profile.technical_staff
        form.prefecture.data = profile.prefecture_code or ""
        form.population_band.data = profile.population_band_code or ""
        form.fields.data = [f.code for f in profile.fields]
        form.help_topics.data = [t.code for t in profile.help_topics]
        form.learn_topics.data = [t.code for t in profile.learn_topics]
        form.bio.data = profile.bio_md
        form.visibility.data = profile.visibility.value
    elif form.validate_on_submit():
        try:
            choice = organisation.read_choice(form.data)
            services.update_profile(current_user, current_user, form.data)
            organisation.apply_choice(profile, choice)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("profiles.show", username=current_user.username))
    return render_template("profiles/edit.html", form=form, profile=profile), status_for(form)


@bp.route("/settings/data")
@login_required
def own_data():
    return render_template("profiles/own_data.html", delete_form=DeleteAccountForm())


@bp.route("/settings/data/export.json")
@login_required
def export():
    body = json.dumps(services.export_data(current_user), ensure_ascii=False, indent=2)
    filename = f"kakehashi-{current_user.username}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/settings/delete", methods=["POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, current_user, form.password.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            logout_user()
            flash(_("Your account is deleted. Thank you for taking part."), "info")
            return redirect(url_for("core.home"))
    if not form.errors and not form.form_errors:
        abort(400)
    return render_template("profiles/own_data.html", delete_form=form), 422
