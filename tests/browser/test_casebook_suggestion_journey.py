"""Browser journey: a member suggests a case, an editor sees the count, turns it into a case,
and the member sees the outcome; a second suggestion is declined with a reason."""

import os
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from community.auth.models import Role
from tests.browser.conftest import watched_page
from tests.browser.test_accessibility import audit, blocking_violations, report
from tests.browser.test_casebook_journeys import log_in

SHOTS = os.environ.get("KAKEHASHI_SCREENSHOTS")  # a folder: keep screenshots to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"suggestion-{name}.png"), full_page=True)


def test_member_suggests_editor_turns_it_into_a_case(browser, live_server, app, make_user):
    make_user(username="member1", display_name="提案 する人")
    make_user(username="editor1", role=Role.EDITOR)
    errors: list[str] = []
    member = watched_page(browser, live_server, errors)
    log_in(member, "member1")
    member.goto("/cases/")
    member.get_by_role("link", name="事例を提案する").click()
    expect(member).to_have_url(re.compile(r"/cases/suggest$"))
    # Bad input first: a message by the field, nothing sent.
    member.fill("#title", "短い")
    member.fill("#source_url", "javascript:alert(1)")
    member.get_by_role("button", name="編集者に送る").click()
    expect(member.locator("#title-error")).to_contain_text("5〜150文字")
    expect(member.locator("#what-error")).to_contain_text("何があったかを書いてください。")
    expect(member.locator("#source_url-error")).to_contain_text("https://")
    shot(member, "1-errors")
    found = blocking_violations(member, Axe())
    member.fill("#title", "村と町が共同で行った橋梁点検")
    member.fill(
        "#what", "技術職員のいない村が隣の町と点検を共同発注した。\n点検の漏れがなくなった。"
    )
    member.fill("#place", "架空県かけはし村")
    member.fill("#people", "かけはし村、となり町")
    member.fill("#source_url", "https://example.jp/kyodo")
    member.fill("#contact", "member1@example.jp")
    member.get_by_role("button", name="編集者に送る").click()
    expect(member).to_have_url(re.compile(r"/cases/suggestions/mine$"))
    expect(member.locator(".flashes")).to_contain_text("ありがとう")
    expect(member.locator("table.suggestion-list")).to_contain_text("編集者の確認待ち")
    shot(member, "2-mine")

    editor = watched_page(browser, live_server, errors)
    log_in(editor, "editor1")
    expect(editor.locator(".bell-count")).to_have_text("1")
    editor.goto("/cases/")
    expect(editor.locator(".suggestion-count")).to_have_text("1件")
    shot(editor, "3-index")
    editor.locator("a[href='/cases/suggestions']").first.click()
    expect(editor.locator(".suggestion-queue")).to_contain_text("村と町が共同で行った橋梁点検")
    expect(editor.locator(".suggestion-queue")).to_contain_text("member1@example.jp")
    shot(editor, "4-queue")
    editor.get_by_role("link", name="事例にする").click()
    expect(editor.locator("#title")).to_have_value("村と町が共同で行った橋梁点検")
    expect(editor.locator("#overview")).to_contain_text("どこで：架空県かけはし村")
    expect(editor.locator("#sources-0-url")).to_have_value("https://example.jp/kyodo")
    shot(editor, "5-case-form")
    editor.check("input[name=direction][value=outside]")
    editor.get_by_role("button", name=re.compile("^保存$|^Save$")).click()
    expect(editor).to_have_url(re.compile(r"/cases/case-\d+$"))
    shot(editor, "6-case")

    member.goto("/cases/suggestions/mine")
    expect(member.locator("table.suggestion-list")).to_contain_text("採用")
    shot(member, "7-mine-accepted")

    # A second suggestion is declined with a reason, which the member reads.
    member.goto("/cases/suggest")
    member.fill("#title", "隣の市との職員交流の取組")
    member.fill("#what", "隣の市と技術職員を1年間交換した。")
    member.get_by_role("button", name="編集者に送る").click()
    expect(member).to_have_url(re.compile(r"/cases/suggestions/mine$"))
    editor.goto("/cases/suggestions")
    pending = editor.locator(".suggestion.pending")
    expect(pending).to_have_count(1)
    pending.get_by_role("button", name="この理由で見送る").click()
    expect(editor.locator(".suggestion.pending [role=alert]")).to_contain_text("理由を書いて")
    editor.locator(".suggestion.pending textarea").fill("同じ取組の事例をすでに掲載しています。")
    editor.locator(".suggestion.pending").get_by_role("button", name="この理由で見送る").click()
    expect(editor.locator(".flashes")).to_contain_text("提案を見送り")
    expect(editor.locator(".suggestion.pending")).to_have_count(0)
    shot(editor, "8-queue-decided")
    member.goto("/cases/suggestions/mine")
    expect(member.locator("table.suggestion-list")).to_contain_text(
        "同じ取組の事例をすでに掲載しています。"
    )
    shot(member, "9-mine-declined")
    found += audit(member, ["/cases/suggest", "/cases/suggestions/mine", "/cases/"])
    found += audit(editor, ["/cases/suggestions", "/cases/"])
    assert not found, report(found)
    member.context.close()
    editor.context.close()
    assert not errors, errors  # script errors and CSP violations
