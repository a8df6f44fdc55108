"""The input boundary (community/inputs.py, forms.py, limits.py): each probe that once answered
500 now gets a clear answer, and nothing is half-written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from community.casebook.models import Case
from community.errors import ValidationFailed
from community.extensions import db, socketio
from community.inputs import aware_datetime, page_arg
from community.questions.models import Answer, Question
from community.urls import url_self
from tests.conftest import login
from tests.qa_helpers import ask
from tests.test_casebook import FORM as CASE_FORM

CONTROL_MESSAGE = "制御文字"


@pytest.fixture
def member(make_user):
    return make_user(username="mem")


@pytest.fixture
def member_client(app, member):
    client = app.test_client()
    assert login(client, "mem").status_code == 302
    return client


@pytest.fixture
def question_id(app, member):
    with app.app_context():
        question = ask(member.id)
        db.session.commit()
        return question.id


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- NUL and other control characters ---


@pytest.mark.parametrize("url", ["/people/?q=%00", "/cases/?q=%00", "/search?q=%E6%A9%8B%00"])
def test_nul_in_a_query_is_removed_not_an_error(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/calendar/%00.ics", "/people/a%00b", "/circles/%0d%0a"])
def test_a_control_character_in_a_path_names_no_page(client, url):
    assert client.get(url).status_code == 404


def test_nul_in_an_ask_form_is_refused_and_nothing_is_saved(app, member_client):
    response = member_client.post(
        "/questions/ask", data={"title": "橋の\x00点検", "body": "本文です。" * 10}
    )
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)
    assert count(app, Question) == 0


def test_nul_in_an_answer_or_comment_is_refused(app, member_client, question_id):
    r = member_client.post(f"/questions/{question_id}/answers", data={"body": "a\x00b" * 10})
    assert r.status_code == 400
    assert count(app, Answer) == 0
    r = member_client.post(f"/questions/{question_id}/comments", data={"body": "\x00"})
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/auth/login", {"identifier": "mem\x00", "password": "x"}),
        ("/auth/reset", {"identifier": "\x00@example.com"}),
        ("/auth/register", {"email": "a@example.com", "username": "a\x00"}),
    ],
)
def test_nul_in_account_forms_is_refused(client, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_nul_in_the_profile_form_is_refused(member_client):
    response = member_client.post("/settings/profile", data={"display_name": "名\x00前"})
    assert response.status_code == 400


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\x0b", "\x85", "\u2028"])
def test_a_line_break_in_a_title_becomes_a_space(app, member_client, brk):
    response = member_client.post(
        "/questions/ask",
        data={
            "title": f"判定区分Ⅲの橋の{brk}優先順位",
            "body": "町の橋の点検について教えてください。" * 3,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalar(select(Question.title)).split() == ["判定区分Ⅲの橋の", "優先順位"]


# --- numbers and dates ---


@pytest.mark.parametrize(
    "url", ["/questions/99999999999999999999", "/questions/2147483648", "/answers/2147483648/edit"]
)
def test_ids_past_the_integer_range_are_not_found(member_client, url):
    assert member_client.get(url).status_code == 404


def test_notification_ids_past_the_integer_range_are_not_found(member_client):
    assert member_client.get("/notifications/99999999999999999999").status_code == 404


@pytest.mark.parametrize("path", ["/questions/", "/people/", "/cases/", "/circles/", "/search"])
def test_a_huge_page_number_shows_an_empty_page(client, path):
    assert client.get(path, query_string={"page": "9" * 30, "q": "橋"}).status_code == 200


def test_page_numbers_are_clamped(app):
    for raw, expected in [("0", 1), ("-5", 1), ("x", 1), ("3", 3), ("9" * 30, 10_000)]:
        with app.test_request_context(f"/?page={raw}"):
            assert page_arg() == expected


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-12-01T10:00", "x"]
)
def test_times_outside_the_window_or_without_a_zone_are_refused(value):
    assert aware_datetime(value) is None


def test_a_time_in_the_window_is_read_as_utc():
    assert aware_datetime("2026-12-01T10:00:00+09:00").isoformat() == "2026-12-01T01:00:00+00:00"


def test_booking_a_slot_at_the_end_of_the_calendar_is_not_found(app, member_client, make_user):
    make_user(username="adv", role="adviser")
    response = member_client.get(
        "/office-hours/adv/book", query_string={"start": "0001-01-01T00:00:00+14:00"}
    )
    assert response.status_code == 404


# --- url_for's own names in a query string ---


@pytest.mark.parametrize(
    "url",
    [
        "/questions/?_method=POST",
        "/questions/?endpoint=x",
        "/people/?_method=POST",
        "/search?q=%E6%A9%8B&_method=POST",
        "/cases/?_external=1&_anchor=x",
    ],
)
def test_url_for_option_names_in_a_query_do_not_break_a_page(client, url):
    assert client.get(url).status_code == 200


def test_links_built_from_the_query_drop_url_for_options_and_keep_the_path(app):
    query = "/questions/5/history?_method=POST&endpoint=x&question_id=abc&tab=top&page=2"
    with app.test_request_context(query):
        app.preprocess_request()
        assert url_self(page=3) == "/questions/5/history?tab=top&page=3"
        assert url_self(tab=None) == "/questions/5/history?page=2"


# --- redirect targets ---


def test_a_line_break_in_next_does_not_split_headers(client):
    response = client.post("/lang", data={"lang": "en", "next": "/x\r\nSet-Cookie: evil=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get_cookie("evil") is None


def test_a_line_break_in_back_goes_to_the_navigator(member_client):
    response = member_client.post(
        "/support/stage", data={"stage": "2", "back": "/support/\r\nSet-Cookie: evil=1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/support/"


# --- JSON ---


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"source": "\\ud800"}', 400),
        ('["source"]', 422),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"source": ' + "[" * 50 + "]" * 50 + "}", 400),
        ("{not json", 400),
        (b"\xff\xfe", 400),
    ],
)
def test_markdown_preview_answers_bad_json_clearly(member_client, body, status):
    response = member_client.post(
        "/api/markdown/preview", data=body, content_type="application/json"
    )
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_markdown_preview_still_renders(member_client):
    response = member_client.post(
        "/api/markdown/preview",
        data=json.dumps({"source": "**橋**"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "<strong>橋</strong>" in response.get_json()["html"]


# --- column limits ---


@pytest.fixture
def editor_client(app, make_user):
    make_user(username="edi", role="editor")
    client = app.test_client()
    assert login(client, "edi").status_code == 302
    return client


@pytest.mark.parametrize(
    "change",
    [
        {"cost_initial": "1" * 400},
        {"costs-0-amount": "9" * 30},
        {"schedule-0-period": "年" * 101},
        {"sources-0-title": "出典", "sources-0-url": "https://example.jp/" + "a" * 500},
    ],
)
def test_a_case_past_its_column_limits_is_refused_whole(app, editor_client, change):
    response = editor_client.post("/cases/new", data={**CASE_FORM, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "文字以内" in page or "大きすぎます" in page
    assert CASE_FORM["title"] in page  # the form comes back filled in, not an error page
    assert count(app, Case) == 0


def test_a_hide_reason_past_its_column_is_refused(app, make_user, question_id):
    make_user(username="boss", role="admin")
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    response = client.post(
        f"/questions/{question_id}/hide", data={"hidden": "1", "reason": "理" * 301}
    )
    assert response.status_code in (302, 422)
    with app.app_context():
        question = db.session.get(Question, question_id)
        assert question.hidden_at is None and question.hidden_reason == ""


def test_the_limits_apply_to_every_flush(app, member, question_id):
    with app.app_context():
        question = db.session.get(Question, question_id)
        question.title = "t" * 151
        with pytest.raises(ValidationFailed) as err:
            db.session.flush()
        assert "title" in err.value.fields
        db.session.rollback()
        question = db.session.get(Question, question_id)
        question.view_count = 2**31
        with pytest.raises(ValidationFailed):
            db.session.flush()
        db.session.rollback()


# --- headers and sockets ---


def test_the_server_header_names_no_versions(client):
    assert client.get("/healthz").headers["Server"] == "Kakehashi"


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("watch_question", {"question_id": 10**30}),
        ("watch_question", {"question_id": [1]}),
        ("watch_question", {"question_id": None}),
        ("watch_question", {"question_id": 1e308}),
        ("watch_question", {"question_id": True}),
        ("watch_question", [1, 2]),
        ("unwatch_question", {"question_id": "x"}),
        ("watch_circle", {"slug": "\ud800"}),
        ("watch_circle", {"slug": 5}),
        ("watch_circle", "bridges"),
    ],
)
def test_socket_handlers_refuse_bad_arguments(app, member_client, event, payload):
    sio = socketio.test_client(app, flask_test_client=member_client)
    assert sio.emit(event, payload, callback=True) == {"ok": False, "error": "invalid_arguments"}
    sio.disconnect()


def test_socket_handlers_still_watch_a_visible_question(app, member_client, question_id):
    sio = socketio.test_client(app, flask_test_client=member_client)
    assert sio.emit("watch_question", {"question_id": str(question_id)}, callback=True) == {
        "ok": True
    }
    sio.disconnect()
