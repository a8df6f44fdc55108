"""The case list: filters, the list query, facet counts, and the support organisations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from community.casebook.access import visible_clause
from community.casebook.models import (
    Case,
    CaseEdition,
    CaseStage,
    SupportOrganisation,
    case_fields,
    case_menus,
)
from community.extensions import db
from community.text import like_pattern, normalise


@dataclass
class CaseFilters:
    q: str = ""
    direction: str = ""
    menu: str = ""
    stage: str = ""
    band: str = ""
    prefecture: str = ""
    field: str = ""
    section: str = ""
    model: str = ""  # "1": ☆モデル事例 only
    type: str = ""  # a CaseType value (not_pursued: 見送り・不調)
    edition: str = ""  # an edition number: cases that first appeared in it
    status: str = ""

    KEYS = (
        "direction",
        "menu",
        "stage",
        "band",
        "prefecture",
        "field",
        "section",
        "model",
        "type",
        "edition",
    )

    def clauses(self, skip: str = "") -> list:
        out = []
        if self.q and skip != "q":
            for term in normalise(self.q).split()[:5]:
                pattern = like_pattern(term)
                out.append(
                    or_(
                        func.lower(Case.title).like(pattern, escape="\\"),
                        func.lower(Case.overview_md).like(pattern, escape="\\"),
                        func.lower(Case.organisations).like(pattern, escape="\\"),
                        func.lower(Case.effects_md).like(pattern, escape="\\"),
                    )
                )
        if self.direction and skip != "direction":
            out.append(Case.direction == self.direction)
        if self.menu and skip != "menu":
            out.append(
                Case.id.in_(select(case_menus.c.case_id).where(case_menus.c.menu_code == self.menu))
            )
        if self.stage and skip != "stage":
            out.append(
                Case.id.in_(select(CaseStage.case_id).where(CaseStage.stage == _int(self.stage)))
            )
        if self.band and skip != "band":
            out.append(Case.population_band_code == self.band)
        if self.prefecture and skip != "prefecture":
            out.append(Case.prefecture_code == self.prefecture)
        if self.field and skip != "field":
            out.append(
                Case.id.in_(
                    select(case_fields.c.case_id).where(case_fields.c.field_code == self.field)
                )
            )
        if self.section and skip != "section":
            out.append(Case.section == self.section)
        if self.model and skip != "model":
            out.append(Case.is_model.is_(True))
        if self.type and skip != "type":
            out.append(Case.case_type == self.type)
        if self.edition and skip != "edition":
            out.append(
                Case.edition_id.in_(
                    select(CaseEdition.id).where(CaseEdition.number == _int(self.edition))
                )
            )
        if self.status and skip != "status":
            out.append(Case.status == self.status)
        return out


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def list_query(viewer, f: CaseFilters):
    """The cases the viewer may see that pass the filters, new and recently published first."""
    return (
        select(Case)
        .where(visible_clause(viewer), *f.clauses())
        .order_by(Case.is_new.desc(), Case.published_at.desc().nulls_last(), Case.id.desc())
        .options(*card_loads())
    )


def card_loads() -> tuple:
    """What a case card shows besides the case's own columns (one query each, any count)."""
    return (
        selectinload(Case.menus),
        selectinload(Case.fields),
        selectinload(Case.stage_rows),
        selectinload(Case.prefecture),
        selectinload(Case.population_band),
        selectinload(Case.edition),
    )


def sheet_loads() -> tuple:
    """What a case's sheet (its page, and its pages in the book) shows besides the case's own
    columns: one query per repeating part, whatever their sizes."""
    return (
        *card_loads(),
        selectinload(Case.topics),
        selectinload(Case.schedule),
        selectinload(Case.costs),
        selectinload(Case.interview),
        selectinload(Case.sources),
        selectinload(Case.organisations_list),
    )


def facets(viewer, f: CaseFilters) -> dict[str, dict[str, int]]:
    """Counts per facet value; each facet counts under the other filters (8 queries)."""
    base = [visible_clause(viewer)]

    def grouped(column, skip, join=None):
        stmt = select(column, func.count(func.distinct(Case.id))).select_from(Case)
        if join is not None:
            stmt = stmt.join(*join)
        stmt = stmt.where(*base, *f.clauses(skip=skip)).group_by(column)
        return {str(k): n for k, n in db.session.execute(stmt).all() if k is not None}

    return {
        "direction": grouped(Case.direction, "direction"),
        "menu": grouped(
            case_menus.c.menu_code, "menu", (case_menus, case_menus.c.case_id == Case.id)
        ),
        "stage": grouped(CaseStage.stage, "stage", (CaseStage, CaseStage.case_id == Case.id)),
        "band": grouped(Case.population_band_code, "band"),
        "prefecture": grouped(Case.prefecture_code, "prefecture"),
        "field": grouped(
            case_fields.c.field_code, "field", (case_fields, case_fields.c.case_id == Case.id)
        ),
        "type": grouped(Case.case_type, "type"),
        "model": _model_count(grouped(Case.is_model, "model")),
    }


def _model_count(by_flag: dict[str, int]) -> dict[str, int]:
    """The ☆モデル事例 facet's one value ("1"), from counts keyed by the flag's str()."""
    return {"1": by_flag["True"]} if "True" in by_flag else {}


def organisations() -> list[SupportOrganisation]:
    """Every support organisation, in their fixed order."""
    return list(db.session.scalars(select(SupportOrganisation).order_by(SupportOrganisation.id)))
