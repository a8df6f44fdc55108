"""A closed edition's PDF, frozen: rendered once when the edition closes (in the closing
transaction) and kept in the database, so the public book of 第N版 never changes after
publication, whatever editors later do to its cases. Editors' /cases/book.pdf stays live.

Editions closed before books were kept have no stored PDF: the first request for one renders
it from the cases as they read then, and keeps that (the closest to the edition that is left).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from community.casebook import editions, pdf
from community.casebook.models import Case, CaseEdition, CaseEditionBook, CaseStatus
from community.db import savepoint, utcnow
from community.errors import DomainError
from community.extensions import db


class BookNotRendered(DomainError):
    """The edition's PDF could not be made, so the edition is not closed (nothing written)."""

    status = 503
    code = "pdf_not_rendered"


def render(edition: CaseEdition) -> bytes:
    """The PDF of a closed edition as the public reads it: its published cases and those of
    the editions before, none marked New (closing ends the marks). BookNotRendered when the
    renderer fails."""
    req = pdf.Request(edition=edition)
    parts = pdf.contents(None, req)  # an anonymous reader: published cases only
    for part in parts:
        for _section, cases in part.sections:
            for case in cases:
                # What close() writes a moment later, set as loaded so that nothing is flushed.
                set_committed_value(case, "is_new", False)
    try:
        return pdf.render_pdf(pdf.render_html(req, parts))
    except Exception as err:  # noqa: BLE001 - any renderer failure must stop the closing cleanly
        current_app.logger.exception("casebook PDF of edition %d not rendered", edition.number)
        raise BookNotRendered(
            _(
                "The PDF of edition %(n)d could not be made, so the edition was not closed. "
                "Nothing was changed; please try again later or tell an administrator.",
                n=edition.number,
            )
        ) from err


def as_closed(edition: CaseEdition, closed_at: datetime, note: str) -> CaseEdition:
    """The open edition as it will read once closed, for printing its book before anything
    is written (a copy outside the session: the real row is changed only after the render)."""
    return CaseEdition(number=edition.number, note=note, closed_at=closed_at)


def fingerprint(number: int) -> list[tuple]:
    """Each published case of edition `number` and the editions before, with its last change:
    what the book prints, read again after closing to see that nothing changed meanwhile."""
    earlier = select(CaseEdition.id).where(CaseEdition.number <= number)
    return [
        tuple(row)
        for row in db.session.execute(
            select(Case.id, Case.updated_at)
            .where(Case.status == CaseStatus.PUBLISHED, Case.edition_id.in_(earlier))
            .order_by(Case.id)
        )
    ]


def keep(edition: CaseEdition, data: bytes) -> CaseEditionBook:
    """Store the edition's PDF (flushed, in the caller's transaction)."""
    book = CaseEditionBook(
        edition_id=edition.id, pdf=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data)
    )
    db.session.add(book)
    db.session.flush()
    return book


def stored(edition: CaseEdition) -> CaseEditionBook | None:
    """The edition's stored PDF (its bytes loaded only when read), or None."""
    return db.session.scalar(
        select(CaseEditionBook).where(CaseEditionBook.edition_id == edition.id)
    )


def book_for(number: int) -> CaseEditionBook:
    """The public PDF of closed edition `number` (NotFound for an open or unknown one). An
    edition closed before books were kept gets its PDF rendered now and kept from then on."""
    edition = pdf.closed_edition(number)
    book = stored(edition)
    if book is not None:
        return book
    data = render(edition)
    try:
        # Two first readers at once: the edition id is the key, so one keeps its PDF and the
        # other serves that one.
        with savepoint(db.session):
            return keep(edition, data)
    except IntegrityError:
        return stored(edition)


def close(actor, number, note: str = "") -> CaseEdition:
    """Close the open edition `number` with its book printed and kept; returns the next edition.

    The public PDF is printed now and kept: a published book never changes. It is printed
    before anything is written (on SQLite a write would hold the database's only write lock for
    the seconds a book takes), so a renderer failure leaves the edition open; a case changed
    meanwhile refuses the closing."""
    edition, note = editions.closable(actor, number, note)
    closed_at = utcnow()
    printed = fingerprint(edition.number)
    book = render(as_closed(edition, closed_at, note))
    nxt = editions.close(
        actor, edition, note, closed_at, unchanged=lambda: fingerprint(edition.number) == printed
    )
    keep(edition, book)
    return nxt
