"""Browser journey: A watches a question; B answers; A sees the answer appear, the 「N件の回答」
heading and the bell count rise within a second, without reload; reopening the question reads
its notification and the bell empties."""

import time

from playwright.sync_api import expect

from community.extensions import db
from tests import qa_helpers
from tests.factories import PASSWORD


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def test_answer_appears_live(browser, live_server, app, make_user):
    asker = make_user(username="asker_a")
    make_user(username="answerer_b")
    with app.app_context():
        qid = qa_helpers.ask(asker.id).id
        db.session.commit()
    a_ctx, b_ctx = (
        browser.new_context(base_url=live_server),
        browser.new_context(base_url=live_server),
    )
    a, b = a_ctx.new_page(), b_ctx.new_page()
    try:
        log_in(a, "asker_a")
        a.goto(f"/questions/{qid}")
        expect(a.locator(".bell-count")).to_be_hidden()
        expect(a.locator("#answers")).to_have_text("0件の回答")
        # Wait until A's socket has joined the question's room.
        a.wait_for_function("() => window.io !== undefined")
        a.wait_for_timeout(500)

        log_in(b, "answerer_b")
        b.goto(f"/questions/{qid}")
        # @mention autocomplete in the editor.
        b.locator("#body").press_sequentially("@asker")
        expect(b.locator(".mention-box li").first).to_contain_text("@asker_a")
        b.locator(".mention-box li").first.dispatch_event("mousedown")
        expect(b.locator("#body")).to_have_value("@asker_a ")
        b.fill("#body", "うちでは健全度と迂回路の有無で点数化しています。")
        started = time.monotonic()
        b.locator("#answer-form button[type=submit]").click()
        expect(a.locator("#answer-list .post.answer")).to_have_count(1, timeout=1000)
        expect(a.locator(".bell-count")).to_have_text("1", timeout=1000)
        elapsed = time.monotonic() - started
        assert elapsed < 2.5, f"took {elapsed:.2f}s including B's own page load"
        expect(a.locator("#answer-list")).to_contain_text("迂回路")
        expect(a.locator("#answers")).to_have_text("1件の回答")
        # Opening the question again reads its notification: the bell is empty on that page.
        a.reload()
        expect(a.locator("#answers")).to_have_text("1件の回答")
        expect(a.locator(".bell-count")).to_be_hidden()
    finally:
        a_ctx.close()
        b_ctx.close()
