"""Browser journey: an editor sees the pending suggestions beside 「事例の提案」 in the header of
any page, closes an edition, and the edition's public PDF stays as it was printed at closing
while the case is edited afterwards."""

import hashlib
import os
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from community.auth.models import Role
from community.casebook import suggestions
from community.casebook.models import Case
from community.db import utcnow
from community.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_casebook_journeys import log_in
from tests.factories import user_named
from tests.test_casebook import make_case

SHOTS = Path(os.environ.get("KAKEHASHI_SHOTS") or ARTIFACTS)


def test_editor_sees_suggestions_in_the_header_and_closes_a_frozen_edition(
    page, live_server, app, make_user
):
    make_user(username="frozen_editor", role=Role.EDITOR)
    make_user(username="frozen_member")
    make_case(app, "frozen-journey-case", author="frozen_editor", title="締める前の題名の事例")
    with app.app_context():
        for title in ("ヘッダーで数える提案その一", "ヘッダーで数える提案その二"):
            data = suggestions.SuggestionInput(title=title, what="起きたこと。")
            suggestions.suggest(user_named("frozen_member"), data)
        db.session.commit()
    SHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, "frozen_editor")
    page.goto("/questions/")
    link = page.locator("nav.main-nav a[href='/cases/suggestions']")
    expect(link).to_have_text(re.compile(r"^事例の提案\s*未対応の事例の提案：2$"))
    page.screenshot(path=str(SHOTS / "header-suggestions-count.png"))
    link.click()
    expect(page.locator("h1")).to_have_text("事例の提案")

    page.goto("/cases/editions")
    page.fill("#note", "凍結の確認版")
    page.get_by_role("button", name="第1版を締めて次の版を始める").click()
    expect(page.locator("body")).to_contain_text("第1版を締めました")
    expect(page.locator("#editions")).to_contain_text("凍結の確認版")
    pdf_link = page.get_by_role("link", name="第1版のPDF")
    expect(pdf_link).to_have_attribute("href", "/cases/editions/1/book.pdf")
    page.screenshot(path=str(SHOTS / "casebook-editions-closed.png"), full_page=True)

    first = page.request.get("/cases/editions/1/book.pdf")
    assert first.status == 200 and first.headers["content-type"] == "application/pdf"
    assert first.headers["etag"] == f'"{hashlib.sha256(first.body()).hexdigest()}"'

    with app.app_context():  # an editor's later edit of the case
        case = db.session.scalar(select(Case).where(Case.slug == "frozen-journey-case"))
        case.title, case.updated_at = "締めた後の題名の事例", utcnow()
        db.session.commit()
    later = page.request.get("/cases/editions/1/book.pdf")
    assert later.body() == first.body()
    live = page.request.get("/cases/book.pdf")
    assert live.status == 200 and live.body() != first.body()

    # A member's header has no such link.
    page.context.clear_cookies()
    log_in(page, "frozen_member")
    page.goto("/questions/")
    expect(page.locator("nav.main-nav a[href='/cases/suggestions']")).to_have_count(0)
