"""Notifications and the Socket.IO rooms: who is told, mail now or in a digest, and privacy."""

from sqlalchemy import func, select

from community.auth.models import User
from community.circles import services as circles
from community.circles.models import CircleMembership
from community.extensions import db, socketio
from community.notifications import services as notes
from community.notifications.models import Kind, MailPreference, Notification
from tests import qa_helpers
from tests.conftest import login


def notes_for(app, user_id):
    with app.app_context():
        return [
            (n.kind.value, n.url)
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        ]


def test_answer_comment_accept_and_mention_notify_the_right_people(client, app, make_user, mailbox):
    asker = make_user(username="asker", email="asker@example.com")
    helper = make_user(username="helper")
    bystander = make_user(username="bystander")
    with app.app_context():
        q = qa_helpers.ask(asker.id)
        db.session.commit()
        qid = q.id
    login(client, "helper")
    client.post(
        f"/questions/{qid}/answers",
        data={"body": "@bystander も詳しいです。うちでは点数化しています。"},
    )
    assert [k for k, _u in notes_for(app, asker.id)] == ["answer"]
    assert [k for k, _u in notes_for(app, bystander.id)] == ["mention"]
    assert notes_for(app, helper.id) == [], "nobody is told about their own post"
    assert mailbox.to("asker@example.com"), "answers are mailed at once by default"
    with app.app_context():
        aid = db.session.scalar(select(db.func.max(db.text("id"))).select_from(db.text("answers")))
    client.post("/auth/logout")
    login(client, "asker")
    client.post(
        f"/questions/{qid}/comments", data={"body": "ありがとうございます", "answer_id": aid}
    )
    client.post(f"/questions/{qid}/accept", data={"answer_id": aid})
    assert [k for k, _u in notes_for(app, helper.id)] == ["comment", "accepted"]


def test_bell_list_open_and_mark_all_read(client, app, make_user):
    asker = make_user(username="asker")
    helper = make_user(username="helper")
    with app.app_context():
        q = qa_helpers.ask(asker.id)
        qa_helpers.answer(helper.id, q)
        qa_helpers.answer(helper.id, q, body="もう一つの回答です。")
        db.session.commit()
        first = db.session.scalar(select(Notification.id).where(Notification.user_id == asker.id))
    login(client, "asker")
    page = client.get("/").get_data(as_text=True)
    assert 'data-unread="2"' in page
    response = client.get(f"/notifications/{first}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/questions/")
    assert 'data-unread="1"' in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert 'data-unread="0"' in client.get("/").get_data(as_text=True)
    make_user(username="other")
    client.post("/auth/logout")
    login(client, "other")
    assert client.get(f"/notifications/{first}").status_code == 404


def test_private_circle_content_is_never_notified_to_outsiders(app, make_user):
    admin = make_user(username="boss", role="admin")
    member = make_user(username="insider")
    outsider = make_user(username="outsider")
    with app.app_context():
        circle = circles.save_circle(
            db.session.get(User, admin.id),
            None,
            {"slug": "secret", "name_ja": "秘密", "name_en": "Secret", "visibility": "private"},
        )
        db.session.add(CircleMembership(circle=circle, user_id=member.id, watch="all"))
        db.session.commit()
        q = qa_helpers.ask(
            member.id,
            circle="secret",
            body="@outsider さんにも聞きたいが非公開です。" + qa_helpers.BODY,
        )
        db.session.commit()
        assert (
            db.session.scalar(select(func.count()).where(Notification.user_id == outsider.id)) == 0
        )
        del q


def test_digest_is_sent_once(app, make_user, mailbox):
    asker = make_user(username="asker", email="asker@example.com")
    helper = make_user(username="helper")
    with app.app_context():
        notes.set_preference(db.session.get(User, asker.id), Kind.ANSWER, MailPreference.DIGEST)
        q = qa_helpers.ask(asker.id)
        qa_helpers.answer(helper.id, q)
        db.session.commit()
    mailbox.clear()
    runner = app.test_cli_runner()
    assert "digests sent: 1" in runner.invoke(args=["notifications", "send-digest"]).output
    assert "digests sent: 0" in runner.invoke(args=["notifications", "send-digest"]).output
    assert len(mailbox.to("asker@example.com")) == 1


def test_socket_requires_login_and_refuses_private_rooms(app, make_user):
    admin = make_user(username="boss", role="admin")
    member = make_user(username="insider")
    make_user(username="outsider")
    with app.app_context():
        circles.save_circle(
            db.session.get(User, admin.id),
            None,
            {"slug": "secret", "name_ja": "秘密", "name_en": "Secret", "visibility": "private"},
        )
        db.session.add(CircleMembership(circle_id=1, user_id=member.id))
        db.session.commit()
        qid = qa_helpers.ask(member.id, circle="secret").id
        db.session.commit()
    anonymous = socketio.test_client(app, flask_test_client=app.test_client())
    assert not anonymous.is_connected()

    outsider_http = app.test_client()
    login(outsider_http, "outsider")
    outsider = socketio.test_client(app, flask_test_client=outsider_http)
    assert outsider.is_connected()
    assert outsider.emit("watch_question", {"question_id": qid}, callback=True) == {"ok": False}

    member_http = app.test_client()
    login(member_http, "insider")
    insider = socketio.test_client(app, flask_test_client=member_http)
    assert insider.emit("watch_question", {"question_id": qid}, callback=True) == {"ok": True}

    # A new answer reaches the member's socket and not the outsider's.
    member_http.post(
        f"/questions/{qid}/answers", data={"body": "社内で共有された資料を見てください。"}
    )
    received = insider.get_received()
    assert any(e["name"] == "answer_posted" for e in received)
    assert not any(e["name"] == "answer_posted" for e in outsider.get_received())
    # The fragment the page would fetch is refused to the outsider too.
    with app.app_context():
        aid = db.session.scalar(select(func.max(db.text("id"))).select_from(db.text("answers")))
    assert outsider_http.get(f"/questions/{qid}/answers/{aid}/fragment").status_code == 404
    assert member_http.get(f"/questions/{qid}/answers/{aid}/fragment").status_code == 200


def test_bell_count_is_pushed_to_the_user_room(app, make_user):
    asker = make_user(username="asker")
    make_user(username="helper")
    with app.app_context():
        qid = qa_helpers.ask(asker.id).id
        db.session.commit()
    asker_http = app.test_client()
    login(asker_http, "asker")
    sock = socketio.test_client(app, flask_test_client=asker_http)
    helper_http = app.test_client()
    login(helper_http, "helper")
    helper_http.post(f"/questions/{qid}/answers", data={"body": "こういう方法もあります。"})
    unread = [e for e in sock.get_received() if e["name"] == "unread"]
    assert unread and unread[-1]["args"][0] == {"unread": 1}
