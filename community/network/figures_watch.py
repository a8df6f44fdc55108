"""Keep the stored monthly figures correct: a change to a closed month's posts, bookings or
accounts bumps that month's generation in the same transaction (figures_store.py).

As questions/page_cache.py does for question pages: session hooks note the changed rows after
each flush (and bulk UPDATEs and DELETEs before they run), and just before commit one upsert
bumps every closed month noted. A commit that touches only the current month (a new question,
an answer to this month's question) writes nothing more.

What changes which month (the month in JST):
- a question asked, hidden, shown, deleted, or its field, stage, author or accepted answer
  changed: the month it was asked;
- an answer posted, hidden, shown or deleted: its own month and its question's (the time to a
  first answer);
- a case link, an answer's citation of a case, or a case published or withdrawn: the months of
  the questions linked;
- a booking made or changed: the month of its session (before and after a move);
- an account created or deleted: the month it was created.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from community.auth.models import User
from community.casebook.models import AnswerCitation, Case, CaseLink
from community.db import utcnow
from community.extensions import db
from community.network.models import MonthChange
from community.network.months import month_text, this_month
from community.office_hours.models import Booking
from community.questions.models import Answer, Question

_NOTED = "network_months"  # session.info: {"months", "questions", "answers", "cases": set}

# The columns whose change alters a figure, per model.
SHOWN = {
    Question: ("hidden_at", "field_code", "stage", "accepted_answer_id", "created_at", "author_id"),
    Answer: ("hidden_at", "created_at", "question_id", "author_id"),
    CaseLink: ("hidden_at", "case_id", "question_id"),
    Case: ("status",),  # only a published case's links count
    AnswerCitation: ("answer_id", "case_id"),
    Booking: ("status", "starts_at", "rating", "member_id"),
    User: ("deleted_at", "created_at"),
}


def _month(when) -> str | None:
    return None if when is None else month_text(this_month(when))


def _noted(session) -> dict[str, set]:
    empty = {"months": set(), "questions": set(), "answers": set(), "cases": set()}
    return session.info.setdefault(_NOTED, empty)


def _values(obj, name: str) -> set:
    """The attribute's value now and before this flush."""
    state = inspect(obj)
    history = state.attrs[name].history
    return {*history.added, *history.deleted, *history.unchanged, state.dict.get(name)}


def _relevant(obj) -> bool:
    state = inspect(obj)
    if state.pending or state.deleted or state.was_deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in SHOWN[type(obj)])


def note(session, obj) -> None:
    """Note the months (or the rows that lead to them) a written row changes."""
    noted = _noted(session)
    if isinstance(obj, Question):
        noted["months"] |= {_month(t) for t in _values(obj, "created_at")}
    elif isinstance(obj, Answer):
        noted["months"] |= {_month(t) for t in _values(obj, "created_at")}
        noted["questions"] |= _values(obj, "question_id")
    elif isinstance(obj, CaseLink):
        noted["questions"] |= _values(obj, "question_id")
    elif isinstance(obj, AnswerCitation):
        noted["answers"] |= _values(obj, "answer_id")
    elif isinstance(obj, Case):
        noted["cases"].add(obj.id)
    elif isinstance(obj, Booking):
        noted["months"] |= {_month(t) for t in _values(obj, "starts_at")}
    elif isinstance(obj, User):
        noted["months"] |= {_month(t) for t in _values(obj, "created_at")}


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):  # noqa: ARG001 - SQLAlchemy's signature
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj) in SHOWN and _relevant(obj):
            note(session, obj)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state):
    """A bulk UPDATE or DELETE passes by the flush: read the months of its rows before it runs
    (only for the statements that change a figure, which are rare: accepting, deleting)."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    if model not in SHOWN:
        return
    if state.is_update:
        names = {getattr(k, "key", k) for k in getattr(state.statement, "_values", None) or {}}
        if not names & set(SHOWN[model]):
            return
    where = state.statement.whereclause
    noted = _noted(state.session)
    if model is Question:
        found = select(Question.created_at).where(where)
    elif model is Answer:
        found = select(Answer.created_at).where(where)
        noted["questions"] |= set(state.session.scalars(select(Answer.question_id).where(where)))
    elif model is Booking:
        found = select(Booking.starts_at).where(where)
    elif model is User:
        found = select(User.created_at).where(where)
    elif model is CaseLink:
        noted["questions"] |= set(state.session.scalars(select(CaseLink.question_id).where(where)))
        return
    elif model is Case:
        noted["cases"] |= set(state.session.scalars(select(Case.id).where(where)))
        return
    else:
        cited = select(AnswerCitation.answer_id).where(where)
        noted["answers"] |= set(state.session.scalars(cited))
        return
    noted["months"] |= {_month(t) for t in state.session.scalars(found)}


def _question_months(session, question_ids: set, answer_ids: set, case_ids: set) -> set[str]:
    """The months of the questions (of the answers' questions, of the cases' linked questions):
    from the session's own rows when it holds them, else one statement."""
    months, unknown = set(), set()
    for qid in question_ids - {None}:
        question = session.identity_map.get(session.identity_key(Question, qid))
        if question is not None and "created_at" in inspect(question).dict:
            months.add(_month(question.created_at))
        else:
            unknown.add(qid)
    answers_left = set()
    for aid in answer_ids - {None}:
        answer = session.identity_map.get(session.identity_key(Answer, aid))
        if answer is not None and "question_id" in inspect(answer).dict:
            question = session.identity_map.get(session.identity_key(Question, answer.question_id))
            if question is not None and "created_at" in inspect(question).dict:
                months.add(_month(question.created_at))
                continue
            unknown.add(answer.question_id)
        else:
            answers_left.add(aid)
    case_ids = case_ids - {None}
    if unknown or answers_left or case_ids:
        via_answers = select(Answer.question_id).where(Answer.id.in_(answers_left))
        via_cases = select(CaseLink.question_id).where(CaseLink.case_id.in_(case_ids))
        found = select(Question.created_at).where(
            Question.id.in_(unknown) | Question.id.in_(via_answers) | Question.id.in_(via_cases)
        )
        months |= {_month(t) for t in session.scalars(found)}
    return months


@event.listens_for(Session, "before_commit")
def _bump(session):
    if session is not db.session():
        return
    session.flush()  # the commit's own flush comes later: let the hooks see everything
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    current = month_text(this_month())
    months = {m for m in noted["months"] if m is not None and m < current}
    found = _question_months(session, noted["questions"], noted["answers"], noted["cases"])
    months |= {m for m in found if m is not None and m < current}
    if not months:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    now = utcnow()
    # In month order, so two transactions bumping overlapping months lock rows in one order.
    stmt = insert(MonthChange).values(
        [{"month": m, "generation": 1, "changed_at": now} for m in sorted(months)]
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["month"],
            set_={"generation": MonthChange.generation + 1, "changed_at": now},
        )
    )


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the earlier changes
        session.info.pop(_NOTED, None)
