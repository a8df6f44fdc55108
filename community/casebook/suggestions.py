"""Members' short case suggestions and the editors' queue: suggest, list, decline, and turn a
suggestion into a case (through the case form, prefilled from it).

Who hears of what is not decided here: `case_suggested` and `case_suggestion_decided`
(community/signals.py) are sent, and the notifications package tells editors and members."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from community import policy, signals
from community.auth.models import User
from community.auth.services import ensure_can_post
from community.casebook.models import Case, CaseStatus, CaseSuggestion, SuggestionStatus
from community.casebook.saving import save_case
from community.casebook.validation import CaseInput
from community.db import savepoint, utcnow
from community.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.limits import max_length

WHAT_MAX = 5000
FIELDS = ("title", "what", "place", "people", "source_url", "contact")


@dataclass
class SuggestionInput:
    """What the short form submits."""

    title: str = ""
    what: str = ""
    place: str = ""
    people: str = ""
    source_url: str = ""
    contact: str = ""


def _require_editor(actor) -> None:
    if not policy.is_editor(actor):
        raise PermissionDenied(_("Only casebook editors may do that."))


def _check(data: SuggestionInput) -> dict:
    """Clean values, or ValidationFailed with every field's error (nothing is written)."""
    errors: dict[str, list[str]] = {}
    v = {name: (getattr(data, name) or "").strip() for name in FIELDS}
    if not 5 <= len(v["title"]) <= 150:
        errors["title"] = [_("Use 5–150 characters.")]
    if not v["what"]:
        errors["what"] = [_("Tell the editors what happened.")]
    elif len(v["what"]) > WHAT_MAX:
        errors["what"] = [_("Use at most %(n)d characters.", n=WHAT_MAX)]
    for name in ("place", "people", "contact"):
        if len(v[name]) > (n := max_length(CaseSuggestion, name) or 0):
            errors[name] = [_("Use at most %(n)d characters.", n=n)]
    url = v["source_url"]
    if url and (
        urlsplit(url).scheme not in ("http", "https")
        or not urlsplit(url).netloc
        or len(url) > (max_length(CaseSuggestion, "source_url") or 0)
    ):
        errors["source_url"] = [_("A link starts with http:// or https://.")]
    v["source_url"] = url or None
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    return v


def suggest(actor: User, data: SuggestionInput) -> CaseSuggestion:
    """A signed-in, confirmed member suggests a case; editors hear of it (case_suggested)."""
    ensure_can_post(actor)
    suggestion = CaseSuggestion(suggested_by_id=actor.id, **_check(data))
    db.session.add(suggestion)
    db.session.flush()
    signals.case_suggested.send(suggestion, author=actor)
    return suggestion


def pending_count(viewer) -> int:
    """Suggestions waiting for an editor (0 for anyone who is not an editor)."""
    if not policy.is_editor(viewer):
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CaseSuggestion)
            .where(CaseSuggestion.status == SuggestionStatus.PENDING)
        )
        or 0
    )


def queue(viewer, limit: int = 200) -> list[CaseSuggestion]:
    """The editors' queue: pending first (oldest first), then the decided ones, newest first.
    One query, whatever the number of suggestions."""
    _require_editor(viewer)
    pending_first = sql_case((CaseSuggestion.status == SuggestionStatus.PENDING, 0), else_=1)
    return list(
        db.session.scalars(
            select(CaseSuggestion)
            .options(
                joinedload(CaseSuggestion.suggested_by),
                joinedload(CaseSuggestion.decided_by),
                joinedload(CaseSuggestion.case),
            )
            .order_by(
                pending_first,
                sql_case(
                    (CaseSuggestion.status == SuggestionStatus.PENDING, CaseSuggestion.id),
                    else_=-CaseSuggestion.id,
                ),
            )
            .limit(limit)
        )
    )


def mine(user: User) -> list[CaseSuggestion]:
    """The member's own suggestions, newest first, with the case an accepted one became."""
    return list(
        db.session.scalars(
            select(CaseSuggestion)
            .where(CaseSuggestion.suggested_by_id == user.id)
            .options(joinedload(CaseSuggestion.case))
            .order_by(CaseSuggestion.id.desc())
        )
    )


def get_for_editor(viewer, suggestion_id: int) -> CaseSuggestion:
    """One suggestion for an editor (PermissionDenied for others, NotFound when missing)."""
    _require_editor(viewer)
    suggestion = db.session.get(CaseSuggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(_("Not found."))
    return suggestion


def _claim(actor: User, suggestion: CaseSuggestion, status: SuggestionStatus, **values) -> None:
    """Decide a pending suggestion with one conditional UPDATE, so that two editors deciding
    at once cannot both succeed (the second finds it no longer pending)."""
    done = db.session.execute(
        update(CaseSuggestion)
        .where(
            CaseSuggestion.id == suggestion.id,
            CaseSuggestion.status == SuggestionStatus.PENDING,
        )
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise InvalidTransition(_("This suggestion has already been decided."))
    db.session.refresh(suggestion)


def decline(actor: User, suggestion: CaseSuggestion, reason: str) -> CaseSuggestion:
    """An editor declines a pending suggestion with a reason the member is told."""
    _require_editor(actor)
    reason = (reason or "").strip()
    limit = max_length(CaseSuggestion, "decline_reason") or 0
    if not reason:
        raise ValidationFailed.for_field("reason", _("Give the member a reason."))
    if len(reason) > limit:
        raise ValidationFailed.for_field("reason", _("Use at most %(n)d characters.", n=limit))
    _claim(actor, suggestion, SuggestionStatus.DECLINED, decline_reason=reason)
    signals.case_suggestion_decided.send(suggestion, actor=actor, accepted=False, reason=reason)
    return suggestion


def draft_for(suggestion: CaseSuggestion) -> CaseInput:
    """The case form's starting point: the title, an overview quoting what happened, where
    and who, and the link as the first source. The editor completes the rest."""
    lines = [suggestion.what.strip()]
    if suggestion.place:
        lines.append(_("Where: %(place)s", place=suggestion.place))
    if suggestion.people:
        lines.append(_("Who: %(people)s", people=suggestion.people))
    quoted = "\n>\n".join("> " + line.replace("\n", "\n> ") for line in lines)
    overview = _("A member's suggestion:") + "\n\n" + quoted + "\n"
    sources = []
    if suggestion.source_url:
        sources.append({"title": _("Link from the suggestion"), "url": suggestion.source_url})
    return CaseInput(
        title=suggestion.title,
        overview=overview,
        organisations=suggestion.place[:500],
        participants=suggestion.people,
        sources=sources,
        status=CaseStatus.REVIEW.value,
    )


def accept(actor: User, suggestion: CaseSuggestion, data: CaseInput) -> Case:
    """Turn a pending suggestion into a case written by the editor (never published straight
    away: it starts as a draft or in review); the member is told, with the case."""
    _require_editor(actor)
    if data.status == CaseStatus.PUBLISHED.value:
        data.status = CaseStatus.REVIEW.value
    # A case that cannot be saved undoes the claim too: the suggestion stays pending.
    with savepoint(db.session):
        _claim(actor, suggestion, SuggestionStatus.ACCEPTED)
        case = save_case(actor, None, data)
        suggestion.case_id = case.id
        db.session.flush()
    signals.case_suggestion_decided.send(suggestion, actor=actor, accepted=True, reason="")
    return case
