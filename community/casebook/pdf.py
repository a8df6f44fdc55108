"""The casebook as a printed book: which cases a PDF holds (the whole published casebook, one
chapter, a selection, or a closed edition), the PDF itself through WeasyPrint, and a cache of
PDFs on disk keyed by what they show (rendering a book takes seconds)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from community import urls
from community.casebook import chapters, editions, listing
from community.casebook.access import visible_clause
from community.casebook.models import Case, CaseEdition, CaseStatus
from community.casebook.validation import SLUG_RE
from community.db import utcnow
from community.errors import NotFound
from community.extensions import db
from community.inputs import BadInput

# Bump when the book's template or stylesheet changes what a cached PDF would show.
RENDER_VERSION = 1
SELECTION_MAX = 200  # slugs in ?cases=
CACHE_KEEP = 40  # PDFs kept on disk; the oldest go first
STYLESHEET = "css/book.css"


@dataclass
class Part:
    """A chapter as printed: the chapter, then its sections with their cases."""

    chapter: chapters.Chapter
    sections: list[tuple[chapters.Section, list[Case]]] = field(default_factory=list)
    with_text: bool = True  # the chapter's own text (はじめに…); not for a selection of cases


@dataclass
class Request:
    """What a PDF holds: every chapter, one chapter, chosen cases, or a closed edition."""

    chapter: chapters.Chapter | None = None
    slugs: tuple[str, ...] = ()
    edition: CaseEdition | None = None  # a closed edition: its cases and the editions before

    @property
    def name(self) -> str:
        """The file name the browser saves it as (ASCII, so every browser keeps it)."""
        if self.edition is not None:
            return f"kakehashi-casebook-edition-{self.edition.number}.pdf"
        if self.chapter is not None:
            return f"kakehashi-casebook-chapter-{self.chapter.number}.pdf"
        return "kakehashi-casebook-selection.pdf" if self.slugs else "kakehashi-casebook.pdf"


def parse(chapter_arg: str | None, cases_arg: str | None) -> Request:
    """The editor's ?chapter=<n> or ?cases=slug1,slug2 (neither: the whole casebook)."""
    chapter_arg = (chapter_arg or "").strip()
    cases_arg = (cases_arg or "").strip()
    if chapter_arg and cases_arg:
        raise BadInput(_("Choose either a chapter or cases, not both."))
    if chapter_arg:
        if not chapter_arg.isascii() or not chapter_arg.isdigit() or len(chapter_arg) > 3:
            raise BadInput(_("The chapter must be a number."))
        ch = chapters.chapter(int(chapter_arg))
        if ch is None:
            raise NotFound(_("There is no chapter %(n)d.", n=int(chapter_arg)))
        return Request(chapter=ch)
    if cases_arg:
        slugs = list(dict.fromkeys(s.strip() for s in cases_arg.split(",") if s.strip()))
        if len(slugs) > SELECTION_MAX:
            raise BadInput(_("Choose at most %(n)d cases.", n=SELECTION_MAX))
        bad = [s for s in slugs if not SLUG_RE.match(s)]
        if bad:
            raise BadInput(_("“%(slug)s” is not a case address.", slug=bad[0][:80]))
        return Request(slugs=tuple(slugs))
    return Request()


def closed_edition(number: int) -> CaseEdition:
    """A closed edition, whose PDF is public; NotFound for an open or unknown one."""
    edition = db.session.scalar(select(CaseEdition).where(CaseEdition.number == number))
    if edition is None or edition.closed_at is None:
        raise NotFound(_("Edition %(n)d has not been closed, so it has no PDF yet.", n=number))
    return edition


def latest_closed_edition() -> CaseEdition | None:
    """The newest closed edition (the public PDF the casebook links), or None."""
    return db.session.scalar(
        select(CaseEdition)
        .where(CaseEdition.closed_at.is_not(None))
        .order_by(CaseEdition.number.desc())
        .limit(1)
    )


def _where(req: Request) -> list:
    """Published cases only (a book never prints a draft, even for an editor), of the edition
    and those before it for an edition's PDF, of the chosen slugs for a selection."""
    out = [Case.status == CaseStatus.PUBLISHED]
    if req.edition is not None:
        out.append(
            Case.edition_id.in_(
                select(CaseEdition.id).where(CaseEdition.number <= req.edition.number)
            )
        )
    if req.slugs:
        out.append(Case.slug.in_(req.slugs))
    return out


def _codes(req: Request) -> list[str]:
    shown = [req.chapter] if req.chapter is not None else chapters.book().chapters
    return [s.code for ch in shown for s in ch.sections]


def contents(viewer, req: Request, loads: tuple | None = None) -> list[Part]:
    """The chapters to print, in the book's order, each with its sections' cases in the order
    the chapter pages show them. A selection keeps only the chapters and sections holding its
    cases; every slug must be a published case in a chapter (NotFound naming the first not)."""
    by_section = chapters.section_cases(
        viewer, _codes(req), *_where(req), loads=listing.sheet_loads() if loads is None else loads
    )
    if req.slugs:
        found = {c.slug for cases in by_section.values() for c in cases}
        missing = [s for s in req.slugs if s not in found]
        if missing:
            raise NotFound(
                _("No published case in the casebook has the address “%(slug)s”.", slug=missing[0])
            )
    parts = []
    for ch in chapters.book().chapters:
        if req.chapter is not None and ch.number != req.chapter.number:
            continue
        part = Part(ch, [(s, by_section[s.code]) for s in ch.sections], with_text=not req.slugs)
        if req.slugs:
            part.sections = [(s, cases) for s, cases in part.sections if cases]
            if not part.sections:
                continue
        parts.append(part)
    return parts


# --- rendering --------------------------------------------------------------------------------


def _static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def fetcher():
    """A WeasyPrint URL fetcher that serves this site's /static/ files from disk and refuses
    every other URL: a book is rendered without a single network request (an image a case's
    Markdown points elsewhere is left out)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_prefix = urls.base_url() + "/static/"
    root = _static_root()

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(static_prefix):
                relative = url[len(static_prefix) :].split("?", 1)[0].split("#", 1)[0]
                path = (root / relative).resolve()
                if path.is_relative_to(root) and path.is_file():
                    return URLFetcherResponse(url, body=path.read_bytes())
            raise ValueError(f"The casebook PDF fetches nothing outside /static/: {url}")

    return StaticOnly()


def _as_of(parts: list[Part], edition: CaseEdition | None) -> datetime:
    """The date the book's content holds for: its latest change (the closing of an edition,
    or an edit to one of its cases since)."""
    times = [c.updated_at for p in parts for _s, cases in p.sections for c in cases]
    if edition is not None and edition.closed_at is not None:
        times.append(edition.closed_at)
    return max(times) if times else utcnow()


def render_html(req: Request, parts: list[Part]) -> str:
    """The book as one HTML document for print (Japanese, the book's language)."""
    with force_locale("ja"):
        as_of = format_date(_as_of(parts, req.edition), "yyyy年M月d日")
        menus = (
            chapters.menu_groups()
            if any(p.with_text and q.get("kind") == "menus" for p in parts for q in p.chapter.parts)
            else []
        )
        return render_template(
            "casebook/book_print.html",
            book=chapters.book(),
            parts=parts,
            req=req,
            edition=req.edition or editions.current(),
            as_of=as_of,
            menus=menus,
            case_count=sum(len(cases) for p in parts for _s, cases in p.sections),
        )


def render_pdf(html: str) -> bytes:
    """The PDF of the book's HTML: A4, fonts from the machine's fontconfig (Noto CJK JP),
    embedded as subsets."""
    from weasyprint import CSS, HTML

    base = urls.base_url() + "/"
    fetch = fetcher()
    css = CSS(filename=str(_static_root() / STYLESHEET), url_fetcher=fetch)
    return HTML(string=html, base_url=base, url_fetcher=fetch).write_pdf(stylesheets=[css])


# --- the cache --------------------------------------------------------------------------------


@cache
def _chapters_digest() -> str:
    return hashlib.sha256(chapters.CHAPTERS_PATH.read_bytes()).hexdigest()[:16]


def cache_key(viewer, req: Request) -> str:
    """What the PDF shows, as a hash: the request, each case's id, last change, New mark and
    edition, the chapters' text and the renderer. One small query, no rendering."""
    closed = req.edition.closed_at if req.edition is not None else None
    rows = db.session.execute(
        select(Case.id, Case.updated_at, Case.is_new, Case.edition_id)
        .where(visible_clause(viewer), Case.section.in_(_codes(req)), *_where(req))
        .order_by(Case.id)
    ).all()
    parts = [
        f"v{RENDER_VERSION}",
        _chapters_digest(),
        f"chapter={req.chapter.number if req.chapter else ''}",
        "cases=" + ",".join(req.slugs),
        f"edition={req.edition.number if req.edition else ''}",
        f"closed={closed.isoformat() if closed else ''}",
        urls.base_url(),
        *(f"{r.id}:{r.updated_at.isoformat()}:{int(r.is_new)}:{r.edition_id}" for r in rows),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _cache_dir() -> Path | None:
    """CASEBOOK_PDF_CACHE_DIR, else instance/casebook-pdf; None (no cache) under test unless a
    test names a folder, so the suite never writes into the developer's instance folder."""
    configured = current_app.config.get("CASEBOOK_PDF_CACHE_DIR")
    if configured:
        return Path(configured)
    return None if current_app.testing else Path(current_app.instance_path) / "casebook-pdf"


def _cached(key: str) -> bytes | None:
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        return (folder / f"{key}.pdf").read_bytes()
    except OSError:
        return None


def _store(key: str, pdf: bytes) -> None:
    """Keep the PDF (written whole, then renamed, so no reader sees half a file); a full or
    read-only disk costs the next request a render, not this one its PDF."""
    folder = _cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
        os.replace(tmp, folder / f"{key}.pdf")
        kept = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as err:
        current_app.logger.warning("casebook PDF not cached: %s", err)


def book_pdf(viewer, req: Request) -> tuple[bytes, str]:
    """The PDF for the request and its cache key (the ETag): from the cache when nothing it
    shows has changed, else rendered and kept."""
    # A selection naming a case that is not published never gets this far from the cache: its
    # key is only ever stored after contents() found every slug.
    key = cache_key(viewer, req)
    pdf = _cached(key)
    if pdf is None:
        parts = contents(viewer, req)
        pdf = render_pdf(render_html(req, parts))
        _store(key, pdf)
    return pdf, key
