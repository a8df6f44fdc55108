"""axe-core over the main pages, as each kind of visitor: no critical or serious violation.

One page per test and one test per role keeps this fast; the demo data gives every page
something to show (a question with answers, a case with rows, an adviser with free slots).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from community.auth.models import Role, User
from community.casebook.models import Case
from community.circles.models import Circle
from community.demo import DEMO_PASSWORD, load_demo
from community.extensions import db
from community.notifications.models import Kind
from community.notifications.services import notify
from community.office_hours.models import AdviserSettings
from community.questions.models import Question

BLOCKING = {"critical", "serious"}


@pytest.fixture
def demo(app):
    """The demo data, an unread notification for the member (so the bell badge shows) and
    the names the pages need."""
    with app.app_context():
        load_demo()
        question = db.session.scalars(select(Question).order_by(Question.id)).first()
        member = db.session.scalars(
            select(User).where(User.role == Role.MEMBER).order_by(User.id)
        ).first()
        notify(
            [member.id],
            Kind.MENTION,
            question=question,
            text="テスト用の通知です",
            url=f"/questions/{question.id}",
        )
        db.session.commit()
        adviser_id = db.session.scalars(select(AdviserSettings.user_id)).first()
        names = {
            "question": question.id,
            "circle": db.session.scalars(select(Circle.slug).order_by(Circle.id)).first(),
            "case": db.session.scalars(select(Case.slug).order_by(Case.id)).first(),
            "member": member.username,
            "adviser": db.session.get(User, adviser_id).username,
        }
        for role in (Role.EDITOR, Role.ADMIN):
            names[role.value] = db.session.scalars(
                select(User.username).where(User.role == role).order_by(User.id)
            ).first()
    return names


def public_pages(d) -> list[str]:
    return [
        "/",
        "/questions/",
        f"/questions/{d['question']}",
        "/circles/",
        f"/circles/{d['circle']}",
        "/cases/",
        f"/cases/{d['case']}",
        "/office-hours/",
        f"/office-hours/{d['adviser']}",
        "/search?q=橋梁",
    ]


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def _measured_too_low(node) -> bool:
    """axe leaves the contrast of very short text (the bell's "3") as "incomplete", not as a
    violation, although it has measured it: a measured ratio below the required one fails."""
    for check in node.get("any", []):
        data = check.get("data") or {}
        ratio, expected = data.get("contrastRatio"), data.get("expectedContrastRatio")
        if ratio and expected and float(ratio) < float(expected.split(":")[0]):
            return True
    return False


def blocking_violations(page, axe: Axe) -> list[str]:
    """Critical and serious violations on the current page, one readable line each."""
    response = axe.run(page).response
    found = []
    for v in response["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:5]
        found.append(f"{page.url} [{v['impact']}] {v['id']}: {v['help']} → {targets}")
    for v in response["incomplete"]:
        low = [n for n in v["nodes"] if v["id"] == "color-contrast" and _measured_too_low(n)]
        if low:
            targets = [" ".join(map(str, n["target"])) for n in low][:5]
            found.append(f"{page.url} [serious] color-contrast: {v['help']} → {targets}")
    return found


def audit(page, urls) -> list[str]:
    axe = Axe()
    found = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        found += blocking_violations(page, axe)
    return found


def report(found: list[str]) -> str:
    return "axe found critical/serious violations:\n" + "\n".join(found)


def test_visitor_pages(page, demo):
    pages = [*public_pages(demo), "/support/", "/about", "/auth/login", "/auth/register"]
    found = audit(page, [*pages, "/auth/reset"])
    # A refused form: errors, aria-invalid and descriptions must not break anything.
    page.goto("/auth/register")
    page.fill("#email", "ｓａｓａｋｉ＠ｅｘａｍｐｌｅ．ｌｇ．ｊｐ")
    page.fill("#password", "short")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("#password-error")).to_be_visible()
    found += blocking_violations(page, Axe())
    assert not found, report(found)


def test_member_pages(page, demo):
    log_in(page, demo["member"])
    # The unread count is shown, so its contrast is checked on every page below.
    expect(page.locator(".bell-count")).to_be_visible()
    found = audit(
        page,
        [
            *public_pages(demo),
            "/questions/ask",
            "/people/",
            f"/people/{demo['member']}",
            f"/people/{demo['adviser']}",
            "/notifications/",
            "/settings/notifications",
            "/settings/profile",
            "/settings/account",
            "/bookings/",
            "/welcome",
            "/moderation/my-flags",
        ],
    )
    # On a phone the header collapses behind a menu button.
    page.set_viewport_size({"width": 390, "height": 844})
    found += audit(page, ["/", f"/questions/{demo['question']}"])
    page.set_viewport_size({"width": 1280, "height": 900})
    # A booking page: the first free slot of the adviser.
    page.goto(f"/office-hours/{demo['adviser']}")
    page.locator("a[href*='/book?start=']").first.click()
    expect(page.locator("form.form")).to_be_visible()
    found += blocking_violations(page, Axe())
    assert not found, report(found)


def test_editor_case_editor(page, demo):
    log_in(page, demo["editor"])
    case = demo["case"]
    found = audit(page, ["/cases/new", f"/cases/{case}/edit", f"/cases/{case}/history"])
    # Repeated rows added: the labels must be there for every new row too.
    page.goto("/cases/new")
    for _ in range(2):
        page.locator("button[name=action][value=more]").click()
        expect(page.locator("h1")).to_be_visible()
    found += blocking_violations(page, Axe())
    assert not found, report(found)


def test_admin_and_moderation_pages(page, demo):
    log_in(page, demo["admin"])
    found = audit(
        page,
        [
            "/moderation/",
            "/moderation/audit",
            "/admin/users",
            "/admin/domains",
            "/admin/mail",
            # Pages with moderators' controls (hide, move, suspend).
            f"/questions/{demo['question']}",
            f"/people/{demo['member']}",
            f"/circles/{demo['circle']}",
        ],
    )
    assert not found, report(found)
