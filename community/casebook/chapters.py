"""The casebook as a book: its chapters (chapters.yaml), where each case sits, and the
課題ステータス × 支援メニュー matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import func, select

from community.casebook.access import visible_clause
from community.casebook.listing import card_loads
from community.casebook.models import Case, CaseStage, case_menus
from community.extensions import db
from community.reference.models import SupportMenu

CHAPTERS_PATH = Path(__file__).with_name("chapters.yaml")


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    title_en: str
    chapter: int
    direction: str
    menus: tuple[str, ...] = ()
    fallback: bool = False


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    title_en: str
    subtitle: str = ""
    direction: str = ""
    lead: str = ""
    parts: tuple[dict, ...] = ()
    sections: tuple[Section, ...] = ()  # in the order the page shows them
    rule: tuple[Section, ...] = ()  # in the order the assignment rule tries them


@dataclass(frozen=True)
class Book:
    title: str
    stages: dict[int, str]
    tiers: tuple[dict, ...]
    chapters: tuple[Chapter, ...]
    sections: dict[str, Section] = field(default_factory=dict)


@cache
def book() -> Book:
    """The chapters data file, read once per process."""
    raw = yaml.safe_load(CHAPTERS_PATH.read_text(encoding="utf-8"))
    chapters, sections = [], {}
    for c in raw["chapters"]:
        rule = tuple(
            Section(
                code=s["code"],
                title=s["title"],
                title_en=s.get("title_en", s["title"]),
                chapter=c["number"],
                direction=c["direction"],
                menus=tuple(s.get("menus") or ()),
                fallback=bool(s.get("fallback")),
            )
            for s in c.get("sections") or []
        )
        by_code = {s.code: s for s in rule}
        shown = tuple(by_code[code] for code in c.get("order") or by_code)
        sections.update(by_code)
        chapters.append(
            Chapter(
                number=c["number"],
                title=c["title"],
                title_en=c.get("title_en", c["title"]),
                subtitle=c.get("subtitle", ""),
                direction=c.get("direction", ""),
                lead=c.get("lead", ""),
                parts=tuple(c.get("parts") or ()),
                sections=shown,
                rule=rule,
            )
        )
    return Book(
        title=raw["book_title"],
        stages={int(k): v for k, v in raw["stages"].items()},
        tiers=tuple(raw["menu_tiers"]),
        chapters=tuple(chapters),
        sections=sections,
    )


def chapter(number: int) -> Chapter | None:
    """The chapter with that number, or None."""
    return next((c for c in book().chapters if c.number == number), None)


def section_for(direction: str, menu_codes) -> str:
    """The section a case goes to when its editor has not chosen one: the first section of
    its direction's chapter that lists one of its menus, else that chapter's fallback."""
    menus = set(menu_codes)
    for c in book().chapters:
        if c.direction != direction:
            continue
        for s in c.rule:
            if menus & set(s.menus):
                return s.code
        return next(s.code for s in c.rule if s.fallback)
    raise ValueError(direction)


def section_choices() -> list[tuple[str, str, str]]:
    """(code, "第3章 既存組織による自治体支援事例", direction) for every section, book order."""
    return [
        (s.code, f"第{c.number}章 {s.title}", c.direction)
        for c in book().chapters
        for s in c.sections
    ]


def toc_counts(viewer) -> dict[str, int]:
    """Cases the viewer may see, per section (one query)."""
    stmt = (
        select(Case.section, func.count(Case.id))
        .where(visible_clause(viewer), Case.section.is_not(None))
        .group_by(Case.section)
    )
    return {code: n for code, n in db.session.execute(stmt).all()}


def chapter_cases(viewer, ch: Chapter) -> dict[str, list[Case]]:
    """The cases of a chapter the viewer may see, by section: ☆モデル事例 first, then in the
    order they were added, as a book keeps them (a fixed number of queries)."""
    return section_cases(viewer, [s.code for s in ch.sections])


def section_cases(viewer, codes, *where, loads: tuple | None = None) -> dict[str, list[Case]]:
    """The cases in those sections the viewer may see and that pass `where`, by section in the
    book's order within a section (☆モデル事例 first, then as added), loaded with `loads`
    (what a card shows unless said otherwise): one query plus one per loader."""
    codes = list(codes)
    out: dict[str, list[Case]] = {code: [] for code in codes}
    if not codes:
        return out
    stmt = (
        select(Case)
        .where(visible_clause(viewer), Case.section.in_(codes), *where)
        .order_by(Case.is_model.desc(), Case.id)
        .options(*(card_loads() if loads is None else loads))
    )
    for case in db.session.scalars(stmt):
        out[case.section].append(case)
    return out


@dataclass
class Matrix:
    stages: dict[int, str]
    groups: list[tuple[dict, list[SupportMenu]]]  # (tier, its menus)
    cells: dict[tuple[int, str], int]
    row_totals: dict[int, int]
    column_totals: dict[str, int]
    total: int  # cases with at least one stage and one menu


def menu_groups() -> list[tuple[dict, list[SupportMenu]]]:
    """The support menus by the plan's two tiers, then the menus it places in neither (one
    query)."""
    menus = list(db.session.scalars(select(SupportMenu).order_by(SupportMenu.position)))
    by_code = {m.code: m for m in menus}
    groups, placed = [], set()
    for tier in book().tiers:
        mine = [by_code[c] for c in tier["menus"] if c in by_code]
        placed.update(m.code for m in mine)
        groups.append((tier, mine))
    rest = [m for m in menus if m.code not in placed]
    if rest:
        groups.append(({"code": "other", "title": "", "note": "", "title_en": ""}, rest))
    return groups


def matrix(viewer) -> Matrix:
    """Cases per 課題ステータス × 支援メニュー the viewer may see, with the totals of each row
    (cases serving the stage), column (cases offering the menu) and the table: five queries."""
    groups = menu_groups()
    visible = visible_clause(viewer)
    cells = {
        (stage, code): n
        for stage, code, n in db.session.execute(
            select(CaseStage.stage, case_menus.c.menu_code, func.count(func.distinct(Case.id)))
            .select_from(Case)
            .join(CaseStage, CaseStage.case_id == Case.id)
            .join(case_menus, case_menus.c.case_id == Case.id)
            .where(visible)
            .group_by(CaseStage.stage, case_menus.c.menu_code)
        )
    }
    rows = dict(
        db.session.execute(
            select(CaseStage.stage, func.count(func.distinct(Case.id)))
            .join(Case, CaseStage.case_id == Case.id)
            .where(visible)
            .group_by(CaseStage.stage)
        ).all()
    )
    columns = dict(
        db.session.execute(
            select(case_menus.c.menu_code, func.count(func.distinct(Case.id)))
            .join(Case, case_menus.c.case_id == Case.id)
            .where(visible)
            .group_by(case_menus.c.menu_code)
        ).all()
    )
    total = db.session.scalar(
        select(func.count(Case.id)).where(
            visible,
            Case.id.in_(select(CaseStage.case_id)),
            Case.id.in_(select(case_menus.c.case_id)),
        )
    )
    return Matrix(book().stages, groups, cells, rows, columns, total or 0)
