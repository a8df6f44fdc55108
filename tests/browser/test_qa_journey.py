"""Browser journey: join a circle, ask with a stage, another member answers, the asker accepts."""

import re

from playwright.sync_api import expect

from community.auth.models import Role, User
from community.circles import services as circles
from community.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def test_join_ask_answer_accept(browser, live_server, app, make_user):
    admin = make_user(username="boss", role=Role.ADMIN)
    make_user(username="asker", display_name="小林 町子", fields=["bridge"])
    make_user(username="helper", display_name="森 先生")
    with app.app_context():
        circles.save_circle(
            db.session.get(User, admin.id),
            None,
            {
                "slug": "bridge-inspection",
                "name_ja": "橋梁点検",
                "name_en": "Bridge inspection",
                "visibility": "open",
                "description": "橋の点検を担当する人のサークル",
                "rules": "- 個人情報は書かない",
            },
        )
        db.session.commit()

    asker_ctx = browser.new_context(base_url=live_server)
    helper_ctx = browser.new_context(base_url=live_server)
    asker, helper = asker_ctx.new_page(), helper_ctx.new_page()
    try:
        log_in(asker, "asker")
        asker.goto("/circles/")
        asker.get_by_role("link", name="橋梁点検").click()
        asker.get_by_role("button", name="サークルに参加する").click()
        expect(asker.get_by_role("button", name="サークルを抜ける")).to_be_visible()

        asker.get_by_role("link", name="このサークルで質問する").click()
        expect(asker.locator("#circle")).to_have_value("bridge-inspection")
        asker.fill("#title", "判定区分Ⅲの橋が複数あり、優先順位の付け方が分かりません")
        asker.fill(
            "#body", "人口8千人の町で、橋梁120橋を2名で担当しています。**判定区分Ⅲ**が5橋あります。"
        )
        asker.check("input[name=stage][value='2']")
        asker.select_option("#field", "bridge")
        asker.check("input[name=topics][value=inspection]")
        asker.fill("#tags", "優先順位 判定区分")
        asker.get_by_role("button", name="質問を投稿").click()
        expect(asker).to_have_url(re.compile(r"/questions/\d+$"))
        question_url = asker.url
        expect(asker.locator(".badge.stage")).to_have_text("課題への解決手法が分からない")
        expect(asker.locator(".badge.status-open")).to_be_visible()

        log_in(helper, "helper")
        helper.goto(question_url)
        helper.fill("#body", "うちでは健全度と迂回路の有無で点数を付け、上位から予算化しています。")
        helper.get_by_role("button", name="回答を投稿").click()
        expect(helper.locator(".post.answer")).to_have_count(1)

        asker.reload()
        expect(asker.locator(".post.answer")).to_contain_text("迂回路")
        asker.get_by_role("button", name="解決した回答に選ぶ").click()
        expect(asker.locator(".post.answer.accepted")).to_be_visible()
        expect(asker.locator(".badge.status-resolved")).to_be_visible()

        helper.reload()
        expect(helper.locator(".badge.status-resolved")).to_be_visible()
        expect(helper.locator(".post.answer.accepted")).to_contain_text("迂回路")
        helper.goto("/circles/bridge-inspection")
        expect(helper.locator(".qrow.resolved")).to_have_count(1)
        ARTIFACTS.mkdir(exist_ok=True)
        asker.screenshot(path=str(ARTIFACTS / "qa_journey_asker.png"), full_page=True)
    finally:
        asker_ctx.close()
        helper_ctx.close()
