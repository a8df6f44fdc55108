"""Cursor pagination over the newest-first order (created_at desc, id desc).

The cursor is the last row's (created_at, id), base64url-encoded: opaque to clients, and a
row asked after a page was read can never shift the next page (as OFFSET would)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from community.errors import ValidationFailed
from community.extensions import db
from community.questions import listing
from community.questions.models import Question

ORDER = (Question.created_at.desc(), Question.id.desc())


def encode(question: Question) -> str:
    """The cursor that continues after `question`."""
    stamp = question.created_at.astimezone(UTC).isoformat()
    raw = json.dumps([stamp, question.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    """(created_at, id) from a cursor, or ValidationFailed for anything not made by encode."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, row_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ValidationFailed.for_field("cursor", _("This cursor is not valid.")) from None
    return when, row_id


def page(
    viewer, *, cursor: str | None, per_page: int, **filters
) -> tuple[list[Question], str | None]:
    """One page of the questions the viewer may see (listing.list_filters' rules and filters),
    and the cursor of the next page (None on the last). Ids first, then the rows with what
    they show: a fixed number of statements whatever the page size."""
    where = listing.list_filters(viewer, **filters)
    if cursor:
        when, row_id = decode(cursor)
        where.append(
            or_(
                Question.created_at < when,
                and_(Question.created_at == when, Question.id < row_id),
            )
        )
    ids = list(
        db.session.scalars(select(Question.id).where(*where).order_by(*ORDER).limit(per_page + 1))
    )
    more = len(ids) > per_page
    ids = ids[:per_page]
    if not ids:
        return [], None
    rows = list(
        db.session.scalars(
            select(Question)
            .where(Question.id.in_(ids))
            .order_by(*ORDER)
            .options(
                joinedload(Question.author),
                joinedload(Question.circle),
                selectinload(Question.topics),
                selectinload(Question.tags),
            )
        ).unique()
    )
    return rows, encode(rows[-1]) if more else None
