"""The casebook's request and response shapes (marshmallow) for /api/v1/cases."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from community.api.v1.schemas import PER_PAGE_MAX, Strict
from community.casebook.models import CaseStatus, CaseType, Direction


class CaseListArgs(Strict):
    """The filters of /cases/ (the same names and values as the page's query string)."""

    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Keywords."})
    direction = fields.Enum(
        Direction, by_value=True, metadata={"description": "outside: 外から, inside: 内から."}
    )
    menu = fields.String(metadata={"description": "Support menu code (kind of support)."})
    stage = fields.Integer(
        validate=validate.Range(min=1, max=3), metadata={"description": "Problem stage served."}
    )
    band = fields.String(metadata={"description": "Population band code."})
    prefecture = fields.String(metadata={"description": "Prefecture code (JIS X 0401)."})
    field = fields.String(metadata={"description": "Infrastructure field code (e.g. bridge)."})
    section = fields.String(metadata={"description": "Chapter section code."})
    model = fields.Boolean(metadata={"description": "true: ☆モデル事例 only."})
    type = fields.Enum(CaseType, by_value=True)
    edition = fields.Integer(
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "Cases that first appeared in this edition."},
    )
    status = fields.Enum(
        CaseStatus, by_value=True, metadata={"description": "Editors only; ignored for others."}
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class ChapterArgs(Strict):
    number = fields.Integer(
        validate=validate.Range(min=1, max=99),
        metadata={"description": "Only this chapter; 404 when the book has no such chapter."},
    )


class CodeName(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CaseSummary(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)
    status = fields.Enum(CaseStatus, by_value=True, required=True)
    direction = fields.Enum(Direction, by_value=True, required=True)
    type = fields.Enum(CaseType, by_value=True, required=True)
    model = fields.Boolean(required=True, metadata={"description": "☆モデル事例."})
    new = fields.Boolean(required=True, metadata={"description": "In the edition now open."})
    section = fields.String(allow_none=True, required=True)
    edition = fields.Integer(allow_none=True, required=True)
    summary_points = fields.List(fields.String(), required=True)
    organisations = fields.String(required=True)
    prefecture = fields.Nested(CodeName, allow_none=True, required=True)
    population_band = fields.Nested(CodeName, allow_none=True, required=True)
    menus = fields.List(fields.Nested(CodeName), required=True)
    fields_ = fields.List(fields.Nested(CodeName), required=True, data_key="fields")
    stages = fields.List(fields.Integer(), required=True)
    published_at = fields.AwareDateTime(allow_none=True, required=True)


class CasePage(Schema):
    items = fields.List(fields.Nested(CaseSummary), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)
    next = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "URL of the next page, null on the last one."},
    )


class FigureOut(Schema):
    label = fields.String(required=True)
    value = fields.String(required=True)


class CostOut(Schema):
    kind = fields.String(required=True, metadata={"description": "initial or running."})
    item = fields.String(required=True)
    amount = fields.Integer(allow_none=True, required=True, metadata={"description": "Yen."})


class ScheduleOut(Schema):
    period = fields.String(required=True)
    content = fields.String(required=True)


class PairOut(Schema):
    question = fields.String(required=True)
    answer = fields.String(required=True)


class InterviewOut(Schema):
    kind = fields.String(
        required=True, metadata={"description": "summary: written by the editors; published."}
    )
    source = fields.String(required=True)
    url = fields.String(allow_none=True, required=True)
    pairs = fields.List(fields.Nested(PairOut), required=True)


class SourceOut(Schema):
    title = fields.String(required=True)
    url = fields.String(allow_none=True, required=True)
    accessed_on = fields.Date(allow_none=True, required=True, metadata={"description": "閲覧日."})
    as_of = fields.String(required=True, metadata={"description": "時点, free text."})
    supports = fields.String(required=True)


class OrganisationOut(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class CaseDetail(CaseSummary):
    overview_md = fields.String(required=True)
    overview_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    effects_md = fields.String(required=True)
    effects_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})
    effect_figures = fields.List(fields.Nested(FigureOut), required=True)
    cost_initial = fields.Integer(allow_none=True, required=True, metadata={"description": "Yen."})
    cost_running = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Yen per year."}
    )
    costs = fields.List(fields.Nested(CostOut), required=True)
    schedule = fields.List(fields.Nested(ScheduleOut), required=True)
    participants = fields.String(required=True)
    contact_department = fields.String(required=True)
    topics = fields.List(fields.Nested(CodeName), required=True)
    interview = fields.Nested(InterviewOut, required=True)
    sources = fields.List(fields.Nested(SourceOut), required=True)
    support_organisations = fields.List(fields.Nested(OrganisationOut), required=True)
    consent = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "掲載承諾; null but to editors."},
    )
    updated_at = fields.AwareDateTime(required=True)


class SectionOut(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    cases = fields.List(fields.String(), required=True, metadata={"description": "Case slugs."})


class ChapterOut(Schema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    subtitle = fields.String(required=True)
    direction = fields.String(required=True)
    url = fields.String(required=True)
    sections = fields.List(fields.Nested(SectionOut), required=True)


class ChapterList(Schema):
    title = fields.String(required=True)
    chapters = fields.List(fields.Nested(ChapterOut), required=True)
