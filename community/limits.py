"""Column limits checked before every flush, on every database alike.

PostgreSQL refuses a string longer than its `varchar(n)` and an integer outside its column's
range with an error that would surface as a 500; SQLite stores both silently. Checking here,
below every feature, turns either into the same clear ValidationFailed (422) on both
databases, whichever form, CLI command or API call the value came from. Forms still state
their own limits so that a person sees the message next to the field; this is the net under
them.
"""

from __future__ import annotations

from functools import cache
from itertools import chain

from flask_babel import gettext as _
from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import Mapper, Session

from community.errors import ValidationFailed

_INT_BOUND = {SmallInteger: 2**15, BigInteger: 2**63, Integer: 2**31}


@cache
def _limits(mapper: Mapper) -> tuple[tuple[str, str, int], ...]:
    """(attribute, "str" | "int", limit) for each limited column of a mapped class."""
    found = []
    for attr in mapper.column_attrs:
        column_type = attr.columns[0].type
        if isinstance(column_type, String) and column_type.length:
            found.append((attr.key, "str", column_type.length))
        elif isinstance(column_type, Integer):
            bound = next(b for t, b in _INT_BOUND.items() if isinstance(column_type, t))
            found.append((attr.key, "int", bound))
    return tuple(found)


def max_length(model, key: str) -> int | None:
    """The varchar length of `model.key`, for forms and services that state it up front."""
    for attr, kind, limit in _limits(inspect(model)):
        if attr == key and kind == "str":
            return limit
    return None


def check(obj) -> None:
    """Raise ValidationFailed when a loaded attribute of `obj` exceeds its column."""
    state = inspect(obj)
    for key, kind, limit in _limits(state.mapper):
        value = state.dict.get(key)  # only what was set or loaded: no lazy loads here
        if kind == "str" and isinstance(value, str) and len(value) > limit:
            msg = _("Use at most %(n)d characters.", n=limit)
            raise ValidationFailed.for_field(key, msg)
        if (
            kind == "int"
            and isinstance(value, int)
            and not isinstance(value, bool)
            and not -limit <= value < limit
        ):
            msg = _("This number is too large.")
            raise ValidationFailed.for_field(key, msg)


@event.listens_for(Session, "before_flush")
def _check_limits(session: Session, _context, _instances) -> None:
    for obj in chain(session.new, session.dirty):
        check(obj)
