"""How members' problem stages move by month: the page and its CSV (stages.py)."""

from __future__ import annotations

import csv
import io

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from community.network import bp, kpis_cells, scope, stages


@bp.route("/stages")
def stages_page():
    """Stage moves and end-of-month stages by month, for admins and coordinators."""
    filters = stages.parse_filters(current_user, request.args)
    table = stages.stage_table(current_user, filters)
    return render_template(
        "network/stages.html",
        filters=filters,
        table=table,
        columns=stages.COLUMNS,
        cell_text=kpis_cells.cell_text,
        prefectures=scope.prefectures_in_scope(current_user),
    )


@bp.route("/stages.csv")
def stages_csv():
    """The same table as CSV (UTF-8 with a BOM, as the KPI CSV), same filters and suppression."""
    filters = stages.parse_filters(current_user, request.args)
    table = stages.stage_table(current_user, filters)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Month"), *(str(label) for _key, label in stages.COLUMNS)])
    for month, cells in table.rows:
        values = [kpis_cells.cell_text(cells[key], csv=True) for key, _label in stages.COLUMNS]
        writer.writerow([month, *values])
    first, last = filters.query_args()["from"], filters.query_args()["to"]
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="kakehashi-stages-{first}-{last}.csv"'
        },
    )
