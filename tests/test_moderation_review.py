"""Moderation as moderators and authors live it: edit-and-restore with a redacted audit trail,
answer counts without hidden answers, who gets held and why, notices of new flags and the queue
count, pages in Japanese, and a suspended member's forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.mailqueue.models import OutgoingMail
from community.moderation import services as mod
from community.moderation.models import AuditEntry, Flag, FlagStatus
from community.notifications import services as notes
from community.notifications.models import Kind, MailPreference, Notification
from community.questions import services as qa
from community.questions.models import Answer, Question, QuestionStatus, Revision
from tests import test_moderation as base
from tests.test_moderation import _user, client_as, flag_as

# The accounts, circles and posts of the moderation tests (fixtures shared by assignment).
site = base.site
trust_days = base.trust_days

RESIDENT = "山田花子"
PI_BODY = f"通報があったのは{RESIDENT}さん(本町3丁目)の家の前の橋です。点検をお願いします。"
REDACTED = "通報があったのは本町の住宅の前の橋です。点検をお願いします。"


def _notes(app, username: str) -> list[Notification]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == _user(username).id)
                .order_by(Notification.id)
            )
        )


@pytest.fixture
def pi_answer(app, site):
    """An answer naming a resident, flagged as 個人情報 by verified staff (so hidden at once)."""
    with app.app_context():
        q = db.session.get(Question, site.q)
        aid = qa.answer(_user("flag1"), q, PI_BODY).id
        db.session.commit()
    flag_as(app, "staff", "answer", aid, "personal_info")
    return aid


# --- 1. edit and restore ----------------------------------------------------------------------


def test_edit_and_restore_shows_the_post_resolves_the_flag_and_tells_the_author(
    app, site, pi_answer
):
    with app.app_context():
        assert db.session.get(Answer, pi_answer).hidden_at is not None
    # Hidden by the flag: the author is told at once, before any moderator acts.
    assert "通報を受けたため" in _notes(app, "flag1")[-1].text
    modo = client_as(app, "modo")
    response = modo.post(
        f"/moderation/items/answer/{pi_answer}",
        data={"action": "edit", "reason": "住民の氏名と住所を削除", "body": REDACTED},
    )
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.get(Answer, pi_answer)
        assert answer.hidden_at is None and answer.body_md == REDACTED
        flag = db.session.scalar(select(Flag).where(Flag.target_id == pi_answer))
        assert (flag.status, flag.outcome) == (FlagStatus.RESOLVED, "edit")
    # Everyone sees the corrected answer again; the queue is empty.
    html = client_as(app, "outsider").get(f"/questions/{site.q}").get_data(as_text=True)
    assert f'id="answer-{pi_answer}"' in html and "本町の住宅" in html and RESIDENT not in html
    assert "/moderation/items/answer/" not in modo.get("/moderation/").get_data(as_text=True)
    # The author is told what happened and why; the flagger sees the outcome in words.
    told = _notes(app, "flag1")[-1]
    assert told.kind == Kind.MODERATION and "住民の氏名と住所を削除" in told.text
    assert "編集し、再び表示しました" in told.text and told.url.endswith(f"#answer-{pi_answer}")
    mine = client_as(app, "staff").get("/moderation/my-flags").get_data(as_text=True)
    assert "モデレーターが編集して再表示" in mine and f"回答 #{pi_answer}" in mine


def test_the_edited_out_name_survives_nowhere(app, site, pi_answer):
    client_as(app, "modo").post(
        f"/moderation/items/answer/{pi_answer}",
        data={"action": "edit", "reason": "住民の氏名と住所を削除", "body": REDACTED},
    )
    with app.app_context():
        for e in db.session.scalars(select(AuditEntry)):
            assert RESIDENT not in f"{e.before} {e.after} {e.reason}"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit"))
        assert entry.after == {"body": REDACTED, "hidden": False}
        revisions = db.session.scalars(
            select(Revision.body_md).where(Revision.answer_id == pi_answer)
        )
        assert all(RESIDENT not in body for body in revisions)
    boss = client_as(app, "boss")
    for url in ("/moderation/audit", "/moderation/audit.csv", f"/answers/{pi_answer}/history"):
        response = boss.get(url)
        assert response.status_code == 200 and RESIDENT not in response.get_data(as_text=True)


# --- 2. answer counts, holds and their explanation ---------------------------------------------


def _unanswered_ids(client) -> set[int]:
    html = client.get("/questions/?status=unanswered").get_data(as_text=True)
    return {int(x) for x in re.findall(r'href="/questions/(\d+)"', html)}


def test_hidden_and_held_answers_do_not_count(app, site, make_user, trust_days):
    reader = client_as(app, "outsider")
    with app.app_context():
        q = db.session.get(Question, site.q)
        assert (q.answer_count, q.status) == (1, QuestionStatus.ANSWERED)
    with app.app_context():
        mod.set_hidden(_user("modo"), "answer", site.a, True, "宣伝")
        db.session.commit()
        q = db.session.get(Question, site.q)
        assert (q.answer_count, q.status) == (0, QuestionStatus.OPEN)
    assert site.q in _unanswered_ids(reader)
    # The author of the hidden answer sees it, but the heading counts what others see.
    assert "0件の回答" in client_as(app, "helper").get(f"/questions/{site.q}").get_data(
        as_text=True
    )
    # A new member's held answer does not count either, before or after it is held.
    make_user(username="newbie")
    client_as(app, "newbie").post(
        f"/questions/{site.q}/answers", data={"body": "安い点検はこちら https://spam.example.com/"}
    )
    with app.app_context():
        assert db.session.get(Question, site.q).answer_count == 0
    assert site.q in _unanswered_ids(reader)
    with app.app_context():
        mod.set_hidden(_user("modo"), "answer", site.a, False, "問題なし")
        db.session.commit()
        q = db.session.get(Question, site.q)
        assert (q.answer_count, q.status) == (1, QuestionStatus.ANSWERED)
    assert site.q not in _unanswered_ids(reader)


@pytest.mark.parametrize(
    ("email", "link", "held"),
    [
        ("new@city.example.lg.jp", "https://spam.example.com/offer", False),  # verified staff
        ("new@example.com", "https://www.mlit.go.jp/road/sisaku/yobohozen/", False),
        ("new@example.com", "https://www.pref.example.lg.jp/kensetsu/）を参照", False),
        ("new@example.com", "https://go.jp.spam.example/offer", True),
        ("new@example.com", "https://spam.example/go.jp", True),
    ],
)
def test_who_and_which_links_are_held(app, site, make_user, trust_days, email, link, held):
    make_user(username="newbie", email=email)
    body = f"参考になる資料です。{link} をご覧ください。"
    client = client_as(app, "newbie")
    response = client.post(f"/questions/{site.q}/answers", data={"body": body})
    assert response.status_code == 302
    with app.app_context():
        post = db.session.scalar(select(Answer).where(Answer.body_md == body))
        assert (post.hidden_reason == "held") is held
    if held:
        # The author is told at once and on the page why others do not see it yet.
        page = client.get(f"/questions/{site.q}").get_data(as_text=True)
        assert "外部リンクを含むため" in page  # the flash
        assert "この投稿はモデレーターの確認待ちです" in page


# --- 3. moderators hear of flags; the header counts the queue ------------------------------------


def test_each_new_flag_notifies_the_moderators_as_they_chose(app, site):
    with app.app_context():
        notes.set_preference(_user("modo"), Kind.MODERATION, MailPreference.IMMEDIATELY)
        db.session.commit()
    flag_as(app, "flag1", "answer", site.a, "spam")
    for name in ("modo", "boss"):
        (n,) = _notes(app, name)
        assert "新しい通報（スパム）" in n.text and n.url == f"/moderation/items/answer/{site.a}"
    assert _notes(app, "modb") == [] and _notes(app, "outsider") == []
    with app.app_context():
        mailed = set(db.session.scalars(select(OutgoingMail.recipient)))
        assert _user("modo").email in mailed and _user("boss").email not in mailed  # digest


def test_the_header_shows_the_open_queue_count_in_one_query(app, site, count_queries):
    flag_as(app, "flag1", "answer", site.a, "spam")
    flag_as(app, "flag2", "answer", site.a, "spam")
    flag_as(app, "flag1", "question", site.q, "off_topic")
    badge = re.compile(r'class="queue-count"[^>]*>.*?(\d+)</span>', re.S)
    modo = client_as(app, "modo")
    modo.get("/questions/")
    with count_queries() as q:
        html = modo.get("/questions/").get_data(as_text=True)
    assert badge.search(html).group(1) == "2"  # two items, whatever the number of flags
    assert sum("flags" in s and "UNION" in s.upper() for s in q.statements) == 1
    assert badge.search(client_as(app, "modb").get("/").get_data(as_text=True)) is None
    assert 'class="queue-count"' not in client_as(app, "flag1").get("/").get_data(as_text=True)


def test_on_a_personal_information_flag_hiding_is_the_first_choice(app, site, pi_answer):
    html = (
        client_as(app, "modo").get(f"/moderation/items/answer/{pi_answer}").get_data(as_text=True)
    )
    primary = re.findall(r'class="button primary" name="action" value="(\w+)"', html)
    assert primary == ["hide"]
    flag_as(app, "flag2", "question", site.q, "spam")
    html = client_as(app, "modo").get(f"/moderation/items/question/{site.q}").get_data(as_text=True)
    assert re.findall(r'class="button primary" name="action" value="(\w+)"', html) == ["dismiss"]


# --- 4 and 5. the queue and the audit log in Japanese ------------------------------------------


def test_queue_and_item_pages_read_in_japanese(app, site, pi_answer):
    modo = client_as(app, "modo")
    html = modo.get("/moderation/").get_data(as_text=True)
    assert '<span class="badge kind">回答</span>' in html and ">answer<" not in html
    assert "判定区分Ⅲの橋の優先順位の付け方" in html  # the question the answer belongs to
    item = modo.get(f"/moderation/items/answer/{pi_answer}").get_data(as_text=True)
    assert "<h1>回答の確認：判定区分Ⅲの橋の優先順位の付け方</h1>" in item
    assert "未対応" in item and "answer #" not in item and ">open<" not in item


def test_the_audit_log_reads_in_japanese(app, site, pi_answer):
    client_as(app, "modo").post(f"/moderation/items/answer/{pi_answer}", data={"action": "claim"})
    with app.app_context():
        mod.suspend(_user("boss"), _user("outsider"), 3, "度重なる宣伝")
        db.session.commit()
        until = _user("outsider").suspended_until
    html = client_as(app, "boss").get("/moderation/audit").get_data(as_text=True)
    table = html[html.index('<table class="table audit"') :]
    for words in ("自動非表示", "担当", "利用停止", "認証済み職員による個人情報の通報"):
        assert words in table, words
    assert "auto_hide" not in re.sub(r'data-action="\w+"|action-\w+', "", table)
    assert "{'" not in table and "user #" not in table
    # The actor by name, linked to the profile; times in Japan time, both when and until.
    assert re.search(r'<a href="/people/modo">[^<]+</a>', table)
    jst = (until + timedelta(hours=9)).strftime("%Y/%m/%d %H:%M")
    assert jst in table and "+00:00" not in re.sub(r'datetime="[^"]+"', "", table)
    assert "判定区分Ⅲの橋の優先順位の付け方" in table  # what the answer belongs to
    # Filters are choices in words.
    assert '<select name="action">' in html and '<option value="auto_hide"' in html
    assert ">自動非表示</option>" in html and '<option value="modo"' in html


def test_the_audit_page_runs_a_fixed_number_of_queries(app, site, count_queries):
    boss = client_as(app, "boss")
    counts = []
    for _round in range(2):
        with app.app_context():
            for target in ("question", "answer", "comment"):
                mod.audit(
                    _user("modo"),
                    "claim",
                    target,
                    {"question": site.q, "answer": site.a}.get(target, site.c),
                )
            mod.audit(_user("boss"), "warn", "user", _user("asker").id, circle_id=site.bridges)
            db.session.commit()
        boss.get("/moderation/audit")
        with count_queries() as q:
            assert boss.get("/moderation/audit").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_a_held_post_is_announced_to_the_moderators(app, site, make_user, trust_days):
    make_user(username="newbie")
    client_as(app, "newbie").post(
        f"/questions/{site.q}/answers", data={"body": "安い点検はこちら https://spam.example.com/"}
    )
    (n,) = _notes(app, "modo")
    assert "確認待ちの投稿があります" in n.text and n.url.startswith("/moderation/items/answer/")
    assert _notes(app, "modb") == []


# --- 6. a suspended member --------------------------------------------------------------------


@pytest.fixture
def suspended(app, site):
    with app.app_context():
        mod.suspend(_user("boss"), _user("asker"), 7, "度重なる宣伝")
        db.session.commit()
    return client_as(app, "asker")


def test_a_suspended_member_gets_a_notice_not_the_forms(app, site, suspended):
    ask = suspended.get("/questions/ask").get_data(as_text=True)
    assert "利用停止中です" in ask and 'name="title"' not in ask and "度重なる宣伝" in ask
    page = suspended.get(f"/questions/{site.q}").get_data(as_text=True)
    assert "利用停止中です" in page and 'id="answer-form"' not in page
    assert "add-comment" not in page


def test_a_refused_post_keeps_the_typed_text(app, site, suspended):
    title, body = "橋梁の長寿命化計画の見直し時期について", "見直しの周期は何年にしていますか。" * 3
    response = suspended.post(
        "/questions/ask", data={"title": title, "body": body, "circle": "", "stage": ""}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "利用停止" in html and title in html and body in html
    answer = "うちでは五年ごとに見直しています。"
    response = suspended.post(f"/questions/{site.q}/answers", data={"body": answer})
    assert response.status_code == 403 and answer in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 1
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_a_banned_members_refused_answer_keeps_its_text(app, site):
    from community.circles.models import CircleMembership

    with app.app_context():
        m = db.session.scalar(
            select(CircleMembership).where(CircleMembership.user_id == _user("helper").id)
        )
        mod.remove_from_circle(_user("modo"), m.circle, m.id, True, "荒らし")
        db.session.commit()
    answer = "うちでは交通量と健全度で優先順位を決めています。"
    response = client_as(app, "helper").post(f"/questions/{site.q}/answers", data={"body": answer})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and answer in html and "kept-text" in html
