"""A private question's title stays with those who may see it, wherever another page or a
mail would show it; moving a question does not tell whether a private circle exists; mail
headers stay one line whatever a title or a name holds; edits are rate-limited and their
history comes a page at a time."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.circles.models import CircleMembership
from community.extensions import db
from community.moderation import services as mod
from community.moderation.models import AuditEntry
from community.notifications import services as notes
from community.notifications.models import Kind, MailPreference, Notification
from community.questions import services as qa
from community.questions.models import Answer, CloseReason, Question, Revision
from tests import qa_helpers
from tests.conftest import login
from tests.test_moderation import _user, client_as, new_circle

SECRET = "極秘の下水道更生工法の入札予定価格について"
OPEN_TITLE = "判定区分Ⅲの橋の優先順位の付け方"
ANSWER = "うちでは健全度と交通量で点数化して優先順位を決めています。"


def _ask_open(title: str) -> Question:
    return qa_helpers.ask(_user("opener").id, title=title, circle="open-c")


def _strip_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token?"? [^>]*>|name="csrf-token" content="[^"]*"', "", html)


@pytest.fixture
def world(app, make_user):
    """boss (admin); `open-c` (open) moderated by modo, with opener; `priv-c` (private) with
    insider, member2 and modo as members. P: a private question by insider (answered by
    member2); A: a question by opener in open-c, closed by modo as a duplicate of P."""
    make_user(username="boss", role=Role.ADMIN)
    for name in ("modo", "opener", "insider", "member2", "outsider"):
        make_user(username=name, email=f"{name}@example.com", fields=["bridge"])
    with app.app_context():
        open_c = new_circle("open-c", "open", moderators=["modo"], members=["opener"])
        priv_c = new_circle("priv-c", "private", members=["insider", "member2", "modo"])
        p = qa_helpers.ask(_user("insider").id, title=SECRET, circle="priv-c", field="bridge")
        qa.answer(_user("member2"), p, ANSWER)
        a = qa_helpers.ask(_user("opener").id, title=OPEN_TITLE, circle="open-c")
        qa.close(_user("modo"), a, CloseReason.DUPLICATE, p.id)
        db.session.commit()
        return SimpleNamespace(open_c=open_c, priv_c=priv_c, p=p.id, a=a.id)


# --- the duplicate banner ---------------------------------------------------------------------


@pytest.mark.parametrize("viewer", [None, "outsider", "opener"])
def test_duplicate_banner_hides_a_private_original_from_those_outside(app, world, viewer):
    html = client_as(app, viewer).get(f"/questions/{world.a}").get_data(as_text=True)
    assert OPEN_TITLE in html
    assert SECRET not in html
    assert f'href="/questions/{world.p}"' not in html
    assert "この質問への回答は次の質問にあります" not in html


@pytest.mark.parametrize("viewer", ["modo", "insider", "boss"])
def test_duplicate_banner_links_the_original_for_those_who_see_it(app, world, viewer):
    html = client_as(app, viewer).get(f"/questions/{world.a}").get_data(as_text=True)
    assert SECRET in html
    assert f'href="/questions/{world.p}"' in html


def test_duplicate_banner_hides_an_original_hidden_by_moderators(app, world, make_user):
    with app.app_context():
        b = qa_helpers.ask(
            _user("opener").id, title="公開の質問で後から非表示になるもの", circle="open-c"
        )
        c = qa_helpers.ask(
            _user("opener").id, title="こちらは重複として閉じられる質問", circle="open-c"
        )
        qa.close(_user("modo"), c, CloseReason.DUPLICATE, b.id)
        db.session.commit()
        mod.set_hidden(_user("modo"), "question", b.id, True, "個人名")
        db.session.commit()
        b_id, c_id = b.id, c.id
    html = client_as(app, "outsider").get(f"/questions/{c_id}").get_data(as_text=True)
    assert "後から非表示" not in html and f'href="/questions/{b_id}"' not in html
    moderator = client_as(app, "modo").get(f"/questions/{c_id}").get_data(as_text=True)
    assert f'href="/questions/{b_id}"' in moderator


# --- notifications ----------------------------------------------------------------------------


def _comment_to_member2(app, world) -> None:
    """insider comments on member2's answer: member2 is told, with P's title in the text."""
    with app.app_context():
        p = db.session.get(Question, world.p)
        answer = db.session.scalar(select(Answer).where(Answer.question_id == world.p))
        qa.comment(_user("insider"), p, "ありがとうございます。参考にします。", answer)
        db.session.commit()


def _remove_member2(app, world) -> None:
    with app.app_context():
        m = db.session.scalar(
            select(CircleMembership).where(
                CircleMembership.circle_id == world.priv_c,
                CircleMembership.user_id == _user("member2").id,
            )
        )
        mod.remove_from_circle(_user("boss"), m.circle, m.id, ban=False, reason="異動のため")
        db.session.commit()


def _member2_notifications(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.id).where(Notification.user_id == _user("member2").id)
            )
        )


def test_a_removed_member_no_longer_sees_the_circles_titles_in_notifications(app, world):
    _comment_to_member2(app, world)
    member2 = client_as(app, "member2")
    assert SECRET in member2.get("/notifications/").get_data(as_text=True)
    ids = _member2_notifications(app)
    assert ids
    _remove_member2(app, world)
    page = member2.get("/notifications/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and SECRET not in html
    assert 'data-unread="0"' in html, "the bell does not count what cannot be shown"
    for nid in ids:
        assert member2.get(f"/notifications/{nid}").status_code == 404
    with app.app_context():
        assert notes.count_for(_user("member2").id) == 0


def test_the_digest_leaves_out_titles_the_recipient_can_no_longer_see(app, world, mailbox):
    _comment_to_member2(app, world)  # comments go to the daily digest by default
    with app.app_context():
        # Something member2 may still see, so that a digest is due at all.
        q = qa_helpers.ask(
            _user("opener").id, title="公開の質問への回答が届きます", circle="open-c"
        )
        qa.follow(_user("member2"), q)
        notes.set_preference(_user("member2"), Kind.ANSWER, MailPreference.DIGEST)
        qa.answer(_user("modo"), q, ANSWER)
        db.session.commit()
    _remove_member2(app, world)
    mailbox.clear()
    with app.app_context():
        assert notes.send_digest() == 1
        db.session.commit()
    body = mailbox.body(mailbox.last_to("member2@example.com"))
    assert "公開の質問への回答が届きます" in body
    assert SECRET not in body


def test_no_digest_when_every_item_became_invisible(app, world, mailbox):
    _comment_to_member2(app, world)
    _remove_member2(app, world)
    mailbox.clear()
    with app.app_context():
        notes.send_digest()
        db.session.commit()
    assert mailbox.to("member2@example.com") == []


def test_moving_a_question_into_a_private_circle_hides_it_from_old_notifications(app, world):
    with app.app_context():
        q = qa_helpers.ask(
            _user("opener").id, title="この質問は後で非公開の輪へ移されます", circle="open-c"
        )
        qa.follow(_user("outsider"), q)
        qa.answer(_user("modo"), q, ANSWER)
        db.session.commit()
        qid = q.id
    outsider = client_as(app, "outsider")
    assert "非公開の輪へ移されます" in outsider.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        mod.move_question(_user("boss"), db.session.get(Question, qid), "priv-c", "内部の話題")
        db.session.commit()
    assert "非公開の輪へ移されます" not in outsider.get("/notifications/").get_data(as_text=True)


def test_authors_keep_notifications_about_their_own_hidden_question(app, world):
    with app.app_context():
        q = qa_helpers.ask(
            _user("opener").id, title="自分の質問が後で非表示になります", circle="open-c"
        )
        qa.answer(_user("modo"), q, ANSWER)
        db.session.commit()
        mod.set_hidden(_user("modo"), "question", q.id, True, "確認中")
        db.session.commit()
    assert "後で非表示になります" in client_as(app, "opener").get("/notifications/").get_data(
        as_text=True
    )


# --- other pages that name a question -----------------------------------------------------------


def test_case_page_and_search_and_similar_leave_out_the_private_question(app, world):
    with app.app_context():
        case = casebook.save_case(
            _user("boss"),
            None,
            casebook.CaseInput(
                slug="gesui-case",
                title="下水道更生工法の事例",
                direction="outside",
                status="published",
            ),
        )
        casebook.link_question(_user("insider"), db.session.get(Question, world.p), case)
        db.session.commit()
    for viewer in (None, "outsider"):
        c = client_as(app, viewer)
        assert SECRET not in c.get("/cases/gesui-case").get_data(as_text=True)
        assert SECRET not in c.get("/search?q=" + quote("入札予定価格")).get_data(as_text=True)
        similar = c.get("/api/questions/similar?title=" + quote(SECRET)).get_json()
        assert world.p not in [q["id"] for q in similar["questions"]]
    insider = client_as(app, "insider")
    assert SECRET in insider.get("/cases/gesui-case").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/questions/{p}", "/questions/{p}/history"])
def test_the_private_question_itself_is_404_for_outsiders(app, world, path):
    for viewer in (None, "outsider"):
        response = client_as(app, viewer).get(path.format(p=world.p))
        assert response.status_code == 404
        assert SECRET not in response.get_data(as_text=True)


# --- moving a question: no existence oracle ---------------------------------------------------


def test_moving_to_a_hidden_private_circle_answers_as_a_missing_one(app, world):
    modo = client_as(app, "modo")
    with app.app_context():
        new_circle("secret-c", "private", members=["insider"])
        db.session.commit()
    private = modo.post(f"/questions/{world.a}/move", data={"circle": "secret-c", "reason": "x"})
    missing = modo.post(f"/questions/{world.a}/move", data={"circle": "no-such", "reason": "x"})
    assert private.status_code == missing.status_code == 404
    assert _strip_tokens(private.get_data(as_text=True)) == _strip_tokens(
        missing.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(Question, world.a).circle_id == world.open_c
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_visible_circle_the_mover_does_not_moderate_is_403(app, world):
    with app.app_context():
        new_circle("other-c", "open")
        db.session.commit()
    response = client_as(app, "modo").post(
        f"/questions/{world.a}/move", data={"circle": "other-c", "reason": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["priv-c", "no-such", "open-c"])
def test_non_moderators_learn_nothing_about_the_target(app, world, target):
    """The question's own circle is checked first: every target answers the same 403."""
    response = client_as(app, "opener").post(
        f"/questions/{world.a}/move", data={"circle": target, "reason": "x"}
    )
    assert response.status_code == 403


# --- line breaks in titles and names never reach a mail header ----------------------------------

BREAKS = {"LF": "\n", "CR": "\r", "VT": "\x0b", "FF": "\x0c", "NEL": "\x85", "LS": "\u2028"}


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
def test_header_value_is_one_line_whatever_the_text(app, brk):
    from community.mail import build_message

    with app.test_request_context():
        msg = build_message(
            f"a{brk}@example.com",
            f"件名{brk}Bcc: x@example.com",
            "reset",
            user=SimpleNamespace(display_name="x"),
            url="http://x",
        )
    assert msg["Subject"] == "件名 Bcc: x@example.com"
    assert msg["To"].endswith("@example.com") and not set(msg["To"]) & set(BREAKS.values())
    headers = msg.as_string().split("\n\n", 1)[0]
    assert not any(line.startswith("Bcc") for line in headers.splitlines())


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
def test_answering_a_question_whose_title_holds_a_line_break(app, make_user, mailbox, brk):
    asker = make_user(username="asker", email="asker@example.com")
    make_user(username="helper", display_name=f"山田{brk}太郎")
    with app.app_context():
        q = qa_helpers.ask(asker.id, title=f"橋梁点検の{brk}判定区分について")
        db.session.commit()
        qid = q.id
    mailbox.clear()
    helper = client_as(app, "helper")
    response = helper.post(f"/questions/{qid}/answers", data={"body": ANSWER})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Answer.question_id == qid)) == 1
    subject = mailbox.last_to("asker@example.com")["Subject"]
    assert "山田 太郎" in subject and "橋梁点検の 判定区分について" in subject
    assert not set(subject) & set(BREAKS.values())


# --- edits: rate-limited, and their history a page at a time ------------------------------------


@pytest.fixture
def limited(app, db_url):
    from community import create_app
    from community.config import TestConfig
    from community.extensions import limiter

    limited = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=db_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_EDIT="3 per minute",
    )
    yield limited
    limiter.reset()
    limiter.enabled = False


def test_editing_a_question_is_rate_limited(app, limited, make_user):
    asker = make_user(username="asker")
    with app.app_context():
        qid = qa_helpers.ask(asker.id).id
        db.session.commit()
    client = limited.test_client()
    login(client, "asker")
    codes = [
        client.post(
            f"/questions/{qid}/edit",
            data={"title": f"{OPEN_TITLE} 版{i}", "body": qa_helpers.BODY + str(i)},
        ).status_code
        for i in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    assert client.get(f"/questions/{qid}/edit").status_code == 200, "reading is not limited"
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Revision.question_id == qid)) == 4


def test_editing_an_answer_is_rate_limited(app, limited, make_user):
    asker = make_user(username="asker")
    helper = make_user(username="helper")
    with app.app_context():
        q = qa_helpers.ask(asker.id)
        aid = qa_helpers.answer(helper.id, q).id
        db.session.commit()
    client = limited.test_client()
    login(client, "helper")
    codes = [
        client.post(f"/answers/{aid}/edit", data={"body": f"{ANSWER} 追記{i}"}).status_code
        for i in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def _edited(app, asker_id: int, edits: int, size: int = 200) -> int:
    with app.app_context():
        user = db.session.get(User, asker_id)
        q = qa_helpers.ask(asker_id)
        for n in range(2, edits + 2):
            body = f"版{n:03d}の本文\n" + ("橋梁の点検記録。\n" * (size // 9))
            qa.edit_question(user, q, {"title": f"{OPEN_TITLE} 第{n:03d}版", "body": body})
        db.session.commit()
        return q.id


def _versions(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<section class="card revision">\s*<h2>第(\d+)版', html)]


def test_history_is_paginated_newest_first(app, make_user):
    asker = make_user(username="asker")
    qid = _edited(app, asker.id, 30)
    client = client_as(app, None)
    first = client.get(f"/questions/{qid}/history").get_data(as_text=True)
    assert _versions(first) == list(range(31, 21, -1))
    assert f"/questions/{qid}/history?page=2" in first
    # The oldest version on a page is compared with the one just before it (on the next page).
    assert "第022版" in first and "- # " in first and "第021版" in first
    last = client.get(f"/questions/{qid}/history?page=4").get_data(as_text=True)
    assert _versions(last) == [1]
    assert client.get(f"/questions/{qid}/history?page=99").status_code == 200


def test_history_pages_take_a_fixed_number_of_queries(app, make_user, count_queries):
    asker = make_user(username="asker")
    short, long_ = _edited(app, asker.id, 3), _edited(app, asker.id, 40)
    client = client_as(app, None)
    client.get(f"/questions/{short}/history")  # warm caches (reference data, templates)
    with count_queries() as few:
        client.get(f"/questions/{short}/history")
    with count_queries() as many:
        client.get(f"/questions/{long_}/history?page=2")
    assert many.count <= few.count + 1  # + the version just older than the page


def test_a_long_history_of_long_posts_stays_a_small_page(app, make_user):
    asker = make_user(username="asker")
    qid = _edited(app, asker.id, 30, size=19_000)
    response = client_as(app, None).get(f"/questions/{qid}/history")
    assert response.status_code == 200
    assert len(response.data) < 1_500_000


def test_answer_history_is_paginated_too(app, make_user):
    asker = make_user(username="asker")
    helper = make_user(username="helper")
    with app.app_context():
        q = qa_helpers.ask(asker.id)
        a = qa_helpers.answer(helper.id, q)
        for n in range(12):
            qa.edit_answer(db.session.get(User, helper.id), a, f"{ANSWER} 追記{n:02d}")
        db.session.commit()
        aid = a.id
    html = client_as(app, None).get(f"/answers/{aid}/history").get_data(as_text=True)
    assert _versions(html) == list(range(13, 3, -1))
    assert f"/answers/{aid}/history?page=2" in html


def test_a_one_line_edit_of_a_long_repetitive_post_shows_as_one_line(app, make_user):
    asker = make_user(username="asker")
    qid = _edited(app, asker.id, 2, size=3_000)  # some 330 identical lines after the first
    html = client_as(app, None).get(f"/questions/{qid}/history").get_data(as_text=True)
    newest = html.split('<section class="card revision">')[1]
    assert newest.count('<span class="del">') == 2  # the title and the first line
    assert newest.count('<span class="add">') == 2
