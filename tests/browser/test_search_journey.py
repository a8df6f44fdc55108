"""Browser journey: a visitor searches from the header box (width variants, groups, highlights,
type filter) and opens a hit; a member asking sees similar questions and cases under the title,
posts, and invites someone the page suggests, who is told at once."""

import re

from playwright.sync_api import expect

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.extensions import db
from community.questions import services as qa
from community.questions.models import Question
from tests.browser.test_qa_journey import log_in


def _setup(app, make_user):
    make_user(username="editor", role=Role.EDITOR)
    make_user(username="other", display_name="大野 太郎")
    make_user(username="asker", display_name="小林 町子", fields=["bridge"])
    make_user(
        username="expert", display_name="森 孝之", fields=["bridge"], bio="橋梁点検の経験20年"
    )
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        old = qa.ask(
            users["other"],
            {
                "title": "ドローン点検の委託費はどのくらいですか",
                "body": "橋梁のドローン点検を委託したいので、費用の相場を知りたいです。",
                "field": "bridge",
            },
        )
        db.session.flush()
        answer = qa.answer(
            users["expert"], old, "うちでは1橋あたり数十万円でした。NETIS登録技術です。"
        )
        db.session.flush()
        qa.accept(users["other"], old, answer)
        casebook.save_case(
            users["editor"],
            None,
            casebook.CaseInput(
                slug="drone-inspection",
                title="ドローンによる橋梁点検の試行",
                overview="小さな町でドローン点検を試行し、足場の費用を減らした事例です。",
                direction="inside",
                status="published",
            ),
        )
        db.session.commit()
        return old.id


def test_search_from_the_header_and_ask_with_suggestions(browser, live_server, app, make_user):
    old_id = _setup(app, make_user)
    visitor_ctx = browser.new_context(base_url=live_server)
    asker_ctx = browser.new_context(base_url=live_server)
    expert_ctx = browser.new_context(base_url=live_server)
    visitor, asker, expert = visitor_ctx.new_page(), asker_ctx.new_page(), expert_ctx.new_page()
    try:
        # A visitor types half-width katakana in the header box: the full-width text is found.
        visitor.goto("/")
        visitor.fill("#site-search", "ﾄﾞﾛｰﾝ 点検")
        visitor.press("#site-search", "Enter")
        expect(visitor).to_have_url(re.compile(r"/search\?q="))
        questions = visitor.locator("#results-question")
        expect(questions.locator("mark").first).to_have_text("ドローン")
        expect(
            questions.get_by_role("link", name="ドローン点検の委託費はどのくらいですか")
        ).to_be_visible()
        expect(visitor.locator("#results-case")).to_contain_text("ドローンによる橋梁点検の試行")
        # Only questions: the other groups go.
        visitor.select_option("select[name=type]", "question")
        visitor.get_by_role("button", name="検索", exact=True).last.click()
        expect(visitor.locator("#results-case")).to_have_count(0)
        visitor.get_by_role("link", name="ドローン点検の委託費はどのくらいですか").click()
        expect(visitor).to_have_url(re.compile(rf"/questions/{old_id}$"))

        # A member asking sees the similar question and the case under the title.
        log_in(asker, "asker")
        asker.goto("/questions/ask")
        asker.fill("#title", "ドローンで橋梁点検をしたいのですが委託先は")
        expect(asker.locator("#similar li")).to_contain_text(["ドローン点検の委託費"])
        expect(asker.locator("#similar-cases li")).to_contain_text(["ドローンによる橋梁点検の試行"])
        asker.fill(
            "#body",
            "町の橋梁をドローンで点検したいと考えています。委託先の探し方を教えてください。",
        )
        asker.select_option("#field", "bridge")
        asker.get_by_role("button", name="質問を投稿").click()
        expect(asker).to_have_url(re.compile(r"/questions/\d+$"))

        # The unanswered question suggests the expert, with why, and the asker invites them.
        could = asker.locator("#could-answer")
        expect(could).to_contain_text("この質問に答えられそうな人")
        row = could.locator("li", has_text="森 孝之")
        expect(row).to_contain_text("橋梁")
        expect(row).to_contain_text("1")  # accepted answers on similar questions
        row.get_by_role("button", name="回答を依頼").click()
        expect(asker.locator("#could-answer li", has_text="森 孝之")).to_contain_text("依頼済み")

        log_in(expert, "expert")
        # The invitation, and the acceptance of their old answer from the setup.
        expect(expert.locator(".bell-count")).to_have_text("2")
        expert.goto("/notifications/")
        expect(expert.locator("main")).to_contain_text("ドローンで橋梁点検をしたいのですが委託先は")
    finally:
        visitor_ctx.close()
        asker_ctx.close()
        expert_ctx.close()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 2
