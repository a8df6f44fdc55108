"""Monthly figures (KPIs) of the network view: pages, charts and CSV."""

from __future__ import annotations

import csv
import io

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user
from sqlalchemy import select

from community import policy
from community.extensions import db
from community.network import bp, charts, kpis, kpis_cells, scope
from community.reference.models import Field


def _csv_response(table: kpis.Table, first_heading: str, filename: str, labels: bool) -> Response:
    """The table as CSV (UTF-8 with a BOM, which spreadsheet programs in Japan expect)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    head = [str(c.label) if labels else c.key for c in table.columns]
    if labels:
        writer.writerow([first_heading, *head])
    else:
        writer.writerow(["prefecture_code", "prefecture", *head])
    for key, label, cells in table.rows:
        values = [kpis_cells.cell_text(cells[c.key], csv=True) for c in table.columns]
        writer.writerow([key, *values] if labels else [key, label, *values])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/kpis")
def kpis_page():
    """The KPI table by month with its charts, for admins and coordinators."""
    filters = kpis.parse_filters(current_user, request.args)
    table = kpis.monthly_table(current_user, filters)
    questions = [(key, cells["questions"]) for key, _label, cells in table.rows]
    p50 = [(key, cells["first_answer_p50_hours"]) for key, _label, cells in table.rows]
    empty = _("No value to show (none, or suppressed)")
    # A chart unit follows the number as is: "4 questions" in English, 「4件」 in Japanese.
    return render_template(
        "network/kpis.html",
        filters=filters,
        table=table,
        cell_text=kpis_cells.cell_text,
        open_data=policy.is_admin(current_user),
        prefectures=scope.prefectures_in_scope(current_user),
        fields=list(db.session.scalars(select(Field).order_by(Field.position))),
        questions_chart=charts.bar_chart(
            "kpi-questions",
            _("Questions per month"),
            questions,
            pgettext("chart unit", " questions"),
            empty,
        ),
        p50_chart=charts.line_chart(
            "kpi-p50", _("Time to first answer (median)"), p50, pgettext("chart unit", " h"), empty
        ),
    )


@bp.route("/kpis.csv")
def kpis_csv():
    """The same table as CSV, with the same filters and the same suppression."""
    filters = kpis.parse_filters(current_user, request.args)
    table = kpis.monthly_table(current_user, filters)
    name = f"kakehashi-kpis-{kpis.month_text(filters.first)}-{kpis.month_text(filters.last)}.csv"
    return _csv_response(table, _("Month"), name, labels=True)


@bp.route("/open-data/<month>.csv")
def open_data_csv(month: str):
    """One month's aggregates by prefecture for publication (admins; no small cells)."""
    table = kpis.open_data_table(current_user, month)
    return _csv_response(table, "", f"kakehashi-open-data-{month}.csv", labels=False)
