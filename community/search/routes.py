"""/search?q=: results grouped by type, with filters and pagination per type."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_login import current_user

from community.circles import services as circles
from community.db import utcnow
from community.inputs import page_arg
from community.reference import choices
from community.search import bp, services
from community.search.window import window_size

PERIODS = {"week": 7, "month": 31, "year": 366}


@bp.route("/search")
def search():
    args = request.args
    q = args.get("q", "")[:200]
    kind = args.get("type", "")
    kinds = (kind,) if kind in services.KINDS else services.KINDS
    page = page_arg()
    filters = {k: args.get(k, "") for k in ("circle", "field", "stage", "band")}
    if args.get("period") in PERIODS:
        filters["since"] = utcnow() - timedelta(days=PERIODS[args["period"]])
    per_kind = 20 if kind in services.KINDS else 5
    ref = choices.all_reference()  # the filters need it; the vocabulary for few results too
    results = services.search(
        current_user,
        q,
        kinds=kinds,
        filters=filters,
        page=page,
        per_kind=per_kind,
        assist=True,
        names=[x.name_ja for x in (*ref.fields, *ref.topics)],
    )
    return render_template(
        "search/results.html",
        q=q,
        kind=kind,
        results=results,
        page=page,
        per_kind=per_kind,
        args=args,
        circles=[c for c, _n, _m in circles.list_circles(current_user)],
        ref=ref,
        search_window=window_size(),
    )
