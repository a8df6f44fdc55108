"""Casebook pages: the list with facets, the case page, the editor form, history, links."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from community import markdown, policy
from community.casebook import bp, chapters, listing, services, suggestions
from community.casebook.forms import CaseForm
from community.casebook.models import Case, CaseLink
from community.errors import Conflict, NotFound, ValidationFailed
from community.extensions import db
from community.forms import EmptyForm, apply_errors
from community.inputs import page_arg
from community.questions import services as questions
from community.reference import choices
from community.reference.models import SupportMenu


def _filters() -> services.CaseFilters:
    a = request.args
    return services.CaseFilters(
        q=a.get("q", "")[:100],
        direction=a.get("direction", ""),
        menu=a.get("menu", ""),
        stage=a.get("stage", ""),
        band=a.get("band", ""),
        prefecture=a.get("prefecture", ""),
        field=a.get("field", ""),
        section=a.get("section", ""),
        model=a.get("model", ""),
        type=a.get("type", ""),
        edition=a.get("edition", ""),
        status=a.get("status", "") if policy.is_editor(current_user) else "",
    )


def _menus():
    return list(db.session.scalars(select(SupportMenu).order_by(SupportMenu.position)))


def _facet_options() -> dict[str, list[tuple[str, str]]]:
    ref = choices.all_reference()
    return {
        "menu": [(m.code, m.name) for m in _menus()],
        "band": [(b.code, b.name) for b in ref.bands],
        "field": [(x.code, x.name) for x in ref.fields],
        "prefecture": [(p.code, p.name) for p in ref.prefectures],
    }


@bp.route("/cases/")
def index():
    f = _filters()
    pagination = db.paginate(
        services.list_query(current_user, f),
        page=page_arg(),
        per_page=20,
        error_out=False,
    )
    helped = services.helped_resolve(current_user, [c.id for c in pagination.items])
    return render_template(
        "casebook/index.html",
        pagination=pagination,
        f=f,
        facets=services.facets(current_user, f),
        helped=helped,
        facet_options=_facet_options(),
        can_write=current_user.is_authenticated and current_user.is_confirmed,
        suggestion_count=suggestions.pending_count(current_user),
    )


@bp.route("/cases/<slug>")
def show(slug: str):
    case = services.get_visible(current_user, slug, *listing.sheet_loads())
    linked = services.questions_for_case(current_user, case)
    return render_template(
        "casebook/show.html",
        case=case,
        linked=linked,
        helped=services.helped_resolve(current_user, [case.id]).get(case.id, 0),
        can_edit=services.can_edit(current_user, case),
        can_see_consent=policy.is_editor(current_user),
    )


@bp.route("/cases/<slug>/history")
def history(slug: str):
    case = services.get_visible(current_user, slug)
    if not services.can_edit(current_user, case):
        abort(403)
    return render_template("casebook/history.html", case=case, revisions=services.revisions(case))


def _fill_choices(form: CaseForm) -> None:
    ref = choices.all_reference()
    blank = [("", _("Not set"))]
    form.prefecture.choices = blank + [(p.code, p.name) for p in ref.prefectures]
    form.population_band.choices = blank + [(b.code, b.name) for b in ref.bands]
    form.menus.choices = [(m.code, m.name) for m in _menus()]
    form.fields.choices = [(f.code, f.name) for f in ref.fields]
    form.topics.choices = [(t.code, t.name) for t in ref.topics]
    form.section.choices = blank + [(code, label) for code, label, _d in chapters.section_choices()]


def _load_form(form: CaseForm, case: Case) -> None:
    snap = services.snapshot(case)
    for name in (
        "slug",
        "title",
        "overview",
        "organisations",
        "effects",
        "participants",
        "contact_department",
        "interview_kind",
        "interview_source",
        "interview_url",
        "status",
        "section",
        "is_model",
        "case_type",
        "consent",
    ):
        getattr(form, name).data = snap[name]
    form.summary_points.data = "\n".join(snap["summary_points"])
    form.prefecture.data = snap["prefecture"] or ""
    form.population_band.data = snap["population_band"] or ""
    form.direction.data = snap["direction"]
    form.menus.data, form.fields.data, form.topics.data = (
        snap["menus"],
        snap["fields"],
        snap["topics"],
    )
    form.stages.data = [str(s) for s in snap["stages"]]
    form.cost_initial.data = "" if snap["cost_initial"] is None else str(snap["cost_initial"])
    form.cost_running.data = "" if snap["cost_running"] is None else str(snap["cost_running"])
    for name in CaseForm.REPEATING:
        rows = snap[name]
        for row in rows:
            getattr(form, name).append_entry({k: ("" if v is None else v) for k, v in row.items()})


def _input(form: CaseForm) -> services.CaseInput:
    d = form.data
    return services.CaseInput(
        **{
            k: (d.get(k) or "")
            for k in (
                "slug",
                "title",
                "summary_points",
                "overview",
                "organisations",
                "prefecture",
                "population_band",
                "direction",
                "effects",
                "cost_initial",
                "cost_running",
                "participants",
                "contact_department",
                "interview_kind",
                "interview_source",
                "interview_url",
                "section",
                "case_type",
                "consent",
            )
        },
        menus=d.get("menus") or [],
        stages=d.get("stages") or [],
        fields=d.get("fields") or [],
        topics=d.get("topics") or [],
        effect_figures=d.get("effect_figures") or [],
        costs=d.get("costs") or [],
        schedule=d.get("schedule") or [],
        interview=d.get("interview") or [],
        sources=d.get("sources") or [],
        is_model=bool(d.get("is_model")),
        status=d.get("status") or "draft",
    )


def _show_errors(form: CaseForm, err: ValidationFailed, message: str) -> dict:
    """Put the form's own errors on its fields; return the rows' errors for the template
    (a rule checked when the case is written has no rows to point at)."""
    if not isinstance(err, services.CaseInvalid):
        apply_errors(form, ValidationFailed(message, err.fields))
        return {}
    apply_errors(form, ValidationFailed(message, err.form_fields))
    return err.rows


def _preview(form: CaseForm, case: Case | None, data) -> tuple[dict, dict | None, int]:
    """Row errors, the preview (None when invalid) and the status for the form page."""
    try:
        values = services.validate(data, case)
    except services.CaseInvalid as err:
        return _show_errors(form, err, ""), None, 422
    preview = {
        **values,
        "overview_html": markdown.render(values["overview"]),
        "effects_html": markdown.render(values["effects"]),
    }
    return {}, preview, 200


def _load_input(form: CaseForm, data: services.CaseInput) -> None:
    """Fill a new case's form from a starting point (a member's suggestion)."""
    for name in ("title", "overview", "organisations", "participants", "status"):
        getattr(form, name).data = getattr(data, name)
    for row in data.sources:
        form.sources.append_entry(row)


def editor_page(case: Case | None, *, prefill=None, save=None, suggestion=None):
    """The case form: load, preview, add rows and save. `prefill` (a CaseInput) starts a new
    case; `save(data)` replaces saving a plain case (turning a suggestion into one)."""
    if not services.can_edit(current_user, case):
        abort(403)
    form = CaseForm()
    _fill_choices(form)
    row_errors: dict[str, list[str]] = {}
    preview = None
    status = 200
    if request.method == "GET":
        if case is not None:
            _load_form(form, case)
        elif prefill is not None:
            _load_input(form, prefill)
        form.pad(extra=1 if case else 0)
    elif not form.validate_on_submit():
        status = 422
    elif (action := request.form.get("action", "save")) == "more":
        form.pad(extra=2, minimum=0)
    elif action == "preview":
        row_errors, preview, status = _preview(form, case, _input(form))
    else:
        try:
            data = _input(form)
            saved = save(data) if save else services.save_case(current_user, case, data)
        except ValidationFailed as err:
            row_errors, status = _show_errors(form, err, err.message), 422
        except Conflict as err:  # the suggestion was decided meanwhile
            flash(err.message, "error")
            return redirect(url_for("casebook.suggestion_queue"))
        else:
            flash(
                _("The case is saved.")
                if saved.is_published
                else _("The case is saved. Editors will review it."),
                "success",
            )
            return redirect(url_for("casebook.show", slug=saved.slug))
    return render_template(
        "casebook/form.html",
        form=form,
        case=case,
        row_errors=row_errors,
        preview=preview,
        is_editor=policy.is_editor(current_user),
        suggestion=suggestion,
    ), status


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def create():
    # Members suggest through the short form; editors write the case from it.
    if not policy.is_editor(current_user):
        return redirect(url_for("casebook.suggest"))
    return editor_page(None)


@bp.route("/cases/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    return editor_page(services.get_visible(current_user, slug))


@bp.route("/questions/<int:question_id>/cases", methods=["POST"])
@login_required
def link(question_id: int):
    question = questions.get_visible(current_user, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    slug = (request.form.get("case") or "").strip().rsplit("/", 1)[-1].removeprefix("#case:")
    try:
        case = services.get_visible(current_user, slug)
        services.link_question(current_user, question, case, request.form.get("note", ""))
    except NotFound:
        flash(_("No published case has that address."), "error")
    except (Conflict, ValidationFailed) as err:
        flash(err.message, "error")
    else:
        flash(_("The case is linked."), "success")
    return redirect(url_for("questions.show", question_id=question.id, _anchor="cases"))


@bp.route("/case-links/<int:link_id>/delete", methods=["POST"])
@login_required
def unlink(link_id: int):
    link_row = db.session.get(CaseLink, link_id)
    if link_row is None:
        abort(404)
    question = questions.get_visible(current_user, link_row.question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unlink(current_user, link_row)
    flash(_("The link is removed."), "info")
    return redirect(url_for("questions.show", question_id=question.id, _anchor="cases"))
