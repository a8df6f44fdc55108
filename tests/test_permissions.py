"""Who may call each state-changing route.

ROUTES below lists every POST route of the app with the outcome for each kind of caller;
`test_every_post_route_is_in_the_table` fails when a new route is not added to it.

Callers, relative to the circle the target lives in (the open circle, then the private one):

    anonymous     not logged in
    member        an active member of the circle
    other_member  a member of the other circle only
    other_mod     a moderator of the other circle only
    moderator     a moderator of the circle
    admin         a site administrator (owner of both circles, since it created them)

and, where a route has them, the post's `author`, the `adviser` and the `booker` of a booking.

Outcomes: OK (2xx/3xx and the change is made), NOOP (2xx/3xx, nothing changes: a redirect
with a message), LOGIN (redirect to the login page), or an error status (nothing changes).
In the private circle, outsiders (other_member, other_mod) get 404 unless a row says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from community import policy
from community.admin.services import ensure_default_domains
from community.auth import tokens
from community.auth.models import Role, User, VerifiedDomain
from community.casebook import services as casebook
from community.casebook import suggestions
from community.casebook.models import Case, CaseEdition, CaseLink, CaseSuggestion
from community.circles import services as circles
from community.circles.models import Circle, CircleMembership, CircleRole, MembershipStatus
from community.db import utcnow
from community.extensions import db
from community.mailqueue.models import MailStatus, OutgoingMail
from community.moderation.models import Flag
from community.network import coordinators
from community.network.models import CoordinatorAppointment
from community.notifications.models import Kind, Notification, NotificationSetting
from community.office_hours import services as oh
from community.office_hours.models import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    CalendarFeed,
    Mode,
)
from community.questions import services as qa
from community.questions.models import (
    Answer,
    CloseReason,
    Comment,
    Question,
    QuestionFollow,
    QuestionInvite,
)
from community.tokens import services as access_tokens
from community.tokens.models import AccessToken
from tests import qa_helpers
from tests.conftest import empty_tables, login
from tests.factories import PASSWORD, open_every_day
from tests.factories import make_user as new_user

OK, NOOP, LOGIN = "ok", "noop", "login"
ROLES = ("anonymous", "member", "other_member", "other_mod", "moderator", "admin")
SLUGS = {"open": "open-c", "private": "priv-c"}
NEW_PASSWORD = "a brand new password"
ANSWER = "うちでは健全度と交通量で点数化して優先順位を決めています。"
ASK = {
    "title": "包括的民間委託の仕様書はどう書けばよいですか",
    "body": qa_helpers.BODY,
    "circle": "",
    "field": "bridge",
    "stage": "3",
}


def E(default, *, anonymous=LOGIN, **others) -> dict:
    """Every caller gets `default` except anonymous (LOGIN) and those named."""
    return {role: default for role in ROLES} | {"anonymous": anonymous} | others


MODERATORS = E(403, moderator=OK, admin=OK)
ADMINS = E(403, admin=OK)
SIGNED_IN = E(OK)
EVERYONE = E(OK, anonymous=OK)
PARTIES_ONLY = E(404)  # bookings: anyone who is not the adviser or the booker
NETWORK_ADMINS = E(404, anonymous=404, admin=OK)


# --- the world --------------------------------------------------------------------------------


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _circle_posts(slug: str, case: Case) -> SimpleNamespace:
    """In circle `slug`: a question by asker with an answer, a comment and a case link by
    replier; an unanswered question by asker; a pending request by `applicant`."""
    key = slug.split("-")[0]
    asker, replier = _user(f"asker_{key}"), _user(f"replier_{key}")
    q = qa_helpers.ask(asker.id, title=f"{slug}の質問です、判定区分の付け方", circle=slug)
    a = qa.answer(replier, q, ANSWER)
    c = qa.comment(replier, q, "橋長は何メートルですか？")
    lonely = qa_helpers.ask(asker.id, title=f"{slug}の回答がまだない質問です", circle=slug)
    link = casebook.link_question(replier, q, case, "参考になります")
    circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
    pending = CircleMembership(
        circle_id=circle.id, user_id=_user("applicant").id, status=MembershipStatus.PENDING
    )
    db.session.add(pending)
    db.session.flush()
    return SimpleNamespace(
        circle_id=circle.id,
        slug=slug,
        q=q.id,
        a=a.id,
        c=c.id,
        lonely=lonely.id,
        link=link.id,
        asker_mid=policy.membership(asker, circle).id,
        applicant_mid=pending.id,
    )


def _office_hours(adviser: User, booker: User) -> SimpleNamespace:
    """Open hours every day; an upcoming request, a past confirmed and a past done booking."""
    first = open_every_day(adviser)
    later = utcnow() + timedelta(days=2)
    question = qa_helpers.ask(booker.id, title="点検計画の立て方を相談したいです")
    upcoming = oh.book(booker, adviser, first, "点検計画の相談", question_id=question.id)
    # Another slot, free after that booking and its buffer (to book, or to move it to).
    second = next(slot.start for slot in oh.free_slots_for(adviser) if slot.start > later)
    now = utcnow()
    past = {}
    for status, hours in ((BookingStatus.CONFIRMED, 2), (BookingStatus.DONE, 26)):
        past[status] = Booking(
            adviser_id=adviser.id,
            member_id=booker.id,
            starts_at=now - timedelta(hours=hours),
            ends_at=now - timedelta(hours=hours - 1),
            mode=Mode.ONLINE,
            agenda="以前の相談",
            status=status,
        )
        db.session.add(past[status])
    db.session.flush()
    return SimpleNamespace(
        upcoming=upcoming.id,
        started=past[BookingStatus.CONFIRMED].id,
        done=past[BookingStatus.DONE].id,
        free_slot=second.isoformat(),
        question=question.id,
        rule=db.session.scalar(select(AvailabilityRule.id)),
    )


def build_world(app, variant: str) -> SimpleNamespace:
    """Start from empty tables; `variant` names the circle the circle routes aim at."""
    with app.app_context():
        empty_tables()
        ensure_default_domains(app.config["DEFAULT_VERIFIED_DOMAINS"])
        new_user(username="boss", role=Role.ADMIN)
        for key in ("open", "priv"):
            for prefix in ("mod", "mem", "asker", "replier"):
                new_user(username=f"{prefix}_{key}")
        for name in ("applicant", "booker"):
            new_user(username=name)
        new_user(username="adviser", role=Role.ADVISER)
        root = _user("boss")
        for key, slug in (("open", "open-c"), ("priv", "priv-c")):
            circle = circles.save_circle(
                root,
                None,
                {
                    "slug": slug,
                    "name_ja": f"{slug}の輪",
                    "name_en": slug,
                    "visibility": {"open": "open", "priv": "private"}[key],
                },
            )
            for prefix, role in (
                ("mod", CircleRole.MODERATOR),
                ("mem", CircleRole.MEMBER),
                ("asker", CircleRole.MEMBER),
                ("replier", CircleRole.MEMBER),
            ):
                db.session.add(
                    CircleMembership(circle=circle, user_id=_user(f"{prefix}_{key}").id, role=role)
                )
        db.session.flush()
        case = casebook.save_case(
            root,
            None,
            casebook.CaseInput(
                slug="pub-case",
                title="富山の橋梁点検の事例",
                direction="outside",
                status="published",
            ),
        )
        posts = {v: _circle_posts(slug, case) for v, slug in SLUGS.items()}
        extra_domain = VerifiedDomain(domain="pref.example.jp")
        db.session.add(extra_domain)
        failed_mail = OutgoingMail(
            sender="no-reply@example.jp",
            recipient="gone@example.jp",
            subject="件名",
            body="本文",
            message_id="<failed@example.jp>",
            status=MailStatus.FAILED,
            attempts=6,
        )
        db.session.add(failed_mail)
        hours = _office_hours(_user("adviser"), _user("booker"))
        for user_id in db.session.scalars(select(User.id)):
            db.session.add(
                Notification(user_id=user_id, kind=Kind.INVITE, text="お知らせ", url="/")
            )
        db.session.commit()
        return SimpleNamespace(
            variant=variant,
            t=posts[variant],
            ids={u.username: u.id for u in db.session.scalars(select(User))},
            domain=extra_domain.id,
            failed_mail=failed_mail.id,
            hours=hours,
            reset_token=tokens.reset_token(_user("booker")),
        )


def principal(role: str, w, author: str | None) -> str | None:
    """The username acting as `role` in world `w` (None: anonymous)."""
    here, there = ("open", "priv") if w.variant == "open" else ("priv", "open")
    return {
        "anonymous": None,
        "member": f"mem_{here}",
        "other_member": f"mem_{there}",
        "other_mod": f"mod_{there}",
        "moderator": f"mod_{here}",
        "admin": "boss",
        "author": f"{author}_{here}",
        "adviser": "adviser",
        "booker": "booker",
    }[role]


# --- state probes (run in an app context) -----------------------------------------------------


def get(model, attr: str, key: Callable):
    """A probe reading one attribute of one row: get(Question, "title", lambda w: w.t.q)."""
    return lambda w, me: getattr(db.session.get(model, key(w)), attr, None)


def rows(model, *where: Callable):
    """A probe counting rows; each `where` builds a condition from the world."""
    return lambda w, me: db.session.scalar(
        select(func.count()).select_from(model).where(*(c(w) for c in where))
    )


def mine(attr: str):
    """A probe reading an attribute of the caller's own account."""
    return lambda w, me: getattr(db.session.get(User, me), attr) if me else None


def booker(attr: str):
    return lambda w, me: getattr(db.session.get(User, w.ids["booker"]), attr)


def membership_of(username: str, attr: str = "status"):
    def probe(w, me):
        m = db.session.scalar(
            select(CircleMembership).where(
                CircleMembership.circle_id == w.t.circle_id,
                CircleMembership.user_id == w.ids[username],
            )
        )
        return None if m is None else getattr(m, attr)

    return probe


# --- the table --------------------------------------------------------------------------------


@dataclass
class Route:
    endpoint: str
    url: Callable
    expect: dict
    data: Callable = lambda w: {}
    state: Callable | None = None  # None: the route changes only the session or sends mail
    circle: bool = False  # checked in the open and in the private circle
    private: dict | None = None  # overrides for the private circle
    author: str | None = None  # who the "author" column is: "asker" or "replier"
    prepare: Callable | None = None
    json: bool = False

    def expected(self, variant: str) -> dict:
        if variant != "private":
            return self.expect
        outsiders = {r: 404 for r in ("other_member", "other_mod")}
        return self.expect | outsiders | (self.private or {})


def _suggestion(w):
    """A member's pending case suggestion (w.suggestion: its id)."""
    made = suggestions.suggest(
        _user("booker"), suggestions.SuggestionInput(title="提案された事例です", what="研修")
    )
    w.suggestion = made.id


def _close(w):
    qa.close(_user("boss"), db.session.get(Question, w.t.q), CloseReason.OFF_TOPIC)


def _appointment(w):
    """booker appointed coordinator of 岐阜県 (w.appointment: its id)."""
    w.appointment = coordinators.appoint(_user("boss"), "booker", "21").id


def _token(w):
    """A read token of booker's (w.token: its id)."""
    w.token = access_tokens.create(_user("booker"), "bot", "read")[0].id


NEW_CIRCLE = {"name_en": "New", "visibility": "open", "description": "", "rules": ""}
CASE_FORM = {"direction": "outside", "status": "published", "action": "save"}
BOOKING = lambda name: lambda w: f"/bookings/{getattr(w.hours, name)}"  # noqa: E731

ROUTES = [
    # --- your own session and account: anyone signed in, for themselves --------------------
    Route("auth.login", lambda w: "/auth/login", EVERYONE,
          data=lambda w: {"identifier": "booker", "password": PASSWORD}),
    Route("auth.logout", lambda w: "/auth/logout", EVERYONE),
    Route("auth.register", lambda w: "/auth/register", E(NOOP, anonymous=OK),
          data=lambda w: {"email": "newbie@example.com", "username": "newbie",
                          "display_name": "新人", "password": "a long new password",
                          "password_confirm": "a long new password"},
          state=rows(User)),
    Route("auth.reset_request", lambda w: "/auth/reset", EVERYONE,
          data=lambda w: {"identifier": "booker"}),
    # The token, not the session, authorises a reset.
    Route("auth.reset", lambda w: f"/auth/reset/{w.reset_token}", EVERYONE,
          data=lambda w: {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
          state=booker("password_hash")),
    Route("auth.resend_confirmation", lambda w: "/auth/confirm/resend", SIGNED_IN),
    Route("auth.change_password", lambda w: "/settings/account/password", SIGNED_IN,
          data=lambda w: {"current_password": PASSWORD, "new_password": "another long password",
                          "new_password_confirm": "another long password"},
          state=mine("password_hash")),
    Route("auth.change_email", lambda w: "/settings/account/email", SIGNED_IN,
          data=lambda w: {"email": "somewhere@example.net", "password": PASSWORD}),
    Route("profiles.edit", lambda w: "/settings/profile", SIGNED_IN,
          data=lambda w: {"display_name": "新しい表示名", "visibility": "members"},
          state=mine("display_name")),
    # The last administrator cannot delete their account.
    Route("profiles.delete", lambda w: "/settings/delete", E(OK, admin=422),
          data=lambda w: {"password": PASSWORD}, state=mine("deleted_at")),
    Route("support.remember", lambda w: "/support/stage", SIGNED_IN,
          data=lambda w: {"stage": "2"},
          state=lambda w, me: db.session.get(User, me).profile.problem_stage if me else None),
    Route("office_hours.rotate_feed", lambda w: "/bookings/feed/rotate", SIGNED_IN,
          state=lambda w, me: db.session.scalar(
              select(CalendarFeed.token).where(CalendarFeed.user_id == (me or 0)))),
    Route("notifications.read_all", lambda w: "/notifications/read-all", SIGNED_IN,
          state=rows(Notification, lambda w: Notification.read_at.is_(None))),
    Route("notifications.settings", lambda w: "/settings/notifications", SIGNED_IN,
          data=lambda w: {"mail-answer": "never"}, state=rows(NotificationSetting)),
    Route("core.switch_language", lambda w: "/lang", EVERYONE, data=lambda w: {"lang": "en"}),
    Route("core.welcome_dismiss", lambda w: "/welcome/dismiss", SIGNED_IN,
          state=mine("onboarding_dismissed_at")),
    Route("api.markdown_preview", lambda w: "/api/markdown/preview", E(OK, anonymous=403),
          json=True, data=lambda w: {"source": "**太字**"}),
    # The JSON API with the session cookie (tokens: tests/test_api_v1_tokens.py).
    Route("api_v1.Questions", lambda w: "/api/v1/questions",
          E(OK, anonymous=401, other_member=422, other_mod=422), circle=True,
          json=True, data=lambda w: {**ASK, "circle": w.t.slug, "stage": 3},
          state=rows(Question, lambda w: Question.circle_id == w.t.circle_id)),
    Route("api_v1.Answers", lambda w: f"/api/v1/questions/{w.t.q}/answers",
          E(OK, anonymous=401), circle=True, json=True, data=lambda w: {"body": ANSWER},
          state=rows(Answer, lambda w: Answer.question_id == w.t.q)),
    # As circles.join/leave, but already being in is a 409 and the last owner's leave a 422.
    Route("api_v1.CircleJoin", lambda w: f"/api/v1/circles/{w.t.slug}/join",
          E(OK, anonymous=401, member=409, moderator=409, admin=409), circle=True, json=True,
          state=rows(CircleMembership, lambda w: CircleMembership.circle_id == w.t.circle_id)),
    Route("api_v1.CircleLeave", lambda w: f"/api/v1/circles/{w.t.slug}/leave",
          E(OK, anonymous=401, other_member=404, other_mod=404, admin=422), circle=True,
          json=True,
          state=rows(CircleMembership, lambda w: CircleMembership.circle_id == w.t.circle_id)),
    Route("tokens.create", lambda w: "/settings/tokens", SIGNED_IN,
          data=lambda w: {"name": "県のボット", "scope": "read"}, state=rows(AccessToken)),
    Route("tokens.revoke", lambda w: f"/settings/tokens/{w.token}/revoke", E(404, booker=OK),
          prepare=_token, state=get(AccessToken, "revoked_at", lambda w: w.token)),
    # --- administration --------------------------------------------------------------------
    Route("admin.change_role", lambda w: f"/admin/users/{w.ids['booker']}/role", ADMINS,
          data=lambda w: {"role": "editor"}, state=booker("role")),
    Route("admin.change_verification", lambda w: f"/admin/users/{w.ids['booker']}/verification",
          ADMINS, data=lambda w: {"verified": "yes"}, state=booker("verified_staff")),
    Route("moderation.suspend", lambda w: f"/admin/users/{w.ids['booker']}/suspend", ADMINS,
          data=lambda w: {"days": "3", "reason": "スパム"}, state=booker("suspended_until")),
    Route("admin.domains", lambda w: "/admin/domains", ADMINS,
          data=lambda w: {"domain": "city.example.jp"}, state=rows(VerifiedDomain)),
    Route("admin.delete_domain", lambda w: f"/admin/domains/{w.domain}/delete", ADMINS,
          state=rows(VerifiedDomain)),
    # The network view: not even its existence shows to others (404, visitors included).
    Route("network.coordinator_list", lambda w: "/network/coordinators", NETWORK_ADMINS,
          data=lambda w: {"username": "replier_open", "prefecture": "21"},
          state=rows(CoordinatorAppointment)),
    Route("network.remove_coordinator",
          lambda w: f"/network/coordinators/{w.appointment}/remove", NETWORK_ADMINS,
          prepare=_appointment, state=rows(CoordinatorAppointment)),
    Route("admin.retry_mail", lambda w: f"/admin/mail/{w.failed_mail}/retry", ADMINS,
          state=get(OutgoingMail, "status", lambda w: w.failed_mail)),
    Route("circles.create", lambda w: "/circles/new", ADMINS,
          data=lambda w: {**NEW_CIRCLE, "slug": "brand-new", "name_ja": "新しい輪"},
          state=rows(Circle)),
    # --- the casebook: members suggest, editors (and admins) edit published cases ----------
    # Members are sent to the short suggestion form; only editors write a case outright.
    Route("casebook.create", lambda w: "/cases/new", E(NOOP, admin=OK),
          data=lambda w: {**CASE_FORM, "slug": "suggested", "title": "提案された事例です"},
          state=rows(Case)),
    Route("casebook.suggest", lambda w: "/cases/suggest", SIGNED_IN,
          data=lambda w: {"title": "提案したい事例です", "what": "研修を開いた。"},
          state=rows(CaseSuggestion)),
    Route("casebook.decline_suggestion",
          lambda w: f"/cases/suggestions/{w.suggestion}/decline", ADMINS,
          prepare=_suggestion, data=lambda w: {"reason": "既に掲載済みです"},
          state=get(CaseSuggestion, "status", lambda w: w.suggestion)),
    Route("casebook.suggestion_to_case",
          lambda w: f"/cases/suggestions/{w.suggestion}/case", ADMINS,
          prepare=_suggestion, data=lambda w: {**CASE_FORM, "title": "提案から作った事例です"},
          state=get(CaseSuggestion, "status", lambda w: w.suggestion)),
    Route("casebook.close_edition", lambda w: "/cases/editions/close", ADMINS,
          data=lambda w: {"edition": "1"}, state=rows(CaseEdition)),
    Route("casebook.edit", lambda w: "/cases/pub-case/edit", ADMINS,
          data=lambda w: {**CASE_FORM, "slug": "pub-case", "title": "書き換えた事例の名前"},
          state=get(Case, "title", lambda w: db.session.scalar(select(Case.id)))),
    # --- office hours: advisers' own settings ----------------------------------------------
    Route("office_hours.settings", lambda w: "/office-hours/settings", E(403, adviser=OK),
          data=lambda w: {"affiliation": "新しい所属", "modes": ["online"], "buffer_minutes": "15",
                          "min_notice_hours": "0", "max_days_ahead": "30",
                          "max_active_per_member": "2"},
          state=lambda w, me: oh.settings_for(db.session.get(User, w.ids["adviser"])).affiliation),
    Route("office_hours.add_rule", lambda w: "/office-hours/settings/rules", E(403, adviser=OK),
          data=lambda w: {"weekday": "0", "start_time": "19:00", "end_time": "20:00",
                          "slot_minutes": "60", "mode": "online"},
          state=rows(AvailabilityRule)),
    Route("office_hours.add_exception", lambda w: "/office-hours/settings/exceptions",
          E(403, adviser=OK),
          data=lambda w: {"day": (utcnow() + timedelta(days=5)).date().isoformat(), "kind": "off",
                          "slot_minutes": "60", "mode": "online"},
          state=rows(AvailabilityException)),
    Route("office_hours.delete_availability",
          lambda w: f"/office-hours/settings/rules/{w.hours.rule}/delete", E(403, adviser=OK),
          state=rows(AvailabilityRule)),
    # --- bookings: anyone signed in books; only the two parties see or change one ----------
    Route("office_hours.book",
          lambda w: f"/office-hours/adviser/book?start={quote(w.hours.free_slot)}",
          E(OK, adviser=403, booker=OK),
          data=lambda w: {"agenda": "点検計画の相談", "mode": "online"}, state=rows(Booking)),
    Route("office_hours.decide", lambda w: BOOKING("upcoming")(w) + "/decide",
          PARTIES_ONLY | {"adviser": OK, "booker": 403},
          data=lambda w: {"decision": "confirm"},
          state=get(Booking, "status", lambda w: w.hours.upcoming)),
    Route("office_hours.cancel", lambda w: BOOKING("upcoming")(w) + "/cancel",
          PARTIES_ONLY | {"adviser": OK, "booker": OK},
          data=lambda w: {"reason": "都合が悪くなりました"},
          state=get(Booking, "status", lambda w: w.hours.upcoming)),
    Route("office_hours.reschedule", lambda w: BOOKING("upcoming")(w) + "/reschedule",
          PARTIES_ONLY | {"adviser": OK, "booker": OK},
          data=lambda w: {"start": w.hours.free_slot},
          state=get(Booking, "starts_at", lambda w: w.hours.upcoming)),
    Route("office_hours.mark", lambda w: BOOKING("started")(w) + "/mark",
          PARTIES_ONLY | {"adviser": OK, "booker": 403},
          data=lambda w: {"status": "done"},
          state=get(Booking, "status", lambda w: w.hours.started)),
    Route("office_hours.rate", lambda w: BOOKING("done")(w) + "/rate",
          PARTIES_ONLY | {"adviser": 403, "booker": OK},
          data=lambda w: {"rating": "5"}, state=get(Booking, "rating", lambda w: w.hours.done)),
    Route("office_hours.note", lambda w: BOOKING("upcoming")(w) + "/note",
          PARTIES_ONLY | {"adviser": OK, "booker": 403},
          data=lambda w: {"note": "次回までに資料"},
          state=get(Booking, "adviser_note", lambda w: w.hours.upcoming)),
    Route("office_hours.answer", lambda w: BOOKING("upcoming")(w) + "/answer",
          PARTIES_ONLY | {"adviser": OK, "booker": 403},
          data=lambda w: {"body": "点検計画は5年で一巡するように組みます。"},
          state=rows(Answer, lambda w: Answer.question_id == w.hours.question)),
    # --- circles ---------------------------------------------------------------------------
    # Members, moderators and the owner (admin) are in already: a message, nothing changes.
    Route("circles.join", lambda w: f"/circles/{w.t.slug}/join",
          E(OK, member=NOOP, moderator=NOOP, admin=NOOP), circle=True,
          state=rows(CircleMembership, lambda w: CircleMembership.circle_id == w.t.circle_id)),
    # The only owner (admin) cannot leave; outsiders have nothing to leave.
    Route("circles.leave", lambda w: f"/circles/{w.t.slug}/leave",
          E(OK, other_member=404, other_mod=404, admin=NOOP), circle=True,
          state=rows(CircleMembership, lambda w: CircleMembership.circle_id == w.t.circle_id)),
    Route("circles.add_member", lambda w: f"/circles/{w.t.slug}/members/add", MODERATORS,
          circle=True, data=lambda w: {"username": "booker"}, state=membership_of("booker")),
    Route("circles.decide", lambda w: f"/circles/{w.t.slug}/requests/{w.t.applicant_mid}",
          MODERATORS, circle=True, data=lambda w: {"decision": "approve"},
          state=membership_of("applicant")),
    # Roles and the circle itself: owners and admins, not moderators.
    Route("circles.set_role", lambda w: f"/circles/{w.t.slug}/members/{w.t.asker_mid}/role",
          ADMINS, circle=True, data=lambda w: {"role": "moderator"},
          state=lambda w, me: db.session.get(CircleMembership, w.t.asker_mid).role),
    Route("circles.edit", lambda w: f"/circles/{w.t.slug}/edit", ADMINS, circle=True,
          data=lambda w: {**NEW_CIRCLE, "slug": w.t.slug, "name_ja": "改名した輪",
                          "visibility": "open" if w.variant == "open" else "private"},
          state=lambda w, me: db.session.get(Circle, w.t.circle_id).name_ja),
    Route("moderation.remove_member",
          lambda w: f"/circles/{w.t.slug}/members/{w.t.asker_mid}/remove", MODERATORS,
          circle=True, data=lambda w: {"ban": "1", "reason": "宣伝"},
          state=lambda w, me: db.session.get(CircleMembership, w.t.asker_mid).status),
    # --- questions: members ask; anyone may reply in an open circle, members in a private one
    # Outsiders are refused by the form (the circle is not among their choices).
    Route("questions.ask", lambda w: "/questions/ask", E(OK, other_member=422, other_mod=422),
          circle=True, private={"other_member": 422, "other_mod": 422},
          data=lambda w: {**ASK, "circle": w.t.slug},
          state=rows(Question, lambda w: Question.circle_id == w.t.circle_id)),
    Route("questions.post_answer", lambda w: f"/questions/{w.t.q}/answers", SIGNED_IN,
          circle=True, data=lambda w: {"body": ANSWER},
          state=rows(Answer, lambda w: Answer.question_id == w.t.q)),
    Route("questions.post_comment", lambda w: f"/questions/{w.t.q}/comments", SIGNED_IN,
          circle=True, data=lambda w: {"body": "参考になります", "answer_id": w.t.a},
          state=rows(Comment, lambda w: Comment.thread_id == w.t.q)),
    Route("questions.vote_question", lambda w: f"/questions/{w.t.q}/vote", SIGNED_IN,
          circle=True, data=lambda w: {"value": "1"},
          state=get(Question, "score", lambda w: w.t.q)),
    Route("questions.vote_answer", lambda w: f"/answers/{w.t.a}/vote", SIGNED_IN, circle=True,
          data=lambda w: {"value": "-1"}, state=get(Answer, "score", lambda w: w.t.a)),
    Route("questions.follow", lambda w: f"/questions/{w.t.q}/follow", SIGNED_IN, circle=True,
          state=rows(QuestionFollow, lambda w: QuestionFollow.question_id == w.t.q)),
    Route("casebook.link", lambda w: f"/questions/{w.t.lonely}/cases", SIGNED_IN, circle=True,
          data=lambda w: {"case": "pub-case", "note": "この事例が参考になります"},
          state=rows(CaseLink, lambda w: CaseLink.question_id == w.t.lonely)),
    # Invitations go to someone who can see the question (here: replier, a member).
    Route("questions.invite", lambda w: f"/questions/{w.t.lonely}/invite", SIGNED_IN,
          circle=True, data=lambda w: {"username": f"replier_{w.variant[:4]}"},
          state=rows(QuestionInvite)),
    Route("moderation.flag", lambda w: "/flags", SIGNED_IN, circle=True,
          data=lambda w: {"target_type": "answer", "target_id": w.t.a, "reason": "spam"},
          state=rows(Flag)),
    # --- the author's own posts ------------------------------------------------------------
    Route("questions.accept", lambda w: f"/questions/{w.t.q}/accept", E(403, author=OK),
          circle=True, author="asker", data=lambda w: {"answer_id": w.t.a},
          state=get(Question, "accepted_answer_id", lambda w: w.t.q)),
    Route("questions.edit", lambda w: f"/questions/{w.t.q}/edit", E(403, author=OK),
          circle=True, author="asker", data=lambda w: {**ASK, "title": "書き直したタイトルです"},
          state=get(Question, "title", lambda w: w.t.q)),
    Route("questions.edit_answer", lambda w: f"/answers/{w.t.a}/edit", E(403, author=OK),
          circle=True, author="replier", data=lambda w: {"body": ANSWER + "追記しました。"},
          state=get(Answer, "body_md", lambda w: w.t.a)),
    Route("questions.delete", lambda w: f"/questions/{w.t.lonely}/delete", E(403, author=OK),
          circle=True, author="asker", state=rows(Question, lambda w: Question.id == w.t.lonely)),
    # The person who linked, and the moderators.
    Route("casebook.unlink", lambda w: f"/case-links/{w.t.link}/delete",
          MODERATORS | {"author": OK}, circle=True, author="replier",
          state=rows(CaseLink, lambda w: CaseLink.id == w.t.link)),
    # --- moderation of a circle's posts: its moderators and admins -------------------------
    Route("questions.close", lambda w: f"/questions/{w.t.q}/close", MODERATORS, circle=True,
          data=lambda w: {"reason": "off_topic"},
          state=get(Question, "close_reason", lambda w: w.t.q)),
    Route("questions.reopen", lambda w: f"/questions/{w.t.q}/reopen", MODERATORS, circle=True,
          prepare=_close, state=get(Question, "close_reason", lambda w: w.t.q)),
    Route("questions.pin", lambda w: f"/questions/{w.t.q}/pin", MODERATORS, circle=True,
          state=get(Question, "pinned", lambda w: w.t.q)),
    Route("moderation.hide_question", lambda w: f"/questions/{w.t.q}/hide", MODERATORS,
          circle=True, data=lambda w: {"hidden": "1", "reason": "個人名"},
          state=get(Question, "hidden_at", lambda w: w.t.q)),
    Route("moderation.move", lambda w: f"/questions/{w.t.q}/move", MODERATORS, circle=True,
          data=lambda w: {"circle": "", "reason": "広場向け"},
          state=get(Question, "circle_id", lambda w: w.t.q)),
    Route("moderation.item", lambda w: f"/moderation/items/answer/{w.t.a}", MODERATORS,
          circle=True, data=lambda w: {"action": "hide", "reason": "宣伝"},
          state=get(Answer, "hidden_at", lambda w: w.t.a)),
]  # fmt: skip


# --- the tests --------------------------------------------------------------------------------


def test_every_post_route_is_in_the_table(app):
    posted = {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    listed = [r.endpoint for r in ROUTES]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert posted - set(listed) == set(), "add these POST routes to ROUTES"
    assert set(listed) - posted == set(), "these routes no longer exist"


def _cases():
    for route in ROUTES:
        for variant in ("open", "private") if route.circle else ("open",):
            name = f"{route.endpoint}[{variant}]" if route.circle else route.endpoint
            yield pytest.param(route, variant, id=name)


def outcome(response, changed: bool, has_state: bool):
    status = response.status_code
    if changed:
        return OK if status < 400 else f"{status} and the data changed"
    if status in (302, 303) and "/auth/login" in response.headers.get("Location", ""):
        return LOGIN
    if status < 400:
        return NOOP if has_state else OK
    return status


@pytest.mark.parametrize(("route", "variant"), list(_cases()))
def test_who_may_call_the_route(app, route, variant):
    world = None
    mismatches = []
    for role, expected in route.expected(variant).items():
        if world is None:  # a fresh world after every call that changed something
            world = build_world(app, variant)
            if route.prepare:
                with app.app_context():
                    route.prepare(world)
                    db.session.commit()
        username = principal(role, world, route.author)
        client = app.test_client()
        if username is not None:
            assert login(client, username).status_code == 302, username
        me = world.ids.get(username)

        def probe(world=world, me=me):
            if route.state is None:
                return None
            with app.app_context():
                return route.state(world, me)

        before = probe()
        body = route.data(world)
        if route.json:
            response = client.post(route.url(world), json=body)
        else:
            response = client.post(route.url(world), data=body)
        changed = probe() != before
        got = outcome(response, changed, route.state is not None)
        if got != expected:
            mismatches.append(
                f"{role} ({username}): expected {expected}, got {got} "
                f"[{response.status_code} {response.headers.get('Location', '')}]"
            )
        if changed or (route.state is None and response.status_code < 400):
            world = None
    assert not mismatches, "\n".join(mismatches)
