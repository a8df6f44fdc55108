"""Coverage pages of the network view (national, prefecture, 空白自治体) and the coordinators'
appointments. Anyone outside the view's scope gets 404 (scope.py)."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from community import policy
from community.errors import NotFound, ValidationFailed
from community.extensions import db
from community.forms import EmptyForm, apply_errors
from community.network import bp, coordinators, coverage
from community.network.forms import AppointForm
from community.network.scope import appointed_prefectures
from community.network.tilemap import render_tilemap
from community.reference.models import Municipality, Prefecture
from community.urls import base_url

PREF_CODE = re.compile(r"^\d{2}$")
NETWORK_SESSION_KEY = "network_coordinator"


@user_logged_in.connect
def _remember_coordinator(sender, user, **extra):
    """Whether the header shows ネットワーク, worked out once at login rather than on every
    page (an appointment made later shows the link from the member's next login)."""
    session[NETWORK_SESSION_KEY] = bool(not user.is_admin and appointed_prefectures(user))


@bp.app_context_processor
def _network_link():
    def network_link() -> bool:
        """The header's ネットワーク link: admins, and coordinators (as of their login)."""
        if not policy.is_signed_in(current_user):
            return False
        return current_user.is_admin or bool(session.get(NETWORK_SESSION_KEY))

    return {"network_link": network_link}


def _pref_code(code: str) -> str:
    if not PREF_CODE.match(code):
        abort(404)
    return code


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@bp.route("/")
def index():
    """Coverage of every prefecture in the viewer's scope, and their sum."""
    data = coverage.national(current_user)
    # Prefectures outside a coordinator's scope are drawn without data or link.
    tilemap = render_tilemap(
        {a.code: a.tally.share() for a in data.prefectures},
        {a.code: url_for("network.prefecture", code=a.code) for a in data.prefectures},
        _("Share of municipalities with a member"),
        labels={a.code: f"{a.tally.covered}/{a.tally.total}" for a in data.prefectures},
    )
    return render_template("network/index.html", data=data, percent=_percent, tilemap=tilemap)


@bp.route("/prefectures/<code>")
def prefecture(code: str):
    """A prefecture's municipalities: covered or not, with counts as the viewer may see them."""
    area, bands = coverage.prefecture(current_user, _pref_code(code))
    return render_template(
        "network/prefecture.html",
        area=area,
        bands=bands,
        percent=_percent,
        shown=lambda n: coverage.shown_count(current_user, n),
    )


@bp.route("/prefectures/<code>/blank.csv")
def blank_csv(code: str):
    """The prefecture's 空白自治体 as CSV (UTF-8 with a BOM, so that Excel reads it)."""
    area, places = coverage.blank(current_user, _pref_code(code))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["団体コード", "団体名", "フリガナ", "種別", "人口"])
    for p in places:
        writer.writerow(
            [p.code, p.name, p.kana, p.kind, "" if p.population is None else p.population]
        )
    name = f"blank-municipalities-{area.code}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/prefectures/<code>/invitation")
def invitation(code: str):
    """A Japanese invitation for a municipality's staff, to copy or open in a mail program."""
    area, places = coverage.blank(current_user, _pref_code(code))
    town = None
    if wanted := request.args.get("municipality", ""):
        town = db.session.get(Municipality, wanted)
        if town is None or town.prefecture_code != area.code:
            abort(404)
    # Always Japanese: it goes to a Japanese municipal office whatever the sender's UI language.
    body = render_template(
        "network/invitation_ja.txt",
        town=town,
        prefecture=area,
        sender=current_user,
        register_url=base_url() + url_for("auth.register"),
    )
    subject = "技術職員のネットワーク「Kakehashi」へのご案内"
    mailto = f"mailto:?subject={quote(subject)}&body={quote(body)}"
    return render_template(
        "network/invitation.html",
        area=area,
        town=town,
        subject=subject,
        body=body,
        mailto=mailto,
        blank_count=len(places),
    )


# --- coordinators (admins) -------------------------------------------------------------------


def _admin_only() -> None:
    # 404 rather than 403, as for the rest of the network view.
    if not policy.is_admin(current_user):
        abort(404)


def _prefecture_choices() -> list[tuple[str, str]]:
    rows = db.session.scalars(db.select(Prefecture).order_by(Prefecture.code))
    return [("", _("Choose…"))] + [(p.code, f"{p.code} {p.name}") for p in rows]


@bp.route("/coordinators", methods=["GET", "POST"])
def coordinator_list():
    """The appointments, and the form to appoint a member to a prefecture."""
    _admin_only()
    form = AppointForm()
    form.prefecture.choices = _prefecture_choices()
    if form.validate_on_submit():
        try:
            row = coordinators.appoint(current_user, form.username.data, form.prefecture.data)
        except ValidationFailed as err:
            apply_errors(form, err)
        else:
            flash(
                _(
                    "%(name)s now coordinates %(prefecture)s.",
                    name=row.user.display_name,
                    prefecture=row.prefecture.name,
                ),
                "success",
            )
            return redirect(url_for("network.coordinator_list"))
    status = 422 if form.is_submitted() and form.errors else 200
    rows = coordinators.appointments(current_user)
    return render_template(
        "network/coordinators.html", form=form, rows=rows, remove_form=EmptyForm()
    ), status


@bp.route("/coordinators/<int:appointment_id>/remove", methods=["POST"])
def remove_coordinator(appointment_id: int):
    """End one appointment."""
    _admin_only()
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        row = coordinators.remove(current_user, appointment_id)
    except NotFound:
        abort(404)
    flash(
        _(
            "%(name)s no longer coordinates %(prefecture)s.",
            name=row.user.display_name,
            prefecture=row.prefecture.name,
        ),
        "success",
    )
    return redirect(url_for("network.coordinator_list"))
