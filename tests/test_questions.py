"""Asking, answering, commenting, voting, accepting, editing, deleting and closing."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from community.auth.models import Role, User
from community.extensions import db
from community.questions import services as qa
from community.questions.models import (
    Answer,
    AnswerVote,
    Comment,
    Question,
    QuestionFollow,
    QuestionStatus,
    Revision,
    Tag,
)
from tests import qa_helpers
from tests.conftest import login

GOOD = {
    "title": "包括的民間委託の仕様書はどう書けばよいですか",
    "body": "人口8千人の町で、道路と橋梁の維持管理を包括的民間委託にしたいと考えています。",
    "circle": "",
    "field": "bridge",
    "topics": ["outsourcing", "procurement"],
    "tags": "仕様書, ＮＥＴＩＳ netis #NETIS",
    "stage": "3",
}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def people(make_user):
    return {
        "asker": make_user(username="asker", fields=["bridge"]),
        "helper": make_user(username="helper"),
        "third": make_user(username="third"),
    }


def test_ask_in_the_open_square(client, app, people):
    login(client, "asker")
    assert client.get("/questions/ask").status_code == 200
    response = client.post("/questions/ask", data=GOOD)
    assert response.status_code == 302
    with app.app_context():
        q = db.session.scalar(select(Question))
        assert response.headers["Location"] == f"/questions/{q.id}"
        assert q.circle_id is None and q.stage == 3 and q.status == QuestionStatus.OPEN
        assert [t.code for t in q.topics] == ["outsourcing", "procurement"]
        assert sorted(t.name for t in q.tags) == ["netis", "仕様書"], (
            "NFKC, lower case, de-duplicated"
        )
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 1
        follows = db.session.scalars(select(QuestionFollow.user_id)).all()
        assert follows == [people["asker"].id], "askers follow their question"
    page = client.get(f"/questions/{q.id}").get_data(as_text=True)
    assert GOOD["title"] in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "短い"}, "title"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": ""}, "body"),
        ({"circle": "no-such-circle"}, "circle"),
        ({"tags": "a b c d e f"}, "tags"),
        ({"tags": "x" * 31}, "tags"),
        ({"topics": ["outsourcing", "procurement", "budget", "gis"]}, "topics"),
        ({"topics": ["nonsense"]}, "topics"),
        ({"field": "nonsense"}, "field"),
        ({"stage": "7"}, "stage"),
    ],
)
def test_bad_question_input_is_422_and_writes_nothing(client, app, people, changes, field):
    login(client, "asker")
    response = client.post("/questions/ask", data={**GOOD, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html or 'aria-invalid="true"' in html
    assert count(app, Question) == 0 and count(app, Tag) == 0 and count(app, Revision) == 0


def test_unconfirmed_user_cannot_ask_or_answer(client, app, make_user, people):
    make_user(username="fresh", confirmed=False)
    with app.app_context():
        q = qa_helpers.ask(people["asker"].id)
        db.session.commit()
        qid = q.id
    login(client, "fresh")
    assert client.post("/questions/ask", data=GOOD).status_code == 403
    assert (
        client.post(
            f"/questions/{qid}/answers", data={"body": "an answer that is long"}
        ).status_code
        == 403
    )
    assert count(app, Question) == 1 and count(app, Answer) == 0


def test_answer_accept_and_status_flow(client, app, people):
    with app.app_context():
        qid = qa_helpers.ask(people["asker"].id).id
        db.session.commit()
    login(client, "helper")
    r = client.post(
        f"/questions/{qid}/answers", data={"body": "うちでは **健全度** で点数化しています。"}
    )
    assert r.status_code == 302 and "#answer-" in r.headers["Location"]
    with app.app_context():
        q = db.session.get(Question, qid)
        a = db.session.scalar(select(Answer))
        assert q.status == QuestionStatus.ANSWERED and q.answer_count == 1
        assert "<strong>健全度</strong>" in a.body_html
        assert set(db.session.scalars(select(QuestionFollow.user_id))) == {
            people["asker"].id,
            people["helper"].id,
        }
        aid = a.id
    # Only the asker accepts.
    assert client.post(f"/questions/{qid}/accept", data={"answer_id": aid}).status_code == 403
    client.post("/auth/logout")
    login(client, "asker")
    assert client.post(f"/questions/{qid}/accept", data={"answer_id": aid}).status_code == 302
    with app.app_context():
        q = db.session.get(Question, qid)
        assert q.status == QuestionStatus.RESOLVED and q.accepted_answer_id == aid
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert f'class="post answer accepted" id="answer-{aid}"' in page
    # Withdraw, then accept another answer instead.
    client.post(f"/questions/{qid}/accept", data={})
    with app.app_context():
        assert db.session.get(Question, qid).status == QuestionStatus.ANSWERED
        second = qa_helpers.answer(people["third"].id, db.session.get(Question, qid))
        db.session.commit()
        second_id = second.id
    client.post(f"/questions/{qid}/accept", data={"answer_id": second_id})
    with app.app_context():
        assert db.session.get(Question, qid).accepted_answer_id == second_id


def test_cannot_accept_an_answer_from_another_question(client, app, people):
    with app.app_context():
        q1 = qa_helpers.ask(people["asker"].id)
        q2 = qa_helpers.ask(people["third"].id, title="別の質問のタイトルです、よろしく")
        a2 = qa_helpers.answer(people["helper"].id, q2)
        db.session.commit()
        q1_id, a2_id = q1.id, a2.id
    login(client, "asker")
    assert client.post(f"/questions/{q1_id}/accept", data={"answer_id": a2_id}).status_code == 404
    with app.app_context():
        assert db.session.get(Question, q1_id).accepted_answer_id is None


def test_votes(client, app, people):
    with app.app_context():
        q = qa_helpers.ask(people["asker"].id)
        a = qa_helpers.answer(people["helper"].id, q)
        db.session.commit()
        qid, aid = q.id, a.id
    login(client, "helper")
    assert client.post(f"/answers/{aid}/vote", data={"value": "1"}).status_code == 403, (
        "not on your own"
    )
    assert client.post(f"/questions/{qid}/vote", data={"value": "1"}).status_code == 302
    assert client.post(f"/questions/{qid}/vote", data={"value": "5"}).status_code == 400
    client.post("/auth/logout")
    login(client, "third")
    headers = {"Accept": "application/json"}

    def vote(state):
        return client.post(f"/answers/{aid}/vote", data={"value": state}, headers=headers)

    assert vote("up").get_json() == {"score": 1, "vote": "up"}
    # A vote names the state it wants: the same state again is no change (a double click or a
    # second tab does not withdraw it); "none" withdraws; the opposite state replaces it.
    assert vote("up").get_json() == {"score": 1, "vote": "up"}
    assert vote("none").get_json() == {"score": 0, "vote": "none"}
    assert vote("none").get_json() == {"score": 0, "vote": "none"}
    assert vote("down").get_json() == {"score": -1, "vote": "down"}
    assert vote("1").get_json() == {"score": 1, "vote": "up"}
    assert vote("toggle").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerVote)) == 1
        assert db.session.get(Question, qid).score == 1


def test_comments_on_question_and_answer(client, app, people):
    with app.app_context():
        q = qa_helpers.ask(people["asker"].id)
        a = qa_helpers.answer(people["helper"].id, q)
        db.session.commit()
        qid, aid = q.id, a.id
    login(client, "third")
    assert client.post(f"/questions/{qid}/comments", data={"body": "橋長は？"}).status_code == 302
    assert (
        client.post(
            f"/questions/{qid}/comments", data={"body": "参考になります", "answer_id": aid}
        ).status_code
        == 302
    )
    assert client.post(f"/questions/{qid}/comments", data={"body": "x"}).status_code == 422
    assert client.post(f"/questions/{qid}/comments", data={"body": "x" * 601}).status_code == 422
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        assert [(c.question_id, c.answer_id, c.thread_id) for c in rows] == [
            (qid, None, qid),
            (None, aid, qid),
        ]
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert "橋長は？" in page and "参考になります" in page


def test_comment_on_answer_of_another_question_is_refused(client, app, people):
    with app.app_context():
        q1 = qa_helpers.ask(people["asker"].id)
        q2 = qa_helpers.ask(people["asker"].id, title="もう一つの質問のタイトルです")
        a2 = qa_helpers.answer(people["helper"].id, q2)
        db.session.commit()
        q1_id, a2_id = q1.id, a2.id
    login(client, "third")
    assert (
        client.post(
            f"/questions/{q1_id}/comments", data={"body": "hello there", "answer_id": a2_id}
        ).status_code
        == 404
    )
    assert count(app, Comment) == 0


def test_edit_keeps_revisions_and_history_shows_diff(client, app, people):
    with app.app_context():
        qid = qa_helpers.ask(people["asker"].id).id
        db.session.commit()
    login(client, "third")
    assert client.get(f"/questions/{qid}/edit").status_code == 403
    assert (
        client.post(
            f"/questions/{qid}/edit", data={**GOOD, "title": "乗っ取られたタイトルです"}
        ).status_code
        == 403
    )
    client.post("/auth/logout")
    login(client, "asker")
    assert client.get(f"/questions/{qid}/edit").status_code == 200
    new_body = qa_helpers.BODY + "\n\n追記: 橋長は15mです。"
    r = client.post(
        f"/questions/{qid}/edit",
        data={**GOOD, "title": "判定区分Ⅲの橋の優先順位", "body": new_body},
    )
    assert r.status_code == 302
    with app.app_context():
        revs = db.session.scalars(select(Revision).where(Revision.question_id == qid)).all()
        assert len(revs) == 2 and revs[1].editor_id == people["asker"].id
        assert db.session.get(Question, qid).edited_at is not None
    history = client.get(f"/questions/{qid}/history").get_data(as_text=True)
    assert '<span class="add">+ 追記: 橋長は15mです。</span>' in history


def test_answer_edit_by_author_only(client, app, people):
    with app.app_context():
        q = qa_helpers.ask(people["asker"].id)
        aid = qa_helpers.answer(people["helper"].id, q).id
        db.session.commit()
    login(client, "asker")
    assert (
        client.post(f"/answers/{aid}/edit", data={"body": "書き換えてしまいました。"}).status_code
        == 403
    )
    client.post("/auth/logout")
    login(client, "helper")
    assert client.post(f"/answers/{aid}/edit", data={"body": "短"}).status_code == 422
    assert (
        client.post(
            f"/answers/{aid}/edit", data={"body": "追記しました。交通量も見ます。"}
        ).status_code
        == 302
    )
    assert client.get(f"/answers/{aid}/history").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Revision.answer_id == aid)) == 2


def test_delete_only_by_author_and_only_without_answers(client, app, people):
    with app.app_context():
        lonely = qa_helpers.ask(people["asker"].id).id
        answered = qa_helpers.ask(people["asker"].id, title="回答がついた質問のタイトル")
        qa_helpers.answer(people["helper"].id, answered)
        db.session.commit()
        answered_id = answered.id
    login(client, "third")
    assert client.post(f"/questions/{lonely}/delete").status_code == 403
    client.post("/auth/logout")
    login(client, "asker")
    assert client.post(f"/questions/{answered_id}/delete").status_code == 409
    assert client.post(f"/questions/{lonely}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Question, lonely) is None
        assert db.session.get(Question, answered_id) is not None
    assert client.get(f"/questions/{lonely}").status_code == 404


def test_close_as_duplicate_by_admin_and_no_new_answers(client, app, make_user, people):
    make_user(username="boss", role=Role.ADMIN)
    with app.app_context():
        original = qa_helpers.ask(people["helper"].id, title="元の質問のタイトルですよ")
        dup = qa_helpers.ask(people["asker"].id)
        db.session.commit()
        oid, did = original.id, dup.id
    login(client, "third")
    assert (
        client.post(
            f"/questions/{did}/close", data={"reason": "duplicate", "duplicate_of": oid}
        ).status_code
        == 403
    )
    client.post("/auth/logout")
    login(client, "boss")
    assert (
        client.post(
            f"/questions/{did}/close", data={"reason": "duplicate", "duplicate_of": did}
        ).status_code
        == 302
    )
    with app.app_context():
        assert not db.session.get(Question, did).is_closed, "a question is no duplicate of itself"
    client.post(f"/questions/{did}/close", data={"reason": "duplicate", "duplicate_of": oid})
    with app.app_context():
        q = db.session.get(Question, did)
        assert q.is_closed and q.duplicate_of_id == oid
    page = client.get(f"/questions/{did}").get_data(as_text=True)
    assert f'href="/questions/{oid}"' in page
    client.post("/auth/logout")
    login(client, "helper")
    assert (
        client.post(f"/questions/{did}/answers", data={"body": "closed but answering"}).status_code
        == 409
    )
    assert count(app, Answer) == 0


def test_view_counts_once_per_viewer_per_day(app, people, ctx):
    q = qa_helpers.ask(people["asker"].id)
    # 09:00 in Japan: an hour later is the same Japanese day whatever the time of the run (a
    # run at 23:30 JST once crossed midnight).
    now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert qa.record_view(q, "u:1", now) is True
    assert qa.record_view(q, "u:1", now + timedelta(hours=1)) is False
    assert qa.record_view(q, "u:1", now + timedelta(hours=14, minutes=59)) is False  # 23:59 JST
    assert qa.record_view(q, "u:3", now - timedelta(hours=9, minutes=1)) is True  # 23:59 JST
    assert qa.record_view(q, "u:3", now - timedelta(hours=9)) is True  # 00:00 JST: a new day
    assert qa.record_view(q, "u:2", now) is True
    assert qa.record_view(q, "u:1", now + timedelta(days=1)) is True
    db.session.refresh(q)
    assert q.view_count == 5


def test_question_page_counts_views_per_viewer(client, app, people):
    with app.app_context():
        qid = qa_helpers.ask(people["asker"].id).id
        db.session.commit()
    for _ in range(3):
        client.get(f"/questions/{qid}")
    login(client, "helper")
    client.get(f"/questions/{qid}")
    client.get(f"/questions/{qid}")
    with app.app_context():
        assert db.session.get(Question, qid).view_count == 2


def test_list_filters_and_sorts(client, app, people):
    with app.app_context():
        a = qa_helpers.ask(
            people["asker"].id, title="下水道の不明水対策について教えて", field="sewer", stage="1"
        )
        b = qa_helpers.ask(
            people["asker"].id,
            title="橋梁点検の委託仕様について質問",
            field="bridge",
            stage="2",
            topics=["inspection"],
        )
        qa_helpers.answer(people["helper"].id, b)
        qa.vote(db.session.get(User, people["third"].id), b, 1)
        db.session.commit()
        a_id, b_id = a.id, b.id

    def ids(query):
        import re

        html = client.get(f"/questions/?{query}").get_data(as_text=True)
        return [int(x) for x in re.findall(r'class="qtitle" href="/questions/(\d+)"', html)]

    assert set(ids("")) == {a_id, b_id}
    assert ids("field=sewer") == [a_id]
    assert ids("stage=2") == [b_id]
    assert ids("topic=inspection") == [b_id]
    assert ids("status=unanswered") == [a_id]
    assert ids("sort=votes")[0] == b_id
    assert ids("sort=newest")[0] == b_id
    assert ids("status=resolved") == []
    assert client.get("/questions/?page=abc&sort=weird&stage=x").status_code == 200


def test_similar_questions_api(client, app, people):
    with app.app_context():
        qa_helpers.ask(people["asker"].id, title="包括的民間委託の導入手順が分かりません")
        qa_helpers.ask(people["asker"].id, title="ドローン点検の精度について知りたい")
        db.session.commit()
    found = client.get("/api/questions/similar?title=包括的民間委託を始めたい").get_json()[
        "questions"
    ]
    assert [q["title"] for q in found] == ["包括的民間委託の導入手順が分かりません"]
    assert client.get("/api/questions/similar?title=").get_json() == {"questions": [], "cases": []}


def _question_with_answers(app, people, n: int) -> int:
    from tests.factories import make_people

    with app.app_context():
        q = qa_helpers.ask(people["asker"].id)
        answerers = make_people(n, prefix=f"ans{n}_")
        for i, u in enumerate(answerers):
            post = Answer(
                question_id=q.id,
                author_id=u.id,
                body_md=f"answer {i}",
                body_html=f"<p>answer {i}</p>",
            )
            db.session.add(post)
            db.session.flush()
            db.session.add(
                Comment(answer_id=post.id, thread_id=q.id, author_id=people["third"].id, body="ok!")
            )
        q.answer_count = n
        db.session.commit()
        return q.id


@pytest.mark.parametrize("logged_in", [False, True])
def test_question_page_query_count_is_fixed(client, app, people, count_queries, logged_in):
    if logged_in:
        login(client, "helper")
    counts = {}
    for n in (1, 50, 500):
        qid = _question_with_answers(app, people, n)
        client.get(f"/questions/{qid}")
        with count_queries() as q:
            response = client.get(f"/questions/{qid}")
        assert response.status_code == 200
        # Answers come 30 a page: a long thread's first page shows 30 and links to the rest.
        html = response.get_data(as_text=True)
        assert html.count('class="post answer') == min(n, 30)
        assert (f"/questions/{qid}?page=2" in html) is (n > 30)
        counts[n] = q.count
    assert counts[1] == counts[50] == counts[500], counts


@pytest.mark.skipif(
    not __import__("os").environ.get("KAKEHASHI_TEST_DB", "sqlite").startswith("postgres"),
    reason="concurrent writers need PostgreSQL (SQLite serialises them with a file lock)",
)
def test_twenty_concurrent_votes_end_with_the_exact_count(app, people):
    from tests.factories import make_people

    with app.app_context():
        q = qa_helpers.ask(people["asker"].id)
        aid = qa_helpers.answer(people["helper"].id, q).id
        voters = [u.id for u in make_people(20, prefix="voter")]
        db.session.commit()
    barrier = threading.Barrier(len(voters))
    errors = []

    def cast(user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                post = db.session.get(Answer, aid)
                db.session.commit()  # hold no transaction while waiting for the others
                barrier.wait(timeout=30)
                qa.vote(user, post, 1)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                barrier.abort()  # never leave the other threads waiting
                errors.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=cast, args=(v,)) for v in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with app.app_context():
        assert db.session.get(Answer, aid).score == 20
        assert db.session.scalar(select(func.count()).where(AnswerVote.answer_id == aid)) == 20


def test_posting_is_rate_limited(app, db_url, people):
    from community import create_app
    from community.config import TestConfig
    from community.extensions import limiter

    limited = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=db_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_POST="3 per minute",
    )
    try:
        client = limited.test_client()
        login(client, "asker")
        codes = [
            client.post(
                "/questions/ask", data={**GOOD, "title": f"{GOOD['title']} {i}"}
            ).status_code
            for i in range(4)
        ]
        assert codes == [302, 302, 302, 429]
        assert count(app, Question) == 3
    finally:
        limiter.reset()
        limiter.enabled = False
