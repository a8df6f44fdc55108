"""Browser journey: an editor reads the casebook as a book (table of contents, a chapter, the
課題ステータス × 支援メニュー matrix), opens a cell's cases, and closes an edition."""

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from community.auth.models import Role
from community.demo import load_people
from community.demo_qa import load_casebook
from community.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_casebook_journeys import log_in

# Screenshots of the pages, to look at: test-artifacts/ unless KAKEHASHI_SHOTS names a folder.
SHOTS = Path(os.environ.get("KAKEHASHI_SHOTS") or ARTIFACTS)


def test_editor_reads_chapters_and_matrix_then_closes_an_edition(page, live_server, app, make_user):
    with app.app_context():
        load_people()
        load_casebook()
        db.session.commit()
    make_user(username="book_editor", role=Role.EDITOR)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, "book_editor")

    page.goto("/cases/")
    page.get_by_role("link", name="目次").click()
    expect(page).to_have_url(re.compile(r"/cases/chapters/$"))
    toc = page.locator("#toc > li h2")
    expect(toc).to_have_count(4)
    expect(toc.nth(0)).to_contain_text("1. はじめに")
    expect(toc.nth(3)).to_contain_text("4. 「内」からのレベルアップ術")
    page.screenshot(path=str(SHOTS / "casebook-toc.png"), full_page=True)

    page.get_by_role("link", name=re.compile("^2. 支援メニューのラインナップ")).click()
    expect(page.locator("h1")).to_contain_text("支援メニューのラインナップ")
    expect(page.locator("ol.stages li")).to_have_count(3)
    expect(page.locator("ol.stages")).to_contain_text("「何が課題かも分からない」")
    expect(page.locator("#tier-learning h3")).to_have_text("学習機会の提供（研修・交流等）")
    page.screenshot(path=str(SHOTS / "casebook-chapter-2.png"), full_page=True)

    page.get_by_role("link", name=re.compile("3. 「外」からのレベルアップ術")).click()
    expect(page.locator("#section-existing_orgs li.case-card")).to_have_count(6)
    expect(page.locator("#section-adviser_dispatch li.case-card")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "casebook-chapter-3.png"), full_page=True)

    page.goto("/cases/matrix")
    cell = page.locator("td.cell[data-stage='2'][data-menu='training'] a")
    count = int(cell.inner_text())
    assert count >= 1
    page.screenshot(path=str(SHOTS / "casebook-matrix.png"), full_page=True)
    cell.click()
    expect(page).to_have_url(re.compile(r"/cases/\?.*stage=2"))
    expect(page.locator("li.case-card")).to_have_count(count)
    expect(page.locator(".result-count")).to_have_text(f"{count}件の事例")

    page.goto("/cases/")
    expect(page.locator("li.case-card .badge.new")).to_have_count(9)
    page.get_by_role("link", name="版の管理").click()
    expect(page.locator("#open-edition h2")).to_have_text("編集中：第1版")
    page.fill("#note", "令和8年12月版")
    page.get_by_role("button", name="第1版を締めて次の版を始める").click()
    expect(page.locator("body")).to_contain_text("第1版を締めました")
    expect(page.locator("#open-edition h2")).to_have_text("編集中：第2版")
    expect(page.locator("#editions")).to_contain_text("令和8年12月版")
    page.screenshot(path=str(SHOTS / "casebook-editions.png"), full_page=True)
    page.goto("/cases/")
    expect(page.locator("li.case-card .badge.new")).to_have_count(0)
    expect(page.locator("li.case-card .badge.edition").first).to_have_text("第1版")

    # The case page names its chapter section and edition; 掲載承諾 is for editors' eyes.
    page.goto("/cases/sorae-idobata-kaigi")
    head = page.locator(".case-head")
    expect(head).to_contain_text("第4章 職員交流事例")
    expect(head).to_contain_text("第1版で掲載")
    expect(head.locator(".consent")).to_contain_text("掲載承諾")
    expect(head.locator(".consent")).to_contain_text("未依頼")
    page.screenshot(path=str(SHOTS / "casebook-case-editor.png"))

    # The editor marks it ☆モデル事例 and records the consent; the seeded sources still back
    # every figure when the form is sent back as it was rendered.
    page.get_by_role("link", name="編集", exact=True).click()
    expect(page.locator("#section")).to_have_value("staff_exchange")
    page.check("#is_model")
    page.select_option("#consent", "granted")
    page.locator("#is_model").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "casebook-form-publishing.png"))
    page.get_by_role("button", name=re.compile("^(保存|Save)$")).click()
    expect(page).to_have_url(re.compile(r"/cases/sorae-idobata-kaigi$"))
    expect(page.locator(".case-head .model-case")).to_have_text("☆モデル事例")
    expect(page.locator(".case-head .consent")).to_contain_text("承諾済み")
    page.goto("/cases/?model=1")
    expect(page.locator("li.case-card")).to_have_count(1)
