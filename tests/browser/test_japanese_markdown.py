"""Browser: an answer written in Japanese Markdown shows bold next to brackets and kana, a
`#case:` mention as a titled link, and the question's tag as it was written."""

from playwright.sync_api import expect

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.extensions import db
from tests import qa_helpers
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_qa_journey import log_in


def test_japanese_emphasis_case_mention_and_tag(page, app, make_user):
    editor = make_user(username="edi", role=Role.EDITOR)
    asker = make_user(username="asker")
    make_user(username="helper")
    with app.app_context():
        casebook.save_case(
            db.session.get(User, editor.id),
            None,
            casebook.CaseInput(
                slug="rc-slab",
                title="RC床版の部分打ち替え",
                summary_points="ポイント",
                overview="概要です。",
                direction="outside",
                status="published",
            ),
        )
        question = qa_helpers.ask(asker.id, tags="判定区分Ⅲ ＲＣ床版")
        db.session.commit()
        question_url = f"/questions/{question.id}"

    log_in(page, "helper")
    page.goto(question_url)
    # As written, not as the NFKC key (#rc床版, #判定区分iii); ordered by the key.
    expect(page.locator(".tag.free")).to_have_text(["#ＲＣ床版", "#判定区分Ⅲ"])
    page.fill(
        "#body", "**RC床版橋(橋長8m)**が傷んでいます。「**重要**」です。#case:rc-slab も参考に。"
    )
    page.get_by_role("button", name="回答を投稿").click()
    answer = page.locator(".post.answer")
    expect(answer).to_have_count(1)
    expect(answer.locator("strong").first).to_have_text("RC床版橋(橋長8m)")
    expect(answer.locator("strong").nth(1)).to_have_text("重要")
    expect(answer.locator(".prose")).not_to_contain_text("**")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("main").screenshot(path=str(ARTIFACTS / "japanese_answer.png"))
    link = answer.get_by_role("link", name="事例：RC床版の部分打ち替え")
    expect(link).to_have_attribute("href", "/cases/rc-slab")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("RC床版の部分打ち替え")
