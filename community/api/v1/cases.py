"""/api/v1/cases: the casebook (事例集) read through the services its pages call: the list
with the facet filters of /cases/, a case's sheet with its sources, and the chapters. The
same visibility as the web: published cases for everyone, drafts to editors and to the
member who suggested them, 404 otherwise."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for
from flask.views import MethodView
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from community import policy
from community.api.v1 import bp
from community.api.v1.questions import READ_SECURITY, _conditional, _weak_etag
from community.api.v1.schemas_cases import (
    CaseDetail,
    CaseListArgs,
    CasePage,
    ChapterArgs,
    ChapterList,
)
from community.casebook import chapters, listing, services
from community.errors import NotFound
from community.extensions import db


def _english() -> bool:
    """Chapter titles in English for English callers (as /cases/chapters/ shows them)."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _filters(args: dict) -> services.CaseFilters:
    """The page's filters from the validated query (status: editors only, as on the page)."""
    text = {k: str(getattr(v, "value", v)) for k, v in args.items() if v is not None}
    return services.CaseFilters(
        q=text.get("q", ""),
        direction=text.get("direction", ""),
        menu=text.get("menu", ""),
        stage=text.get("stage", ""),
        band=text.get("band", ""),
        prefecture=text.get("prefecture", ""),
        field=text.get("field", ""),
        section=text.get("section", ""),
        model="1" if args.get("model") else "",
        type=text.get("type", ""),
        edition=text.get("edition", ""),
        status=text.get("status", "") if policy.is_editor(current_user) else "",
    )


def _code_name(row) -> dict | None:
    return {"code": row.code, "name": row.name} if row is not None else None


def summary(case) -> dict:
    """A case as the /cases/ card shows it."""
    return {
        "slug": case.slug,
        "title": case.title,
        "url": url_for("casebook.show", slug=case.slug, _external=True),
        "status": case.status,
        "direction": case.direction,
        "type": case.case_type,
        "model": case.is_model,
        "new": case.is_new,
        "section": case.section,
        "edition": case.edition.number if case.edition else None,
        "summary_points": list(case.summary_points or []),
        "organisations": case.organisations,
        "prefecture": _code_name(case.prefecture),
        "population_band": _code_name(case.population_band),
        "menus": [_code_name(m) for m in case.menus],
        "fields_": [_code_name(f) for f in case.fields],
        "stages": case.stages,
        "published_at": case.published_at,
    }


def detail(case) -> dict:
    """A case as its page shows it (the consent to publish to editors only, as there)."""
    return {
        **summary(case),
        "overview_md": case.overview_md,
        "overview_html": case.overview_html,
        "effects_md": case.effects_md,
        "effects_html": case.effects_html,
        "effect_figures": [
            {"label": str(f.get("label", "")), "value": str(f.get("value", ""))}
            for f in case.effect_figures or []
        ],
        "cost_initial": case.cost_initial,
        "cost_running": case.cost_running,
        "costs": [{"kind": c.kind, "item": c.item, "amount": c.amount} for c in case.costs],
        "schedule": [{"period": r.period, "content": r.content} for r in case.schedule],
        "participants": case.participants,
        "contact_department": case.contact_department,
        "topics": [_code_name(t) for t in case.topics],
        "interview": {
            "kind": str(case.interview_kind),
            "source": case.interview_source,
            "url": case.interview_url,
            "pairs": [{"question": p.question, "answer": p.answer} for p in case.interview],
        },
        "sources": [
            {
                "title": s.title,
                "url": s.url,
                "accessed_on": s.accessed_on,
                "as_of": s.as_of,
                "supports": s.supports,
            }
            for s in case.sources
        ],
        "support_organisations": [
            {"slug": o.slug, "name": o.name} for o in case.organisations_list
        ],
        "consent": str(case.consent) if policy.is_editor(current_user) else None,
        "updated_at": case.updated_at,
    }


def _viewer_key():
    """What the visibility depends on: drafts differ by member and for editors."""
    if policy.is_editor(current_user):
        return "editor"
    return current_user.id if policy.is_signed_in(current_user) else None


@bp.route("/cases")
class Cases(MethodView):
    @bp.arguments(CaseListArgs, location="query")
    @bp.response(200, CasePage)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="List cases with the facets of /cases/")
    def get(self, args):
        """The cases /cases/ lists for you, in its order (new, then recently published, then
        by id): the same filters, `page` and `per_page`. A weak ETag for If-None-Match."""
        pagination = db.paginate(
            services.list_query(current_user, _filters(args)),
            page=args["page"],
            per_page=args["per_page"],
            error_out=False,
        )
        next_url = None
        if pagination.has_next:
            query = {k: getattr(v, "value", v) for k, v in args.items() if k != "page"}
            query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
            next_url = f"{url_for('api_v1.Cases')}?{urlencode({**query, 'page': args['page'] + 1})}"
        body = {
            "items": [summary(c) for c in pagination.items],
            "page": args["page"],
            "pages": pagination.pages,
            "total": pagination.total or 0,
            "next": next_url,
        }
        links = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
        return _conditional(_weak_etag(body, _viewer_key(), str(get_locale())), body, **links)


@bp.route("/cases/chapters")
class CaseChapters(MethodView):
    @bp.arguments(ChapterArgs, location="query")
    @bp.response(200, ChapterList)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="The casebook's chapters and their cases")
    def get(self, args):
        """The chapters of /cases/chapters/ (or the one `number` names), each section with the
        slugs of the cases you may see in it, in the book's order (☆モデル事例 first)."""
        book = chapters.book()
        english = _english()
        shown = book.chapters
        if (number := args.get("number")) is not None:
            if chapters.chapter(number) is None:
                raise NotFound(_("There is no chapter %(n)d.", n=number))
            shown = (chapters.chapter(number),)
        codes = [s.code for ch in shown for s in ch.sections]
        by_section = chapters.section_cases(current_user, codes, loads=())
        body = {
            "title": book.title,
            "chapters": [
                {
                    "number": ch.number,
                    "title": ch.title_en if english else ch.title,
                    "subtitle": ch.subtitle,
                    "direction": ch.direction,
                    "url": url_for("casebook.chapter", number=ch.number, _external=True),
                    "sections": [
                        {
                            "code": s.code,
                            "title": s.title_en if english else s.title,
                            "cases": [c.slug for c in by_section[s.code]],
                        }
                        for s in ch.sections
                    ],
                }
                for ch in shown
            ],
        }
        return _conditional(_weak_etag(body, _viewer_key(), str(get_locale())), body)


@bp.route("/cases/<string(minlength=1, maxlength=80):slug>")
class CaseItem(MethodView):
    @bp.response(200, CaseDetail)
    @bp.alt_response(304, description="Not modified (If-None-Match).", success=True)
    @bp.doc(security=READ_SECURITY, summary="A case with its structured fields and sources")
    def get(self, slug):
        """The case's sheet as /cases/<slug> shows it, with its sources (閲覧日, 時点). A draft
        is 404 unless you may see it on the web (editors, and the member who suggested it)."""
        case = services.get_visible(current_user, slug, *listing.sheet_loads())
        body = detail(case)
        return _conditional(_weak_etag(body, _viewer_key(), str(get_locale())), body)
