"""User journeys in a real browser: register → confirm → profile → directory; language."""

import re

from playwright.sync_api import expect


def register(
    page, email: str, username: str, display_name: str, password: str = "a long enough password"
):
    page.goto("/auth/register")
    page.fill("#email", email)
    page.fill("#username", username)
    page.fill("#display_name", display_name)
    page.fill("#password", password)
    page.fill("#password_confirm", password)
    page.get_by_role("button", name="アカウントを作成").click()


def test_register_confirm_fill_profile_and_find_yourself(page, live_server, mailbox):
    register(page, "Yamada.T@Town.Minami.Example.LG.JP", "yamada_t", "山田 太郎")
    expect(page.locator("h1")).to_have_text("メールをご確認ください")

    link = mailbox.link(
        "yamada.t@town.minami.example.lg.jp", r"http://127\.0\.0\.1:\d+/auth/confirm/\S+"
    )
    page.goto(link)
    # Confirmed; asked to log in, then taken to the getting-started checklist.
    expect(page.locator(".flash.success")).to_be_visible()
    page.fill("#identifier", "yamada_t")
    page.fill("#password", "a long enough password")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(page.locator("h1")).to_have_text("はじめに")
    steps = page.locator(".checklist li")
    expect(steps).to_have_count(5)
    expect(page.locator(".checklist li.done")).to_have_count(0)
    page.get_by_role("link", name="プロフィールを整える").click()
    expect(page).to_have_url(re.compile(r"/settings/profile$"))

    page.fill("#organisation", "美波町")
    page.select_option("#prefecture", "36")
    page.select_option("#population_band", "lt10k")
    page.fill("#department", "建設課")
    page.fill("#years_experience", "4")
    page.check("input[name=fields][value=bridge]")
    page.check("input[name=fields][value=sewer]")
    page.check("input[name=help_topics][value=inspection]")
    page.fill("#bio", "町の橋梁 **60 橋** を一人で担当しています。")
    page.get_by_role("tab", name="プレビュー").click()
    expect(page.locator(".md-output strong")).to_have_text("60 橋")
    page.get_by_role("tab", name="編集").click()
    page.check("input[name=visibility][value=public]")
    page.get_by_role("button", name="プロフィールを保存").click()

    expect(page).to_have_url(re.compile(r"/people/yamada_t$"))
    expect(page.locator("h1")).to_contain_text("山田 太郎")
    expect(page.locator(".badge.verified")).to_be_visible()
    expect(page.locator(".prose strong")).to_have_text("60 橋")

    # The checklist, reopened from the account menu, ticks the profile.
    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="はじめに").click()
    expect(page.locator('.checklist li[data-step="profile"]')).to_have_class(re.compile("done"))

    # Find yourself in the directory by field and prefecture.
    page.goto("/people/")
    page.select_option("#field", "bridge")
    page.select_option("#prefecture", "36")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"field=bridge.*prefecture=36|prefecture=36.*field=bridge"))
    cards = page.locator(".person")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("山田 太郎")
    expect(cards.first).to_contain_text("美波町")

    # A different prefecture does not list them.
    page.goto("/people/?field=bridge&prefecture=16")
    expect(page.locator(".person")).to_have_count(0)


def test_switch_language_and_keep_it(page, live_server):
    page.goto("/people/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator("h1")).to_have_text("People")
    page.goto("/auth/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_forgotten_password_by_mail(page, live_server, mailbox, make_user):
    make_user(username="kimura", email="kimura@example.com")
    page.goto("/auth/login")
    page.get_by_role("link", name=re.compile("パスワードをお忘れ")).click()
    page.fill("#identifier", "kimura@example.com")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("メールをご確認ください")
    page.goto(mailbox.link("kimura@example.com", r"http://127\.0\.0\.1:\d+/auth/reset/\S+"))
    page.fill("#password", "my new long password")
    page.fill("#password_confirm", "my new long password")
    page.locator("form.form button[type=submit]").click()
    page.fill("#identifier", "kimura")
    page.fill("#password", "my new long password")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_contain_text("User")


def test_bad_input_shows_field_messages(page, live_server):
    register(page, "not-an-email", "x", "", "short")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#username-error")).to_be_visible()
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#display_name-error")).to_be_visible()
