"""/api/v1/questions: the same visibility as the web (private circles), cursor pages that
stay stable while questions are asked, ETags, validation errors in the one JSON shape in
Japanese, posting through the web's services, bounded statements per request."""

from __future__ import annotations

import pytest

from community.auth.models import Role
from community.extensions import db
from community.questions.models import Answer, Question
from tests import factories
from tests.api_v1_helpers import bearer, make_token
from tests.conftest import client_as
from tests.factories import user_named

TITLE = "判定区分Ⅲの橋の補修設計の発注方法"
BODY = "小さな町で初めて補修設計を発注します。仕様書の書き方を教えてください。"


@pytest.fixture
def world(app, make_user):
    """A private circle "secret" (insider is a member, outsider is not) with one answered
    question and comments; an open question in the open square."""
    make_user(username="boss", role=Role.ADMIN)
    make_user(username="insider")
    make_user(username="outsider")
    with app.app_context():
        factories.make_circle("boss", "secret", "private", members=["insider"])
        secret = factories.ask("insider", "秘密の輪の橋梁点検の質問です", circle="secret")
        reply = factories.answer("boss", secret)
        factories.qa.comment(user_named("insider"), secret, "ありがとうございます")
        factories.qa.comment(user_named("boss"), secret, "どういたしまして", reply)
        square = factories.ask("outsider", "広場で聞く舗装の点検の質問です", field="road")
        db.session.commit()
        return {"secret": secret.id, "square": square.id, "answer": reply.id}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("viewer", [None, "outsider", "insider"])
def test_private_circle_parity_between_web_and_api(app, world, viewer):
    """Whatever the web shows or hides from a viewer, the API shows or hides alike."""
    web = client_as(app, viewer)
    api = app.test_client()
    headers = bearer(make_token(app, viewer, "read")) if viewer else {}
    member = viewer == "insider"
    q = world["secret"]
    web_status = web.get(f"/questions/{q}").status_code
    api_status = api.get(f"/api/v1/questions/{q}", headers=headers).status_code
    assert (web_status, api_status) == ((200, 200) if member else (404, 404))
    listed = _ids(api.get("/api/v1/questions", headers=headers))
    on_web = f'href="/questions/{q}"' in web.get("/questions/").get_data(as_text=True)
    assert (q in listed) == on_web == member
    assert world["square"] in listed
    # Filtering on the circle: its questions for members, 404 for others (as unknown ones).
    r = api.get("/api/v1/questions?circle=secret", headers=headers)
    assert r.status_code == (200 if member else 404)
    assert api.get("/api/v1/questions?circle=nowhere", headers=headers).status_code == 404
    # Answering through the API: a non-member cannot even find the question.
    if viewer:
        write = bearer(make_token(app, viewer, "write", name="w"))
        r = api.post(
            f"/api/v1/questions/{q}/answers",
            json={"body": "回答の本文です。十分な長さ"},
            headers=write,
        )
        assert r.status_code == (201 if member else 404)
        if not member:
            assert r.get_json()["error"]["code"] == "not_found"


def test_show_has_answers_comments_html_and_markdown(app, world):
    token = make_token(app, "insider", "read")
    r = app.test_client().get(f"/api/v1/questions/{world['secret']}", headers=bearer(token))
    data = r.get_json()
    assert data["circle"]["slug"] == "secret"
    assert data["body_md"] == factories.QUESTION_BODY
    assert data["body_html"].startswith("<p>")
    assert [c["body"] for c in data["comments"]] == ["ありがとうございます"]
    (ans,) = data["answers"]
    assert ans["id"] == world["answer"] and ans["author"]["username"] == "boss"
    assert ans["body_md"] == factories.ANSWER_BODY and "<p>" in ans["body_html"]
    assert [c["body"] for c in ans["comments"]] == ["どういたしまして"]
    assert data["answer_count"] == 1 and data["status"] == "answered"


def test_filters_circle_field_and_unanswered(app, world):
    headers = bearer(make_token(app, "insider", "read"))
    api = app.test_client()
    assert _ids(api.get("/api/v1/questions?circle=secret", headers=headers)) == [world["secret"]]
    assert _ids(api.get("/api/v1/questions?field=road", headers=headers)) == [world["square"]]
    unanswered = _ids(api.get("/api/v1/questions?status=unanswered", headers=headers))
    assert unanswered == [world["square"]]


def test_cursor_pages_stay_stable_while_questions_are_asked(app, make_user):
    make_user(username="hana")
    with app.app_context():
        ids = [factories.ask("hana", f"{TITLE} その{i:02d}").id for i in range(7)]
        db.session.commit()
    api = app.test_client()
    # Unknown query keys are ignored, never echoed into `next` (url_for's own names included).
    first = api.get("/api/v1/questions?per_page=3&endpoint=x&_external=1").get_json()
    assert "endpoint" not in first["next"] and "per_page=3" in first["next"]
    assert [q["id"] for q in first["items"]] == ids[::-1][:3]
    # New questions arrive between the pages: the next page continues where the first ended.
    with app.app_context():
        factories.ask("hana", f"{TITLE} 後から")
        db.session.commit()
    assert api.get("/api/v1/questions?per_page=3").headers["Link"].endswith('rel="next"')
    second = api.get(first["next"]).get_json()
    assert [q["id"] for q in second["items"]] == ids[::-1][3:6]
    third = api.get(second["next"]).get_json()
    assert [q["id"] for q in third["items"]] == ids[::-1][6:]
    assert third["next"] is None
    # A cursor not made by the API is a 422 in the one shape.
    r = api.get("/api/v1/questions?cursor=bm90LWEtY3Vyc29y")
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"cursor": ["このカーソルは正しくありません。"]}


def test_etag_gives_304_until_the_thread_changes(app, world):
    headers = bearer(make_token(app, "insider", "read"))
    api = app.test_client()
    url = f"/api/v1/questions/{world['secret']}"
    r = api.get(url, headers=headers)
    etag = r.headers["ETag"]
    assert etag.startswith('W/"')
    assert api.get(url, headers={**headers, "If-None-Match": etag}).status_code == 304
    listing = api.get("/api/v1/questions", headers=headers)
    list_tag = listing.headers["ETag"]
    assert (
        api.get("/api/v1/questions", headers={**headers, "If-None-Match": list_tag}).status_code
        == 304
    )
    # Another viewer gets their own tag (hidden posts and permissions differ by viewer).
    assert app.test_client().get(f"/api/v1/questions/{world['square']}").headers["ETag"]
    with app.app_context():
        factories.answer(
            "boss", db.session.get(Question, world["secret"]), "二つ目の回答を書きます。"
        )
        db.session.commit()
    r = api.get(url, headers={**headers, "If-None-Match": etag})
    assert r.status_code == 200 and len(r.get_json()["answers"]) == 2
    assert (
        api.get("/api/v1/questions", headers={**headers, "If-None-Match": list_tag}).status_code
        == 200
    )


def test_ask_and_answer_go_through_the_services(app, world):
    token = make_token(app, "insider", "write")
    api = app.test_client()
    r = api.post(
        "/api/v1/questions",
        json={"title": TITLE, "body": BODY, "circle": "secret", "field": "bridge", "stage": 2},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.get_json()
    data = r.get_json()
    assert r.headers["Location"].endswith(f"/api/v1/questions/{data['id']}")
    assert data["circle"]["slug"] == "secret" and data["stage"] == 2 and data["field"] == "bridge"
    r = api.post(
        f"/api/v1/questions/{data['id']}/answers",
        json={"body": "うちの町では標準仕様書を使っています。"},
        headers=bearer(token),
    )
    assert r.status_code == 201
    with app.app_context():
        question = db.session.get(Question, data["id"])
        assert question.author.username == "insider" and question.answer_count == 1
        assert db.session.get(Answer, r.get_json()["id"]).question_id == question.id
    # The services' rules apply: asking in a circle one has not joined.
    outsider = make_token(app, "outsider", "write")
    r = api.post(
        "/api/v1/questions",
        json={"title": TITLE, "body": BODY, "circle": "secret"},
        headers=bearer(outsider),
    )
    assert r.status_code in (404, 422)


def test_validation_errors_are_422_in_the_one_shape_in_japanese(app, world):
    token = bearer(make_token(app, "insider", "write"))
    api = app.test_client()
    r = api.post("/api/v1/questions", json={"title": 5, "colour": "red"}, headers=token)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"] == "入力内容をご確認ください"
    assert error["fields"] == {
        "title": ["値の型が正しくありません。"],
        "body": ["この項目は必須です。"],
        "colour": ["この項目は受け付けていません。"],
    }
    # The services' own checks (length) come in the same shape.
    r = api.post("/api/v1/questions", json={"title": "短い", "body": BODY}, headers=token)
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["title"]
    r = api.get("/api/v1/questions?per_page=1000")
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {
        "per_page": ["数値が範囲外です。"]
    }
    r = api.post(
        "/api/v1/questions", data="{not json", content_type="application/json", headers=token
    )
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {
        "_schema": ["本文が正しい JSON ではありません。"]
    }
    # NUL is refused as on the forms (PostgreSQL cannot store it); other controls are removed.
    r = api.post("/api/v1/questions", json={"title": TITLE + "\x00", "body": BODY}, headers=token)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_input"
    r = api.post(
        "/api/v1/questions", json={"title": TITLE + "\x07\n続き", "body": BODY}, headers=token
    )
    assert r.status_code == 201 and r.get_json()["title"] == TITLE + " 続き"
    # And in English for a member who chose it (the site's language setting).
    with app.app_context():
        user_named("insider").locale = "en"
        db.session.commit()
    r = api.post("/api/v1/questions", json={}, headers=token)
    assert r.get_json()["error"]["fields"]["title"] == ["This field is required."]
    assert api.get("/api/v1/questions/999999").status_code == 404


def test_statements_do_not_grow_with_the_data(app, make_user, count_queries):
    """List and show load in a fixed number of statements, whatever the number of rows."""
    make_user(username="hana")
    make_user(username="ken")
    token = make_token(app, "hana", "read")

    def grow(n):
        with app.app_context():
            for i in range(n):
                q = factories.ask("hana", f"{TITLE} {i:03d}", topics=["inspection"], tags="橋 点検")
                a = factories.answer("ken", q)
                factories.qa.comment(user_named("hana"), q, "コメントです")
                factories.qa.comment(user_named("hana"), q, "返信です", a)
            db.session.commit()
            return q.id

    def statements(path):
        api = app.test_client()
        with count_queries() as q:
            assert api.get(path, headers=bearer(token)).status_code == 200
        return q.count

    last = grow(2)
    statements("/api/v1/questions")  # the token's first use is written once
    small = (statements("/api/v1/questions"), statements(f"/api/v1/questions/{last}"))
    last = grow(12)
    with app.app_context():
        question = db.session.get(Question, last)
        for i in range(8):
            factories.answer(user_named("ken"), question, f"追加の回答 {i} です。よろしく")
        db.session.commit()
    large = (statements("/api/v1/questions"), statements(f"/api/v1/questions/{last}"))
    assert large == small
    # List: the caller, the page's ids, its rows with authors and circles, topics, tags.
    assert small[0] <= 6 and small[1] <= 18, small


def test_openapi_description_and_docs_page(app):
    client = app.test_client()
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/questions", "/api/v1/questions/{question_id}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    r = client.get("/api/docs")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "/api/v1/questions/{question_id}/answers" in page and "POST" in page
    assert "<script" not in page.split("</header>")[-1].split("<footer")[0]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
