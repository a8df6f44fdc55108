"""Demo circles, questions, the casebook and office hours (seeds/demo/*.yaml), for
`flask seed demo` through community/demo.py.

Posts and cases go through the real services (markdown rendering, counters, revisions, follows,
the case form's validation), then their timestamps are moved into the past so the demo network
looks lived-in.
"""

from __future__ import annotations

from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from community import markdown
from community.auth.models import Role, User
from community.casebook import services as casebook
from community.casebook.models import Case, SupportOrganisation
from community.circles.models import Circle, CircleMembership, CircleRole, CircleVisibility
from community.config import ROOT
from community.db import utcnow
from community.extensions import db
from community.office_hours import services as oh
from community.office_hours.models import (
    AdviserSettings,
    AvailabilityRule,
    Booking,
    BookingStatus,
    Mode,
)
from community.questions import services as qa
from community.questions.models import Answer, Comment, Question, QuestionFollow, Revision
from community.reference.loader import read_yaml

DEMO_DIR = ROOT / "seeds" / "demo"


def _users() -> dict[str, User]:
    return {u.username: u for u in db.session.scalars(select(User))}


def load_circles(path: Path = DEMO_DIR / "circles.yaml") -> list[Circle]:
    """Create the demo circles that do not exist yet, with owners, moderators and members."""
    users = _users()
    existing = set(db.session.scalars(select(Circle.slug)))
    created = []
    for row in read_yaml(path):
        if row["slug"] in existing:
            continue
        circle = Circle(
            slug=row["slug"],
            name_ja=row["name_ja"],
            name_en=row["name_en"],
            visibility=CircleVisibility(row.get("visibility", "open")),
            created_at=utcnow() - timedelta(days=120),
        )
        markdown.store(circle, "description", row.get("description", ""))
        markdown.store(circle, "rules", row.get("rules", ""))
        db.session.add(circle)
        seen = set()
        roles = [(row["owner"], CircleRole.OWNER)]
        roles += [(u, CircleRole.MODERATOR) for u in row.get("moderators", [])]
        roles += [(u, CircleRole.MEMBER) for u in row.get("members", [])]
        for username, role in roles:
            if username in seen or username not in users:
                continue
            seen.add(username)
            db.session.add(CircleMembership(circle=circle, user_id=users[username].id, role=role))
        created.append(circle)
    db.session.flush()
    return created


def _backdate(model, obj_id: int, when, **extra) -> None:
    values = {"created_at": when, **extra}
    db.session.execute(update(model).where(model.id == obj_id).values(**values))


def load_questions(path: Path = DEMO_DIR / "questions.yaml") -> list[Question]:
    """Create demo questions with answers, comments, votes and accepted answers."""
    if db.session.scalar(select(Question.id).limit(1)) is not None:
        return []
    users = _users()
    now = utcnow()
    created = []
    for row in read_yaml(path):
        author = users[row["author"]]
        asked = now - timedelta(days=int(row.get("days_ago", 0)), hours=len(created) % 9)
        question = qa.ask(
            author,
            {
                "circle": row.get("circle"),
                "title": row["title"],
                "body": row["body"],
                "field": row.get("field"),
                "topics": row.get("topics") or [],
                "tags": row.get("tags") or [],
                "stage": row.get("stage"),
            },
        )
        _backdate(Question, question.id, asked, last_activity_at=asked)
        db.session.execute(
            update(Revision).where(Revision.question_id == question.id).values(created_at=asked)
        )
        latest = asked
        for c in row.get("comments") or []:
            comment = qa.comment(users[c["author"]], question, c["body"])
            _backdate(Comment, comment.id, asked + timedelta(hours=1))
        for voter in row.get("votes") or []:
            qa.vote(users[voter], question, 1)
        for a in row.get("answers") or []:
            when = asked + timedelta(hours=int(a.get("hours_after", 3)))
            answer = qa.answer(users[a["author"]], question, a["body"])
            _backdate(Answer, answer.id, when)
            db.session.execute(
                update(Revision).where(Revision.answer_id == answer.id).values(created_at=when)
            )
            latest = max(latest, when)
            for voter in a.get("votes") or []:
                qa.vote(users[voter], answer, 1)
            for c in a.get("comments") or []:
                comment = qa.comment(users[c["author"]], question, c["body"], answer)
                _backdate(Comment, comment.id, when + timedelta(hours=2))
            if a.get("accepted"):
                qa.accept(author, question, answer)
        db.session.execute(
            update(Question)
            .where(Question.id == question.id)
            .values(last_activity_at=min(latest, now), view_count=int(row.get("views", 0)))
        )
        db.session.execute(
            update(QuestionFollow)
            .where(QuestionFollow.question_id == question.id)
            .values(created_at=asked)
        )
        created.append(question)
    db.session.flush()
    return created


def load_casebook(
    cases_path: Path = DEMO_DIR / "cases.yaml",
    orgs_path: Path = DEMO_DIR / "support_organisations.yaml",
) -> tuple[int, int]:
    """Support organisations and published cases (through the same validation as the form)."""
    existing_orgs = {o.slug: o for o in db.session.scalars(select(SupportOrganisation))}
    new_orgs = 0
    for row in read_yaml(orgs_path):
        if row["slug"] in existing_orgs:
            continue
        org = SupportOrganisation(
            slug=row["slug"],
            name=row["name"],
            kind=row.get("kind", ""),
            area=row.get("area", ""),
            prefectures=[str(p).zfill(2) for p in row.get("prefectures") or []],
            menu_codes=row.get("support_menus") or [],
            field_codes=row.get("fields") or [],
            contact=row.get("contact", "") or "",
            url=row.get("url"),
        )
        markdown.store(org, "offers", row.get("offers", ""))
        db.session.add(org)
        existing_orgs[org.slug] = org
        new_orgs += 1
    db.session.flush()

    editor = db.session.scalar(select(User).where(User.role == Role.EDITOR).order_by(User.id))
    editor = editor or db.session.scalar(
        select(User).where(User.role == Role.ADMIN).order_by(User.id)
    )
    if editor is None:
        return new_orgs, 0
    known = set(db.session.scalars(select(Case.slug)))
    new_cases = 0
    for row in read_yaml(cases_path):
        if row["slug"] in known:
            continue
        data = casebook.CaseInput(
            slug=row["slug"],
            title=row["title"],
            summary_points="\n".join(row.get("summary_points") or []),
            overview=row.get("overview", "") or "",
            organisations=row.get("organisations", "") or "",
            prefecture=str(row["prefecture"]).zfill(2) if row.get("prefecture") else "",
            population_band=row.get("population_band") or "",
            direction=row["direction"],
            menus=row.get("support_menus") or [],
            stages=[str(s) for s in row.get("stages") or []],
            fields=row.get("fields") or [],
            topics=row.get("topics") or [],
            effects=row.get("effects", "") or "",
            effect_figures=row.get("effect_figures") or [],
            cost_initial=str(row.get("cost_initial") or ""),
            cost_running=str(row.get("cost_running") or ""),
            costs=[{**c, "amount": str(c.get("amount") or "")} for c in row.get("cost_rows") or []],
            schedule=[{k: str(v) for k, v in r.items()} for r in row.get("schedule") or []],
            participants=row.get("participants", "") or "",
            contact_department=row.get("contact_department") or "",
            interview=row.get("interview") or [],
            interview_kind=row.get("interview_kind") or "summary",
            interview_source=row.get("interview_source") or "",
            interview_url=row.get("interview_url") or "",
            sources=[
                {
                    "title": s["title"],
                    "url": s.get("url") or "",
                    "accessed_on": s.get("accessed_on"),
                    "as_of": str(s.get("as_of") or ""),
                    "supports": s.get("supports") or "",
                }
                for s in row.get("sources") or []
            ],
            is_new=bool(row.get("is_new")),
            status=row.get("status", "published"),
            section=row.get("section") or "",
            is_model=bool(row.get("is_model")),
            case_type=row.get("case_type") or "standard",
            consent=row.get("consent") or "none",
        )
        case = casebook.save_case(editor, None, data)
        case.organisations_list = [
            existing_orgs[s] for s in row.get("organisation_slugs") or [] if s in existing_orgs
        ]
        new_cases += 1
    db.session.flush()
    return new_orgs, new_cases


def load_office_hours(path: Path = DEMO_DIR / "office_hours.yaml") -> int:
    """Advisers' settings and weekly rules, plus a few past and upcoming bookings."""
    if db.session.scalar(select(AdviserSettings.user_id).limit(1)) is not None:
        return 0
    users = _users()
    count = 0
    for row in read_yaml(path):
        adviser = users.get(row["adviser"])
        if adviser is None:
            continue
        s = oh.settings_for(adviser)
        s.affiliation = row.get("affiliation", "")
        markdown.store(s, "intro", row.get("intro", ""))
        s.modes = row.get("modes") or ["online"]
        s.meeting_url = row.get("meeting_url", "")
        s.regions = [str(r).zfill(2) for r in row.get("regions") or []]
        s.requires_confirmation = bool(row.get("requires_confirmation", True))
        for r in row.get("rules") or []:
            h1, m1 = map(int, r["start"].split(":"))
            h2, m2 = map(int, r["end"].split(":"))
            db.session.add(
                AvailabilityRule(
                    adviser_id=adviser.id,
                    weekday=r["weekday"],
                    start_time=dtime(h1, m1),
                    end_time=dtime(h2, m2),
                    slot_minutes=r["slot"],
                    mode=Mode(r.get("mode", "online")),
                )
            )
        count += 1
    db.session.flush()
    # A few bookings so that /bookings/ and ratings are not empty.
    members = [u for name, u in users.items() if name in ("sasaki_d", "igarashi_s", "tanaka_k")]
    now = utcnow()
    for i, member in enumerate(members):
        for adviser_name in ("kondo_m", "mori_t"):
            adviser = users.get(adviser_name)
            if adviser is None:
                continue
            slots = oh.free_slots_for(adviser)
            if len(slots) > i:
                oh.book(
                    member,
                    adviser,
                    slots[i].start,
                    "点検調書の判定の考え方について相談したいです。",
                )
        past = now - timedelta(days=10 + i * 3)
        kondo = users.get("kondo_m")
        if kondo is not None:
            db.session.add(
                Booking(
                    adviser_id=kondo.id,
                    member_id=member.id,
                    starts_at=past,
                    ends_at=past + timedelta(hours=1),
                    mode=Mode.ONLINE,
                    agenda="一人担当で点検計画の立て方に悩んでいます。",
                    status=BookingStatus.DONE,
                    rating=5 - (i % 2),
                    rating_comment="具体的な進め方が分かりました。",
                )
            )
    db.session.flush()
    return count
