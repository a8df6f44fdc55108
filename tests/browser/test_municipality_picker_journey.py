"""Browser journey: a member types their municipality in hiragana on the profile page, picks
it from the type-ahead, and the prefecture fills itself; the saved profile names it."""

import os
from pathlib import Path

from playwright.sync_api import expect

from community.extensions import db
from community.profiles.models import Profile
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_casebook_journeys import log_in
from tests.factories import user_named

SHOTS = Path(os.environ.get("KAKEHASHI_SHOTS") or ARTIFACTS)


def test_member_picks_a_municipality_by_kana(page, live_server, app, make_user):
    make_user(username="picker_member", display_name="飛騨 太郎")
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, "picker_member")
    page.goto("/settings/profile")
    page.select_option("#organisation_kind", "municipality")
    page.locator("#municipality").press_sequentially("たかやま", delay=30)
    option = page.locator("#municipality-options li", has_text="高山市")
    expect(option).to_be_visible()
    expect(page.locator("#municipality-options li")).not_to_have_count(0)
    page.screenshot(path=str(SHOTS / "profile-municipality-picker.png"), full_page=False)
    option.click()
    expect(page.locator("#municipality")).to_have_value("高山市（岐阜県）")
    expect(page.locator("#prefecture")).to_have_value("21")
    page.locator("#technical_staff").fill("1")
    page.get_by_role("button", name="プロフィールを保存").click()
    expect(page).to_have_url(f"{live_server}/people/picker_member")
    with app.app_context():
        profile = db.session.get(Profile, user_named("picker_member").id)
        assert profile.municipality_code == "212032" and profile.prefecture_code == "21"
        assert profile.technical_staff == 1
