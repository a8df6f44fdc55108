"""Who reads and posts where: private circles are invisible to non-members in every listing
and page, and who may ask and answer in request and open circles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from community.auth.models import Role
from community.circles.models import (
    CircleVisibility,
    MembershipStatus,
)
from community.errors import NotFound, ValidationFailed
from community.extensions import db
from community.questions import services as question_services
from community.questions.models import Answer, Question
from tests import test_circles as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_circles import (
    ANSWER,
    BODY,
    _circle,
    add_membership,
    answer,
    ask,
    html,
    membership_of,
    new_circle,
    post_counts,
    question_ids,
)

# Fixtures of test_circles.py, shared by assignment.
boss = base.boss


# --- 4. private circles are invisible to non-members ------------------------------------------

SECRET_TITLE = "Zebracorn bearing replacement costs"


@pytest.fixture
def secret(app, boss, make_user):
    """A private circle "secret" with one unanswered question in the bridge field, plus an open
    circle and a question in the open square (same field) to show the lists do work."""
    make_user(username="insider", fields=["bridge"])
    make_user(username="outsider", fields=["bridge"])
    make_user(username="chief", role=Role.ADMIN)
    new_circle(app, "boss", "secret", "private")
    new_circle(app, "boss", "bridges", "open")
    add_membership(app, "secret", "insider")
    add_membership(app, "bridges", "outsider")
    add_membership(app, "bridges", "insider")
    ids = {
        "secret": ask(app, "insider", "secret", SECRET_TITLE, field="bridge"),
        "square": ask(app, "insider", None, "Zebracorn paint for steel railings", field="bridge"),
        "bridges": ask(app, "insider", "bridges", "Zebracorn deck joints in the snow"),
    }
    ids["secret_answer"] = answer(app, "boss", ids["secret"])
    # The answered secret question would be left out of "unanswered" lists; keep one
    # unanswered secret question for the home page's field list.
    ids["secret_open"] = ask(
        app, "insider", "secret", "Zebracorn cable inspection intervals", field="bridge"
    )
    return ids


SECRET_MARKS = (SECRET_TITLE, "Zebracorn cable inspection intervals", "/circles/secret")


def assert_no_secret(response, ids):
    assert response.status_code == 200
    body = html(response)
    for mark in SECRET_MARKS:
        assert mark not in body, mark
    for key in ("secret", "secret_open"):
        assert f'href="/questions/{ids[key]}"' not in body
    return body


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_private_circle_is_hidden_from_circle_pages(app, secret, viewer):
    c = client_as(app, viewer)
    listing = assert_no_secret(c.get("/circles/"), secret)
    assert 'href="/circles/bridges"' in listing
    for url in ("/circles/secret", "/circles/secret?tab=top", "/circles/secret/members"):
        assert c.get(url).status_code == 404, url
    # Pages that need a login send visitors to it, and give members of other circles a 404.
    assert c.get("/circles/secret/edit").status_code == (404 if viewer else 302)


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_private_questions_are_hidden_from_question_lists(app, secret, viewer):
    c = client_as(app, viewer)
    body = assert_no_secret(c.get("/questions/"), secret)
    assert f'href="/questions/{secret["square"]}"' in body
    assert f'href="/questions/{secret["bridges"]}"' in body
    assert 'value="secret"' not in body  # not in the circle filter either
    for query in (
        "?circle=secret",
        "?circle=secret&status=unanswered",
        "?sort=votes",
        "?sort=newest&field=bridge",
        "?stage=2",
        "?status=answered",
        "?status=open",
        "?page=2",
    ):
        assert_no_secret(c.get(f"/questions/{query}"), secret)


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_private_question_pages_are_404(app, secret, viewer):
    c = client_as(app, viewer)
    q, a = secret["secret"], secret["secret_answer"]
    for url in (f"/questions/{q}", f"/questions/{q}/history", f"/answers/{a}/history"):
        assert c.get(url).status_code == 404, url
    with app.app_context():
        assert db.session.get(Question, q).view_count == 0


@pytest.mark.parametrize("viewer", ["insider", "boss", "chief"])
def test_members_and_admins_see_private_questions(app, secret, viewer):
    c = client_as(app, viewer)
    page = c.get(f"/questions/{secret['secret']}")
    assert page.status_code == 200
    assert SECRET_TITLE in html(page)
    assert c.get("/circles/secret").status_code == 200
    assert c.get("/circles/secret/members").status_code == 200
    listed = html(c.get("/questions/"))
    assert f'href="/questions/{secret["secret"]}"' in listed
    filtered = c.get("/questions/?circle=secret")
    assert set(question_ids(filtered)) == {secret["secret"], secret["secret_open"]}
    assert 'href="/circles/secret"' in html(c.get("/circles/"))


@pytest.mark.parametrize(
    "viewer, visible", [(None, False), ("outsider", False), ("insider", True), ("chief", True)]
)
def test_similar_questions_api_respects_privacy(app, secret, viewer, visible):
    c = client_as(app, viewer)
    response = c.get("/api/questions/similar", query_string={"title": "zebracorn bearing costs"})
    assert response.status_code == 200
    found = {item["id"] for item in response.get_json()["questions"]}
    assert secret["square"] in found  # the search works
    assert (secret["secret"] in found) is visible
    assert (secret["secret_open"] in found) is visible


def test_home_page_hides_private_questions_from_anonymous_visitors(app, secret):
    body = assert_no_secret(client_as(app, None).get("/"), secret)
    assert f'href="/questions/{secret["square"]}"' in body


def test_home_page_hides_private_questions_from_non_members_in_the_field(app, secret):
    # outsider works on bridges, as does the unanswered secret question.
    body = assert_no_secret(client_as(app, "outsider").get("/"), secret)
    assert f'href="/questions/{secret["square"]}"' in body  # "unanswered in my fields"
    assert f'href="/questions/{secret["bridges"]}"' in body  # "new in my circles"


def test_home_page_shows_private_questions_to_members(app, secret):
    body = html(client_as(app, "insider").get("/"))
    assert f'href="/questions/{secret["secret_open"]}"' in body


def test_ask_form_offers_only_my_circles(app, secret):
    outsider = html(client_as(app, "outsider").get("/questions/ask?circle=secret"))
    assert 'value="secret"' not in outsider
    assert 'value="bridges"' in outsider
    assert "secret circle" not in outsider and "secretの輪" not in outsider
    insider = html(client_as(app, "insider").get("/questions/ask"))
    assert 'value="secret"' in insider


def ask_form(circle, title="Zebracorn question asked through the form"):
    return {"title": title, "body": BODY, "circle": circle, "stage": "2"}


@pytest.mark.parametrize("viewer", ["outsider", "chief"])
def test_non_members_cannot_ask_in_a_private_circle(app, secret, viewer):
    before = post_counts(app)
    response = client_as(app, viewer).post("/questions/ask", data=ask_form("secret"))
    assert response.status_code == 422
    assert 'id="circle-error"' in html(response)
    assert post_counts(app) == before
    expected = NotFound if viewer == "outsider" else ValidationFailed
    with app.app_context(), pytest.raises(expected) as exc:
        question_services.ask(_user(viewer), ask_form("secret"))
    if expected is ValidationFailed:
        assert set(exc.value.fields) == {"circle"}
    assert post_counts(app) == before


def test_members_ask_in_their_private_circle(app, secret):
    response = client_as(app, "insider").post("/questions/ask", data=ask_form("secret"))
    assert response.status_code == 302
    with app.app_context():
        q = db.session.scalar(select(Question).order_by(Question.id.desc()))
        assert q.circle.slug == "secret"
        assert response.headers["Location"] == f"/questions/{q.id}"


def posting_requests(ids):
    q, a = ids["secret"], ids["secret_answer"]
    return [
        (f"/questions/{q}/answers", {"body": ANSWER}),
        (f"/questions/{q}/comments", {"body": "A comment here."}),
        (f"/questions/{q}/comments", {"body": "A comment here.", "answer_id": str(a)}),
        (f"/questions/{q}/vote", {"value": "1"}),
        (f"/answers/{a}/vote", {"value": "1"}),
        (f"/questions/{q}/follow", {}),
        (f"/questions/{q}/pin", {}),
        (f"/questions/{q}/close", {"reason": "off_topic"}),
        (f"/questions/{q}/edit", {"title": "Changed title here", "body": BODY}),
    ]


def test_non_members_cannot_post_on_private_questions(app, secret):
    outsider = client_as(app, "outsider")
    before = post_counts(app)
    for url, data in posting_requests(secret):
        assert outsider.post(url, data=data).status_code == 404, url
    assert post_counts(app) == before
    with app.app_context():
        q = db.session.get(Question, secret["secret"])
        assert (q.title, q.score, q.pinned, q.close_reason) == (SECRET_TITLE, 0, False, None)


def test_comment_on_a_visible_question_cannot_target_a_private_answer(app, secret):
    outsider = client_as(app, "outsider")
    before = post_counts(app)
    response = outsider.post(
        f"/questions/{secret['bridges']}/comments",
        data={"body": "Sneaky comment.", "answer_id": str(secret["secret_answer"])},
    )
    assert response.status_code == 404
    assert post_counts(app) == before


def test_members_post_on_private_questions(app, secret, make_user):
    make_user(username="ally")
    add_membership(app, "secret", "ally")
    ally = client_as(app, "ally")
    q, a = secret["secret"], secret["secret_answer"]
    assert ally.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    assert ally.post(f"/questions/{q}/comments", data={"body": "Thanks!"}).status_code == 302
    assert ally.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 302
    assert ally.post(f"/answers/{a}/vote", data={"value": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Question, q).score == 1
        assert db.session.get(Answer, a).score == 1
        assert db.session.get(Question, q).answer_count == 2


def test_leaving_a_private_circle_takes_away_access(app, secret):
    insider = client_as(app, "insider")
    q = secret["secret"]
    assert insider.get(f"/questions/{q}").status_code == 200
    response = insider.post("/circles/secret/leave")
    assert response.status_code == 302
    assert response.headers["Location"] == "/circles/"
    assert membership_of(app, "secret", "insider") is None
    assert insider.get("/circles/secret").status_code == 404
    assert insider.get(f"/questions/{q}").status_code == 404
    assert insider.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 404
    assert_no_secret(insider.get("/questions/"), secret)
    assert_no_secret(insider.get("/circles/"), secret)
    assert_no_secret(insider.get("/"), secret)
    found = insider.get("/api/questions/similar?title=zebracorn+bearing").get_json()
    assert q not in {item["id"] for item in found["questions"]}
    assert 'value="secret"' not in html(insider.get("/questions/ask"))


def test_a_pending_row_in_a_private_circle_gives_no_access(app, secret, make_user):
    make_user(username="waiting")
    add_membership(app, "secret", "waiting", status=MembershipStatus.PENDING)
    c = client_as(app, "waiting")
    assert c.get("/circles/secret").status_code == 404
    assert c.get(f"/questions/{secret['secret']}").status_code == 404
    assert_no_secret(c.get("/questions/"), secret)
    assert_no_secret(c.get("/circles/"), secret)


def test_a_private_circle_made_public_shows_up(app, secret):
    with app.app_context():
        _circle("secret").visibility = CircleVisibility.REQUEST
        db.session.commit()
    c = client_as(app, "outsider")
    assert c.get("/circles/secret").status_code == 200
    assert f'href="/questions/{secret["secret"]}"' in html(c.get("/questions/"))


# --- 5. who may post in request and open circles ----------------------------------------------


@pytest.fixture
def request_world(app, boss, make_user):
    make_user(username="insider")
    make_user(username="outsider")
    make_user(username="newbie", confirmed=False)
    new_circle(app, "boss", "roads", "request")
    add_membership(app, "roads", "insider")
    q = ask(app, "insider", "roads", "Winter pothole patching materials")
    a = answer(app, "boss", q)
    return {"q": q, "a": a}


@pytest.mark.parametrize("viewer", [None, "outsider"])
def test_request_circle_content_is_readable_by_everyone(app, request_world, viewer):
    c = client_as(app, viewer)
    q = request_world["q"]
    assert c.get("/circles/roads").status_code == 200
    assert q in question_ids(c.get("/circles/roads"))
    assert c.get("/circles/roads/members").status_code == 200
    assert c.get(f"/questions/{q}").status_code == 200
    assert q in question_ids(c.get("/questions/"))
    assert q in question_ids(c.get("/questions/?circle=roads"))
    found = c.get("/api/questions/similar?title=pothole+patching").get_json()["questions"]
    assert q in {item["id"] for item in found}


@pytest.mark.parametrize("viewer", ["outsider", "newbie"])
def test_only_members_post_in_request_circles(app, request_world, viewer):
    c = client_as(app, viewer)
    q, a = request_world["q"], request_world["a"]
    before = post_counts(app)
    assert c.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 403
    assert c.post(f"/questions/{q}/comments", data={"body": "Hello."}).status_code == 403
    assert (
        c.post(f"/questions/{q}/comments", data={"body": "Hello.", "answer_id": str(a)}).status_code
        == 403
    )
    assert c.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 403
    assert c.post(f"/answers/{a}/vote", data={"value": "-1"}).status_code == 403
    response = c.post("/questions/ask", data=ask_form("roads"))
    assert response.status_code == 422
    assert 'id="circle-error"' in html(response)
    assert post_counts(app) == before
    with app.app_context():
        assert db.session.get(Question, q).score == 0
        assert db.session.get(Answer, a).score == 0


def test_the_answer_form_is_only_offered_to_those_who_may_answer(app, request_world):
    q = request_world["q"]
    outsider = html(client_as(app, "outsider").get(f"/questions/{q}"))
    insider = html(client_as(app, "insider").get(f"/questions/{q}"))
    action = f'action="/questions/{q}/answers"'
    assert action in insider
    assert action not in outsider


def test_members_post_in_request_circles(app, request_world, make_user):
    make_user(username="ally")
    add_membership(app, "roads", "ally")
    c = client_as(app, "ally")
    q, a = request_world["q"], request_world["a"]
    assert c.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    assert c.post(f"/questions/{q}/comments", data={"body": "Hello."}).status_code == 302
    assert c.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 302
    assert c.post(f"/answers/{a}/vote", data={"value": "1"}).status_code == 302
    assert c.post("/questions/ask", data=ask_form("roads")).status_code == 302
    counts = post_counts(app)
    assert counts["answers"] == 2 and counts["comments"] == 1 and counts["questions"] == 2


def test_open_circles_take_answers_from_anyone_but_questions_from_members(app, boss, make_user):
    make_user(username="insider")
    make_user(username="outsider")
    make_user(username="newbie", confirmed=False)
    new_circle(app, "boss", "bridges", "open")
    add_membership(app, "bridges", "insider")
    q = ask(app, "insider", "bridges", "Expansion joint noise complaints")
    outsider = client_as(app, "outsider")
    assert outsider.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 302
    assert outsider.post(f"/questions/{q}/comments", data={"body": "Hello."}).status_code == 302
    assert outsider.post(f"/questions/{q}/vote", data={"value": "1"}).status_code == 302
    before = post_counts(app)
    assert before["answers"] == 1 and before["comments"] == 1 and before["question_votes"] == 1
    # Asking in the circle needs membership.
    response = outsider.post("/questions/ask", data=ask_form("bridges"))
    assert response.status_code == 422
    assert 'id="circle-error"' in html(response)
    assert post_counts(app) == before
    with app.app_context(), pytest.raises(ValidationFailed) as exc:
        question_services.ask(_user("outsider"), ask_form("bridges"))
    assert set(exc.value.fields) == {"circle"}
    # Unconfirmed accounts post nowhere.
    newbie = client_as(app, "newbie")
    assert newbie.post(f"/questions/{q}/answers", data={"body": ANSWER}).status_code == 403
    assert post_counts(app) == before
    # After joining, asking works.
    outsider.post("/circles/bridges/join")
    assert outsider.post("/questions/ask", data=ask_form("bridges")).status_code == 302
    assert post_counts(app)["questions"] == 2


def test_asking_in_an_unknown_circle_is_refused(app, make_user):
    make_user(username="kenji")
    response = client_as(app, "kenji").post("/questions/ask", data=ask_form("nowhere"))
    assert response.status_code == 422
    assert post_counts(app)["questions"] == 0
