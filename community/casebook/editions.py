"""Editions (版): the open edition, stamping a case with the edition it first appeared in,
and closing an edition (which opens the next and moves "New")."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from community import policy
from community.casebook.models import Case, CaseEdition, CaseStatus
from community.db import savepoint
from community.errors import Conflict, PermissionDenied, ValidationFailed
from community.extensions import db

NOTE_MAX = 300


def current() -> CaseEdition:
    """The open edition; 第1版 is opened on first use."""
    edition = db.session.scalar(
        select(CaseEdition).where(CaseEdition.closed_at.is_(None)).order_by(CaseEdition.number)
    )
    if edition is None:
        last = db.session.scalar(select(func.max(CaseEdition.number))) or 0
        edition = CaseEdition(number=last + 1)
        db.session.add(edition)
        db.session.flush()
    return edition


def stamp(case: Case) -> None:
    """On a case's first publication: it appears in the open edition, and is New there."""
    if case.status == CaseStatus.PUBLISHED and case.edition_id is None:
        case.edition_id = current().id
        case.is_new = True


def listing() -> list[tuple[CaseEdition, int]]:
    """Every edition, newest first, with the number of cases that first appeared in it."""
    counts = dict(
        db.session.execute(
            select(Case.edition_id, func.count(Case.id))
            .where(Case.edition_id.is_not(None), Case.status == CaseStatus.PUBLISHED)
            .group_by(Case.edition_id)
        ).all()
    )
    editions = db.session.scalars(
        select(CaseEdition)
        .options(joinedload(CaseEdition.closed_by))
        .order_by(CaseEdition.number.desc())
    )
    return [(e, counts.get(e.id, 0)) for e in editions]


def closable(actor, number, note: str = "") -> tuple[CaseEdition, str]:
    """The open edition `number` (the number the editor saw, so a second click or a second
    editor does not close the next one too) and the cleaned note, when `actor` may close it;
    else PermissionDenied, ValidationFailed or Conflict. Nothing is written."""
    if not policy.is_editor(actor):
        raise PermissionDenied(_("Only editors can close an edition."))
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise ValidationFailed.for_field("edition", _("Choose the edition to close.")) from None
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed.for_field("note", _("Use at most %(n)d characters.", n=NOTE_MAX))
    edition = current()
    if edition.number != number:
        raise Conflict(
            _(
                "Edition %(n)d is already closed; the edition open now is %(m)d.",
                n=number,
                m=edition.number,
            )
        )
    return edition, note


def close(actor, edition: CaseEdition, note: str, closed_at, unchanged) -> CaseEdition:
    """Close `edition` (from `closable`) and open the next; returns the new one. `unchanged()`
    is asked once the closing is written (the write lock held): False when a case of the
    edition changed since the caller printed its book, and the closing is refused."""
    edition.closed_at = closed_at
    edition.closed_by_id = actor.id
    edition.note = note
    db.session.execute(update(Case).where(Case.is_new.is_(True)).values(is_new=False))
    if not unchanged():
        # A case of the edition was published or edited while the book was being printed.
        raise Conflict(
            _("A case changed while the edition's PDF was being made. Please close it again.")
        )
    nxt = CaseEdition(number=edition.number + 1)
    try:
        # The unique number is the lock: of two editors closing at once, one opens the next.
        with savepoint(db.session):
            db.session.add(nxt)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Another editor closed this edition a moment ago.")) from None
    return nxt
