"""Browser journey: a verified member flags an answer as personal information; it disappears
for others at once; the circle moderator edits the name out and restores it; the flagger sees
the outcome; the audit log shows each step."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from community.auth.models import Role, User
from community.circles import services as circles
from community.circles.models import CircleMembership, CircleRole
from community.extensions import db
from community.moderation.models import AuditEntry
from tests import qa_helpers
from tests.factories import PASSWORD


def log_in(page, username):
    page.goto("/auth/login")
    page.fill("#identifier", username)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".me")).to_be_visible()


def test_flag_personal_information_edit_and_restore(browser, live_server, app, make_user):
    admin = make_user(username="boss", role=Role.ADMIN)
    asker = make_user(username="asker")
    answerer = make_user(username="answerer")
    make_user(username="flagger", email="flagger@town.example.lg.jp")  # verified staff
    make_user(username="reader")
    mod = make_user(username="modera")
    with app.app_context():
        circle = circles.save_circle(
            db.session.get(User, admin.id),
            None,
            {"slug": "bridges", "name_ja": "橋梁点検", "name_en": "Bridges", "visibility": "open"},
        )
        db.session.add(CircleMembership(circle=circle, user_id=mod.id, role=CircleRole.MODERATOR))
        db.session.add(CircleMembership(circle=circle, user_id=asker.id))
        q = qa_helpers.ask(asker.id, circle="bridges")
        a = qa_helpers.answer(
            answerer.id, q, body="通報があったのは山田花子さん(本町3丁目)の家の前の橋です。"
        )
        db.session.commit()
        qid, aid = q.id, a.id

    flagger_ctx, reader_ctx, mod_ctx = (browser.new_context(base_url=live_server) for _ in range(3))
    fp, rp, mp = flagger_ctx.new_page(), reader_ctx.new_page(), mod_ctx.new_page()
    try:
        log_in(fp, "flagger")
        fp.goto(f"/questions/{qid}")
        answer = fp.locator(f"#answer-{aid}")
        answer.locator(".flag-box summary").click()
        answer.locator(".flag-box input[value=personal_info]").check()
        answer.locator(".flag-box button").click()
        expect(fp.locator(".flash.success")).to_be_visible()

        log_in(rp, "reader")
        rp.goto(f"/questions/{qid}")
        expect(rp.locator(f"#answer-{aid}")).to_have_count(0)
        expect(rp.locator("main")).not_to_contain_text("山田花子")

        log_in(mp, "modera")
        mp.goto("/moderation/")
        row = mp.locator("tr.urgent")
        expect(row).to_have_count(1)
        row.locator("a.button").click()
        expect(mp).to_have_url(re.compile(rf"/moderation/items/answer/{aid}$"))
        mp.locator("button[name=action][value=claim]").click()
        mp.fill("#reason", "住民の氏名と住所を削除")
        mp.fill("#body", "通報があったのは本町の住宅の前の橋です。")
        mp.locator("button[name=action][value=edit]").click()
        mp.goto(f"/moderation/items/answer/{aid}")
        mp.fill("#reason", "個人情報を削除したため再表示")
        mp.locator("button[name=action][value=restore]").click()

        rp.reload()
        expect(rp.locator(f"#answer-{aid}")).to_contain_text("本町の住宅の前の橋")
        expect(rp.locator("main")).not_to_contain_text("山田花子")

        fp.goto("/moderation/my-flags")
        expect(fp.locator(".flag-outcome .badge.verified")).to_be_visible()

        with app.app_context():
            actions = [
                e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            ]
        assert actions[-4:] == ["auto_hide", "claim", "edit", "restore"]
        ap = mp  # the admin reads the audit log
        ap.context.clear_cookies()
        log_in(ap, "boss")
        ap.goto("/moderation/audit")
        for action in ("auto_hide", "claim", "edit", "restore"):
            expect(ap.locator("table.audit")).to_contain_text(action)
    finally:
        for ctx in (flagger_ctx, reader_ctx, mod_ctx):
            ctx.close()
