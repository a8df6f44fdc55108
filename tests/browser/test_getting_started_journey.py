"""Browser journey: the 質問する button and the site pages for a visitor; the header's size on a
phone (390×844) and on one line at 1366 px for an admin who moderates, with screenshots."""

import re

from playwright.sync_api import expect

from community.auth.models import Role, User
from community.extensions import db
from community.moderation import flags
from tests import qa_helpers
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def test_visitor_ask_button_and_site_pages(page, live_server):
    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="質問する").click()
    expect(page).to_have_url(re.compile(r"/auth/login\?next=(%2F|/)questions(%2F|/)ask$"))

    page.goto("/")
    expect(page.locator(".hero").get_by_role("link", name="質問する")).to_be_visible()
    footer = page.locator(".site-footer")
    footer.get_by_role("link", name="架け橋について").click()
    expect(page.locator("h1")).to_have_text("架け橋について")
    expect(page.locator("blockquote")).to_contain_text("「個人」としてつながる")
    page.locator(".site-footer").get_by_role("link", name="利用規約").click()
    expect(page.locator("h1")).to_have_text("利用規約")
    page.locator(".site-footer").get_by_role("link", name="プライバシーポリシー").click()
    expect(page.locator("h1")).to_have_text("プライバシーポリシー")
    page.locator(".site-footer").get_by_role("link", name="お問い合わせ").click()
    expect(page.locator("h1")).to_have_text("お問い合わせ")

    # A visitor on a phone: brand, 質問する, ログイン and the menu button on one short row.
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(PHONE)
    page.goto("/")
    assert header_height(page) < 0.2 * PHONE["height"]
    expect(page.locator(".header-quick").get_by_role("link", name="ログイン")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "header-phone-visitor.png")


def _people(app, make_user):
    make_user(username="member", display_name="山田 太郎（架空）")
    admin = make_user(
        username="sato_admin", role=Role.ADMIN, display_name="管理者 佐藤 花子（架空）"
    )
    reporter = make_user(username="reporter")
    with app.app_context():
        q = qa_helpers.ask(admin.id)
        a = qa_helpers.answer(reporter.id, q, body="宣伝です。詳しくはこちらのサイトへ。")
        flags.flag(db.session.get(User, admin.id), "answer", a.id, "spam")
        db.session.commit()


def test_header_on_a_phone_and_on_one_line_at_1366(browser, live_server, app, make_user):
    ARTIFACTS.mkdir(exist_ok=True)
    _people(app, make_user)
    for username in ("member", "sato_admin"):
        context = browser.new_context(base_url=live_server, viewport=PHONE)
        try:
            phone = context.new_page()
            log_in(phone, username)
            phone.goto("/")
            height = header_height(phone)
            assert height < 0.2 * PHONE["height"], f"{username}: header {height}px on a phone"
            expect(phone.locator(".main-nav")).to_be_hidden()
            expect(phone.locator(".header-quick .ask-button")).to_be_visible()
            phone.screenshot(path=ARTIFACTS / f"header-phone-{username}.png")
            toggle = phone.get_by_role("button", name="メニュー")
            expect(toggle).to_have_attribute("aria-expanded", "false")
            toggle.click()
            expect(toggle).to_have_attribute("aria-expanded", "true")
            expect(phone.locator(".main-nav").get_by_role("link", name="事例集")).to_be_visible()
            phone.screenshot(path=ARTIFACTS / f"header-phone-{username}-open.png")
            phone.locator(".main-nav").get_by_role("link", name="事例集").click()
            expect(phone).to_have_url(re.compile(r"/cases/"))
            expect(phone.locator(".main-nav")).to_be_hidden()
        finally:
            context.close()

        # Without JavaScript the menu button could not open anything, so the menu stays open.
        context = browser.new_context(
            base_url=live_server, viewport=PHONE, java_script_enabled=False
        )
        try:
            bare = context.new_page()
            bare.goto("/")
            expect(bare.locator(".main-nav").get_by_role("link", name="事例集")).to_be_visible()
            expect(bare.locator(".menu-toggle")).to_be_hidden()
        finally:
            context.close()

        context = browser.new_context(base_url=live_server, viewport=DESKTOP)
        try:
            desk = context.new_page()
            log_in(desk, username)
            desk.goto("/")
            if username == "sato_admin":
                expect(desk.locator(".queue-count")).to_be_visible()
            # One line: every part of the header sits on the same row, and the header is as
            # tall as one row.
            boxes = [
                desk.locator(sel).bounding_box()
                for sel in (".brand", ".main-nav a >> nth=-1", "#site-search", ".bell", ".me")
            ]
            centres = [b["y"] + b["height"] / 2 for b in boxes]
            assert max(centres) - min(centres) < 8, f"{username}: header wraps: {centres}"
            height = header_height(desk)
            assert height < 70, f"{username}: header {height}px at 1366"
            desk.screenshot(path=ARTIFACTS / f"header-desktop-{username}.png")
            # The less-used links are in the account menu.
            desk.locator(".account-menu summary").click()
            menu = desk.locator(".account-menu .menu-panel")
            expect(menu.get_by_role("link", name="はじめに")).to_be_visible()
            if username == "sato_admin":
                expect(menu.get_by_role("link", name="管理")).to_be_visible()
            desk.screenshot(path=ARTIFACTS / f"header-desktop-{username}-menu.png")
            desk.keyboard.press("Escape")
            expect(menu).to_be_hidden()
            if username == "sato_admin":
                # English labels are longer: still one line.
                desk.locator(".account-menu summary").click()
                menu.get_by_role("button", name="English").click()
                expect(desk.locator("html")).to_have_attribute("lang", "en")
                assert header_height(desk) < 70, f"English header {header_height(desk)}px"
                desk.screenshot(path=ARTIFACTS / "header-desktop-sato_admin-en.png")
        finally:
            context.close()
