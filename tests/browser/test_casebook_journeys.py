"""Browser journeys for the casebook and the support navigator."""

import re

from playwright.sync_api import expect

from community.auth.models import Role
from community.demo import load_people
from community.demo_qa import load_casebook
from community.extensions import db
from tests.factories import PASSWORD


def log_in(page, username, password=PASSWORD):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", password)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def test_newcomer_uses_navigator_reads_case_asks_and_links_it(page, live_server, app, make_user):
    with app.app_context():
        load_people()
        load_casebook()
        db.session.commit()
    make_user(
        username="newcomer",
        display_name="新人 さん",
        fields=["sewer"],
        prefecture="36",
        population_band="lt10k",
    )
    log_in(page, "newcomer")

    page.goto("/support/")
    page.check("input[name=stage][value='2']")
    page.select_option("select[name=field]", "sewer")
    page.get_by_role("button", name=re.compile("合うものを表示|Show what fits")).click()
    expect(page.locator("#results")).to_be_visible()
    case_link = page.locator("#results section").nth(1).locator("a").first
    case_title = case_link.inner_text()
    case_link.click()
    expect(page.locator(".case-class h1")).to_have_text(case_title)
    case_url = page.url
    slug = case_url.rsplit("/", 1)[-1]

    page.goto("/questions/ask")
    page.fill("#title", "下水道の不明水対策、何から始めればいいでしょうか")
    page.fill(
        "#body",
        "人口6千人の町で下水道を1人で担当しています。不明水が多く、対策の進め方を知りたいです。",
    )
    page.check("input[name=stage][value='2']")
    page.select_option("#field", "sewer")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/questions/\d+$"))
    question_title = page.locator("h1").inner_text()

    page.locator("#cases summary").click()
    page.select_option("#case-choice", slug)
    page.fill("#case-note", "この事例が参考になりそうです")
    page.locator("#cases button[type=submit]").click()
    expect(page.locator("#cases")).to_contain_text(case_title)
    expect(page.locator("#cases")).to_contain_text("この事例が参考になりそうです")

    page.goto(case_url)
    expect(page.locator("#questions")).to_contain_text(question_title)


def test_editor_creates_previews_and_publishes_a_case(page, live_server, app, make_user):
    make_user(username="editor1", role=Role.EDITOR)
    log_in(page, "editor1")
    page.goto("/cases/new")
    page.fill("#title", "町村が共同で行う橋梁点検の事例")
    page.fill("#slug", "joint-inspection")
    page.fill("#summary_points", "3町村で点検を共同発注\n技術職員のいない村も参加")
    page.fill("#overview", "3つの町村が **共同で** 橋梁点検を発注した事例です。")
    page.check("input[name=direction][value=outside]")
    page.check("input[name=menus][value=organisational]")
    page.check("input[name=stages][value='2']")
    page.check("input[name=fields][value=bridge]")
    for i, (period, content) in enumerate(
        [("1年目", "協議会を設置"), ("2年目", "共同発注"), ("3年目", "結果を共有")]
    ):
        page.fill(f"#schedule-{i}-period", period)
        page.fill(f"#schedule-{i}-content", content)
    page.select_option("#costs-0-kind", "initial")
    page.fill("#costs-0-item", "点検委託(3町村分)")
    page.fill("#costs-0-amount", "1,200,000")
    page.select_option("#costs-1-kind", "running")
    page.fill("#costs-1-item", "データ管理")
    page.fill("#costs-1-amount", "abc")
    page.fill("#interview-0-question", "なぜ共同で?")
    page.fill("#interview-0-answer", "1町村では受注者が集まらなかったため。")
    page.fill("#interview-1-question", "苦労した点は?")
    page.fill("#interview-1-answer", "費用の按分方法の合意です。")
    page.fill("#sources-0-title", "協議会資料")
    # Every figure in the text needs a source with a link, the date read and an as-of date.
    page.fill("#sources-0-url", "https://example.jp/kyogikai/2024")
    page.fill("#sources-0-as_of", "協議会の報告(3年目)")
    page.fill("#sources-0-accessed_on", "2026-12-01")
    page.fill(
        "#sources-0-supports",
        "3町村が共同発注、1年目に協議会、2年目に共同発注、1町村では受注者が集まらず",
    )

    # A bad row: a clear message by the row, and nothing saved.
    page.get_by_role("button", name=re.compile("プレビュー|Preview")).last.click()
    expect(page.locator("#costs-1-error")).to_be_visible()
    with app.app_context():
        from community.casebook.models import Case

        assert db.session.query(Case).count() == 0

    page.fill("#costs-1-amount", "300000")
    page.get_by_role("button", name=re.compile("プレビュー|Preview")).last.click()
    expect(page.locator("#preview")).to_contain_text("共同で")
    expect(page.locator("#preview")).to_contain_text("1,200,000")
    page.select_option("#status", "published")
    page.get_by_role("button", name=re.compile("^(保存|Save)$")).click()

    expect(page).to_have_url(re.compile(r"/cases/joint-inspection$"))
    expect(page.locator(".schedule tr")).to_have_count(3)
    # No interview source was given: the pairs are shown as the editors' summary.
    expect(page.locator(".editors-summary .summary-q")).to_have_count(2)
    expect(page.locator(".interview")).to_have_count(0)
    expect(page.locator(".case-page")).to_contain_text("1,200,000")
    expect(page.locator(".case-page")).to_contain_text("300,000")
    # The print stylesheet hides the site chrome.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".case-class h1")).to_be_visible()
