"""Links between questions and cases: linking, #case mentions, citations, "helped resolve"."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from community import policy
from community.auth.models import User
from community.casebook.models import AnswerCitation, Case, CaseLink, CaseStatus
from community.circles import services as circles
from community.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from community.extensions import db
from community.questions.models import Question

MENTION_RE = re.compile(r"(?:#case:|/cases/)([a-z0-9][a-z0-9-]{1,78}[a-z0-9])")


def link_question(actor: User, question, case: Case, note: str = "") -> CaseLink:
    """Anyone who may answer the question links a published case to it, with a short note."""
    circles.require_reply(actor, question.circle)
    if not case.is_published:
        raise NotFound(_("Not found."))
    note = (note or "").strip()
    if len(note) > 300:
        msg = _("Use at most %(n)d characters.", n=300)
        raise ValidationFailed.for_field("note", msg)
    existing = db.session.scalar(
        select(CaseLink).where(CaseLink.question_id == question.id, CaseLink.case_id == case.id)
    )
    if existing is not None:
        raise Conflict(_("This case is already linked."))
    link = CaseLink(question_id=question.id, case_id=case.id, created_by_id=actor.id, note=note)
    db.session.add(link)
    db.session.flush()
    return link


def unlink(actor: User, link: CaseLink) -> None:
    """The person who linked, the circle's moderators and admins remove a link."""

    question = db.session.get(Question, link.question_id)
    if not (
        policy.is_signed_in(actor)
        and (link.created_by_id == actor.id or policy.can_moderate(actor, question.circle))
    ):
        raise PermissionDenied(
            _("Only the person who linked it or a moderator can remove this link.")
        )
    db.session.delete(link)
    db.session.flush()


def mentioned_slugs(text: str) -> list[str]:
    """The case slugs a text mentions (#case:slug or /cases/slug), each once, in order."""
    return list(dict.fromkeys(MENTION_RE.findall(text or "")))


def sync_mentions(question, text: str, author: User, answer=None) -> None:
    """`#case:<slug>` or a case URL in a post links the case (and an answer cites it)."""
    slugs = mentioned_slugs(text)
    if not slugs:
        return
    cases = db.session.scalars(
        select(Case).where(Case.slug.in_(slugs), Case.status == CaseStatus.PUBLISHED)
    )
    for case in cases:
        linked = db.session.scalar(
            select(CaseLink.id).where(
                CaseLink.question_id == question.id, CaseLink.case_id == case.id
            )
        )
        if linked is None:
            db.session.add(
                CaseLink(question_id=question.id, case_id=case.id, created_by_id=author.id)
            )
        if answer is not None:
            cited = db.session.scalar(
                select(AnswerCitation.id).where(
                    AnswerCitation.answer_id == answer.id, AnswerCitation.case_id == case.id
                )
            )
            if cited is None:
                db.session.add(AnswerCitation(answer_id=answer.id, case_id=case.id))
    db.session.flush()


def links_for_question(question_id: int) -> list[CaseLink]:
    """The question's links to published cases that no moderator hid, oldest first."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(CaseLink)
            .join(Case, Case.id == CaseLink.case_id)
            .where(
                CaseLink.question_id == question_id,
                Case.status == CaseStatus.PUBLISHED,
                CaseLink.hidden_at.is_(None),
            )
            .options(joinedload(CaseLink.case), joinedload(CaseLink.created_by))
            .order_by(CaseLink.created_at)
        )
    )


def questions_for_case(viewer, case: Case, limit: int = 20):
    """Linked questions the viewer may see (private circles' questions stay hidden)."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Question)
            .join(CaseLink, CaseLink.question_id == Question.id)
            .where(
                CaseLink.case_id == case.id,
                CaseLink.hidden_at.is_(None),
                policy.visible_questions_clause(viewer),
            )
            .options(joinedload(Question.circle))
            .order_by(Question.last_activity_at.desc())
            .limit(limit)
        )
    )


def helped_resolve(viewer, case_ids: list[int]) -> dict[int, int]:
    """Per case: visible questions whose accepted answer cites the case (one query)."""

    if not case_ids:
        return {}
    rows = db.session.execute(
        select(AnswerCitation.case_id, func.count(func.distinct(Question.id)))
        .join(Question, and_(Question.accepted_answer_id == AnswerCitation.answer_id))
        .where(AnswerCitation.case_id.in_(case_ids), policy.visible_questions_clause(viewer))
        .group_by(AnswerCitation.case_id)
    ).all()
    return dict(rows)


def published_choices() -> list[Case]:
    """Published cases by title, for choosing one to link."""
    return list(
        db.session.scalars(
            select(Case).where(Case.status == CaseStatus.PUBLISHED).order_by(Case.title)
        )
    )
