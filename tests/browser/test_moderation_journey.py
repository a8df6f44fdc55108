"""Browser journeys of moderation.

A verified member flags an answer as personal information; it disappears for others at once;
the circle moderator, told by a notification and the header's queue count, edits the name out,
which shows the answer again; its author is told why; the audit log reads in Japanese and keeps
no trace of the name. And a suspended member meets a notice, not a form, and keeps what they
typed when a post is refused."""

import re
from pathlib import Path

from playwright.sync_api import expect

from community.auth.models import Role, User
from community.circles import services as circles
from community.circles.models import CircleMembership, CircleRole
from community.db import utcnow
from community.extensions import db
from community.moderation import services as moderation
from tests import qa_helpers
from tests.factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RESIDENT = "山田花子"


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def shoot(page, name: str) -> None:
    """The page at desktop and phone widths, for a person to look at (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_flag_personal_information_edit_and_restore(browser, live_server, app, make_user):
    admin = make_user(username="boss", role=Role.ADMIN)
    asker = make_user(username="asker")
    answerer = make_user(username="answerer", display_name="回答 太郎")
    make_user(username="flagger", email="flagger@town.example.lg.jp")  # verified staff
    make_user(username="reader")
    mod = make_user(username="modera", display_name="モデ 花")
    with app.app_context():
        circle = circles.save_circle(
            db.session.get(User, admin.id),
            None,
            {"slug": "bridges", "name_ja": "橋梁点検", "name_en": "Bridges", "visibility": "open"},
        )
        db.session.add(CircleMembership(circle=circle, user_id=mod.id, role=CircleRole.MODERATOR))
        db.session.add(CircleMembership(circle=circle, user_id=asker.id))
        q = qa_helpers.ask(asker.id, circle="bridges", title="点検結果の住民説明の進め方について")
        a = qa_helpers.answer(
            answerer.id, q, body=f"通報があったのは{RESIDENT}さん(本町3丁目)の家の前の橋です。"
        )
        db.session.commit()
        qid, aid = q.id, a.id

    contexts = [browser.new_context(base_url=live_server) for _ in range(4)]
    fp, rp, mp, ap = (c.new_page() for c in contexts)
    try:
        log_in(mp, "modera")
        expect(mp.locator(".queue-count")).to_have_count(0)

        log_in(fp, "flagger")
        fp.goto(f"/questions/{qid}")
        answer = fp.locator(f"#answer-{aid}")
        answer.locator(".flag-link").click()
        # The flag form is a page of its own, quoting what is flagged.
        expect(fp.locator(".flag-excerpt")).to_contain_text("本町3丁目")
        fp.locator(".flag-form input[value=personal_info]").check()
        fp.locator(".flag-form button").click()
        expect(fp.locator(".flash.success")).to_be_visible()
        # Back on the question, at the flagged answer.
        assert f"answer={aid}" in fp.url

        log_in(rp, "reader")
        rp.goto(f"/questions/{qid}")
        expect(rp.locator(f"#answer-{aid}")).to_have_count(0)
        expect(rp.locator("#answers")).to_contain_text("0件の回答")

        # The moderator is told: the header counts the queue, the bell has the flag.
        mp.goto("/notifications/")
        expect(mp.locator("main")).to_contain_text("新しい通報（個人情報）")
        expect(mp.locator(".queue-count")).to_contain_text("1")
        mp.goto("/moderation/")
        row = mp.locator("tr.urgent")
        expect(row.locator(".badge.kind")).to_have_text("回答")
        shoot(mp, "moderation-queue")
        row.locator("a.button").click()
        expect(mp).to_have_url(re.compile(rf"/moderation/items/answer/{aid}$"))
        expect(mp.locator("h1")).to_have_text("回答の確認：点検結果の住民説明の進め方について")
        expect(mp.locator("button.primary[name=action]")).to_have_attribute("value", "hide")
        mp.locator("button[name=action][value=claim]").click()
        mp.fill("#reason", "住民の氏名と住所を削除")
        mp.fill("#body", "通報があったのは本町の住宅の前の橋です。")
        mp.locator("button[name=action][value=edit]").click()
        expect(mp.locator(".empty")).to_be_visible()  # the queue is empty
        expect(mp.locator(".queue-count")).to_have_count(0)

        # Edit and restore: the answer is back for everyone, without the name.
        rp.reload()
        expect(rp.locator(f"#answer-{aid}")).to_contain_text("本町の住宅の前の橋")
        expect(rp.locator("main")).not_to_contain_text(RESIDENT)
        expect(rp.locator("#answers")).to_contain_text("1件の回答")

        fp.goto("/moderation/my-flags")
        expect(fp.locator(".flag-outcome .badge.verified")).to_have_text(
            "モデレーターが編集して再表示"
        )

        log_in(ap, "boss")
        ap.goto("/moderation/audit")
        table = ap.locator("table.audit")
        for words in ("自動非表示", "担当", "編集", "モデ 花", "住民の氏名と住所を削除"):
            expect(table).to_contain_text(words)
        expect(table).not_to_contain_text(RESIDENT)
        expect(table).not_to_contain_text("auto_hide")
        ap.select_option("select[name=action]", label="編集")
        ap.get_by_role("button", name="絞り込む").click()
        expect(table.locator("tbody tr")).to_have_count(1)
        ap.goto("/moderation/audit")
        shoot(ap, "moderation-audit")

        # The author hears what was done to their answer and why.
        ap.context.clear_cookies()
        log_in(ap, "answerer")
        ap.goto("/notifications/")
        expect(ap.locator("main")).to_contain_text("モデレーターがあなたの回答を編集し")
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_suspended_member_keeps_the_text_of_a_refused_question(page, app, make_user):
    admin = make_user(username="boss2", role=Role.ADMIN)
    member = make_user(username="member2")
    log_in(page, "member2")
    page.goto("/questions/ask")
    title = "橋梁長寿命化修繕計画の見直し周期について"
    page.fill("#title", title)
    page.fill("#body", "見直しの周期を何年にしているか教えてください。" * 2)
    # Suspended while typing: the post is refused, the text stays with the reason.
    with app.app_context():
        moderation.suspend(
            db.session.get(User, admin.id), db.session.get(User, member.id), 3, "宣伝の繰り返し"
        )
        db.session.commit()
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_contain_text("利用停止")
    expect(page.locator("#title")).to_have_value(title)
    expect(page.locator("#body")).to_have_value(re.compile("見直しの周期"))
    # A fresh visit shows the notice, not the form.
    page.goto("/questions/ask")
    expect(page.locator(".suspended-notice")).to_contain_text("利用停止中です")
    expect(page.locator("#title")).to_have_count(0)
    with app.app_context():
        assert db.session.get(User, member.id).suspended_until > utcnow()
