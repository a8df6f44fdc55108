"""The SQL of the monthly figures: one grouped statement per family of figures.

Each function takes the filters and `by` ("month" in JST, or "prefecture" of the person the
figure is about) and returns {group key: figures}: one GROUP BY per family, whatever the size.

Dates are stored in UTC. A month in JST is the UTC timestamp shifted by nine hours (Japan has
no daylight saving time), which both databases can group by: strftime on SQLite, to_char of
timezone('Asia/Tokyo', …) on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, exists, func, literal_column, select, text
from sqlalchemy.orm import aliased

from community.auth.models import User
from community.casebook.models import AnswerCitation, Case, CaseLink, CaseStatus
from community.extensions import db
from community.office_hours.models import Booking, BookingStatus
from community.profiles.models import Profile, profile_fields
from community.questions.models import Answer, Question

WEEK_HOURS = 7 * 24
_EMPTY = literal_column("''")


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def without_jit() -> None:
    """On PostgreSQL, no JIT for the rest of this transaction: at a national scale these GROUP BYs
    pass jit_above_cost, and compiling the plans took longer (about 2.5 s) than running them."""
    if _postgres():
        db.session.execute(text("SET LOCAL jit = off"))


def month_of(column) -> ColumnElement[str]:
    """'YYYY-MM' of a UTC timestamp column, in JST."""
    # Constants inline, not bound: PostgreSQL must see the GROUP BY expression as the selected one.
    if _postgres():
        zone = func.timezone(literal_column("'Asia/Tokyo'"), column)
        return func.to_char(zone, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column, literal_column("'+9 hours'"))


def hours_between(start, end) -> ColumnElement[float]:
    """Hours from `start` to `end` (two timestamps), as a float."""
    if _postgres():
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _key(by: str, when, profile) -> ColumnElement[str]:
    return month_of(when) if by == "month" else func.coalesce(profile.prefecture_code, _EMPTY)


def _scoped(filters, profile) -> list[ColumnElement[bool]]:
    """The prefecture scope on the person's profile (None = every prefecture, and no profile)."""
    if filters.prefectures is None:
        return []
    return [profile.prefecture_code.in_(sorted(filters.prefectures))]


def _has_field(filters, user_id) -> list[ColumnElement[bool]]:
    """A person's profile lists the chosen field (for bookings and new members)."""
    if not filters.field:
        return []
    return [
        exists().where(
            profile_fields.c.profile_id == user_id, profile_fields.c.field_code == filters.field
        )
    ]


def _questions_cte(filters, by: str):
    """One row per question asked in the period: its group, hours to a first answer by someone
    else (NULL when none), its problem stage, whether a case is linked and helped resolve it."""
    asker = aliased(Profile)
    first = (
        select(func.min(Answer.created_at))
        .where(
            Answer.question_id == Question.id,
            Answer.hidden_at.is_(None),
            Answer.author_id != Question.author_id,
        )
        .scalar_subquery()
    )
    linked = exists().where(
        CaseLink.question_id == Question.id,
        CaseLink.hidden_at.is_(None),
        CaseLink.case_id == Case.id,
        Case.status == CaseStatus.PUBLISHED,
    )
    # As casebook.links.helped_resolve: the accepted answer cites a case.
    helped = exists().where(AnswerCitation.answer_id == Question.accepted_answer_id)
    where = [
        Question.hidden_at.is_(None),
        Question.created_at >= filters.start_utc,
        Question.created_at < filters.end_utc,
        *_scoped(filters, asker),
    ]
    if filters.field:
        where.append(Question.field_code == filters.field)
    return (
        select(
            _key(by, Question.created_at, asker).label("key"),
            hours_between(Question.created_at, first).label("hours"),
            # The stage chosen when asking; the asker's current stage when none was chosen.
            func.coalesce(Question.stage, asker.problem_stage).label("stage"),
            case((linked, 1), else_=0).label("linked"),
            case((helped, 1), else_=0).label("helped"),
        )
        .select_from(Question)
        .outerjoin(asker, asker.user_id == Question.author_id)
        .where(*where)
        .cte("asked")
    )


def question_figures(filters, by: str) -> dict[str, dict]:
    """Questions asked, answered, answered within 7 days (and the p50 hours to a first answer),
    by stage, with a case, helped — one statement.

    The median is one portable expression rather than percentile_cont on PostgreSQL and Python on
    SQLite: rank the hours within each group and average the middle one or two rows, which is
    exactly percentile_cont(0.5) (SQLite has had window functions since 3.25). The questions are
    a CTE read twice (counts and ranks), which PostgreSQL computes once: inlined, it ran each
    question's first-answer subquery once per mention."""
    q = _questions_cte(filters, by)
    counts = (
        select(
            q.c.key,
            func.count().label("questions"),
            func.count(q.c.hours).label("answered"),
            func.sum(case((q.c.hours <= WEEK_HOURS, 1), else_=0)).label("within_7d"),
            *(func.sum(case((q.c.stage == n, 1), else_=0)).label(f"stage_{n}") for n in (1, 2, 3)),
            func.sum(case((q.c.stage.is_(None), 1), else_=0)).label("stage_unknown"),
            func.sum(q.c.linked).label("with_case"),
            func.sum(q.c.helped).label("helped"),
        )
        .group_by(q.c.key)
        .subquery()
    )
    ranked = (
        select(
            q.c.key,
            q.c.hours,
            func.row_number().over(partition_by=q.c.key, order_by=q.c.hours).label("rn"),
            func.count().over(partition_by=q.c.key).label("n"),
        )
        .where(q.c.hours.is_not(None))
        .subquery()
    )
    # Integer division (//): the middle row of an odd count, the two middle rows of an even one.
    middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    medians = (
        select(ranked.c.key, func.avg(ranked.c.hours).label("p50"))
        .where(middle)
        .group_by(ranked.c.key)
        .subquery()
    )
    rows = db.session.execute(
        select(counts, medians.c.p50).outerjoin(medians, medians.c.key == counts.c.key)
    ).mappings()
    out = {}
    for r in rows:
        figures = {k: int(v or 0) for k, v in r.items() if k not in ("key", "p50")}
        figures["p50"] = None if r["p50"] is None else float(r["p50"])
        out[r["key"]] = figures
    return out


def answer_figures(filters, by: str) -> dict[str, dict]:
    """Answers by others posted in the period, and how many cross municipality and prefecture
    borders among those where both people's municipality (prefecture) is known."""
    asker, answerer = aliased(Profile), aliased(Profile)
    muni_known = and_(asker.municipality_code.is_not(None), answerer.municipality_code.is_not(None))
    pref_known = and_(asker.prefecture_code.is_not(None), answerer.prefecture_code.is_not(None))
    where = [
        Answer.hidden_at.is_(None),
        Question.hidden_at.is_(None),
        Answer.author_id != Question.author_id,
        Answer.created_at >= filters.start_utc,
        Answer.created_at < filters.end_utc,
        *_scoped(filters, asker),
    ]
    if filters.field:
        where.append(Question.field_code == filters.field)
    rows = db.session.execute(
        select(
            _key(by, Answer.created_at, asker).label("key"),
            func.count().label("answers"),
            func.sum(case((muni_known, 1), else_=0)).label("muni_known"),
            func.sum(
                case(
                    (and_(muni_known, asker.municipality_code != answerer.municipality_code), 1),
                    else_=0,
                )
            ).label("muni_cross"),
            func.sum(case((pref_known, 1), else_=0)).label("pref_known"),
            func.sum(
                case(
                    (and_(pref_known, asker.prefecture_code != answerer.prefecture_code), 1),
                    else_=0,
                )
            ).label("pref_cross"),
        )
        .select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(asker, asker.user_id == Question.author_id)
        .outerjoin(answerer, answerer.user_id == Answer.author_id)
        .where(*where)
        .group_by(_key(by, Answer.created_at, asker))
    ).mappings()
    return {r["key"]: {k: int(v or 0) for k, v in r.items() if k != "key"} for r in rows}


def booking_figures(filters, by: str) -> dict[str, dict]:
    """Office-hours sessions in the period (declined and cancelled ones left out), completed,
    and the members' ratings (1–5) of completed ones."""
    member = aliased(Profile)
    done = Booking.status == BookingStatus.DONE
    rated = and_(done, Booking.rating.is_not(None))
    rows = db.session.execute(
        select(
            _key(by, Booking.starts_at, member).label("key"),
            func.count().label("bookings"),
            func.sum(case((done, 1), else_=0)).label("done"),
            func.sum(case((rated, 1), else_=0)).label("rated"),
            func.sum(case((rated, Booking.rating), else_=0)).label("rating_sum"),
        )
        .select_from(Booking)
        .outerjoin(member, member.user_id == Booking.member_id)
        .where(
            Booking.status.not_in([BookingStatus.DECLINED, BookingStatus.CANCELLED]),
            Booking.starts_at >= filters.start_utc,
            Booking.starts_at < filters.end_utc,
            *_scoped(filters, member),
            *_has_field(filters, Booking.member_id),
        )
        .group_by(_key(by, Booking.starts_at, member))
    ).mappings()
    return {r["key"]: {k: int(v or 0) for k, v in r.items() if k != "key"} for r in rows}


def member_figures(filters, by: str) -> dict[str, dict[str, int]]:
    """New accounts in the period, by their municipality's population band ("" = unknown)."""
    profile = aliased(Profile)
    key = _key(by, User.created_at, profile)
    band = func.coalesce(profile.population_band_code, _EMPTY)
    rows = db.session.execute(
        select(key, band, func.count())
        .select_from(User)
        .outerjoin(profile, profile.user_id == User.id)
        .where(
            User.deleted_at.is_(None),
            User.created_at >= filters.start_utc,
            User.created_at < filters.end_utc,
            *_scoped(filters, profile),
            *_has_field(filters, User.id),
        )
        .group_by(key, band)
    )
    out: dict[str, dict[str, int]] = {}
    for k, b, n in rows:
        out.setdefault(k, {})[b] = int(n)
    return out
