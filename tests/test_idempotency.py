"""One-time form tokens (community/idempotency.py): each of the five forms that create
something (ask, answer, comment, book, flag) carries a token, and the same token sent again by
the same user gives one object and the same redirect, also when the two submits race (on
PostgreSQL). Another user's token is independent, a request without a token works as before,
other content under a used token is refused, a failed submit does not use up its token, and old
keys are pruned."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update

from community.auth.models import Role, User
from community.db import utcnow
from community.extensions import db
from community.idempotency import IdempotencyKey
from community.moderation.models import Flag
from community.office_hours.models import Booking
from community.questions.models import Answer, Comment, Question
from tests import qa_helpers
from tests.conftest import login
from tests.test_office_hours_pages import open_hours

ON_POSTGRES = os.environ.get("KAKEHASHI_TEST_DB", "sqlite").startswith("postgres")
TOKEN_RE = re.compile(r'name="idempotency_key"[^>]*value="([A-Za-z0-9_-]+)"')
ANSWER_TEXT = "うちでは健全度と交通量で点数化し、五年ごとに見直しています。"


@dataclass
class Form:
    """Where a form is shown, where it posts, what it sends, and what it creates."""

    user: str
    page: str
    marker: str  # text inside the form on its page
    action: str
    data: dict
    model: type


def token(client, form: Form) -> str:
    """The token in the <form> that contains `form.marker` (a question page has many forms)."""
    html = client.get(form.page).get_data(as_text=True)
    block = next(b for b in re.findall(r"<form\b.*?</form>", html, re.S) if form.marker in b)
    match = TOKEN_RE.search(block)
    assert match, f"no token in the form with {form.marker!r}"
    return match.group(1)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def site(app, make_user):
    """An asker with a question, a helper with an answer, an adviser with open hours."""
    make_user(username="asker")
    make_user(username="helper")
    make_user(username="other")
    adviser = make_user(username="adv", role=Role.ADVISER)
    start = open_hours(app, adviser.id, requires_confirmation=False)
    with app.app_context():
        question = qa_helpers.ask(
            db.session.scalar(select(User.id).where(User.username == "asker"))
        )
        helper_id = db.session.scalar(select(User.id).where(User.username == "helper"))
        answer = qa_helpers.answer(helper_id, question)
        db.session.commit()
        return {"question": question.id, "answer": answer.id, "start": start}


def forms(site) -> dict[str, Form]:
    qid = site["question"]
    page = f"/questions/{qid}"
    book = f"/office-hours/adv/book?start={quote(site['start'].isoformat())}"
    return {
        "ask": Form(
            "asker",
            "/questions/ask",
            'name="title"',
            "/questions/ask",
            {"title": "側溝の清掃を地域に委託する方法", "body": qa_helpers.BODY},
            Question,
        ),
        "answer": Form(
            "other",
            page,
            'id="answer-form"',
            f"/questions/{qid}/answers",
            {"body": ANSWER_TEXT},
            Answer,
        ),
        "comment": Form(
            "other",
            page,
            f"/questions/{qid}/comments",
            f"/questions/{qid}/comments",
            {"body": "参考になります。"},
            Comment,
        ),
        "book": Form(
            "asker",
            book,
            'name="agenda"',
            book,
            {"agenda": "点検計画について", "mode": "online"},
            Booking,
        ),
        "flag": Form(
            "asker",
            # The question page links each post to its flag form, a page of its own.
            f"/flags/new?target_type=answer&target_id={site['answer']}&next={page}",
            'name="target_type" value="answer"',
            f"/flags?next={page}",
            {"target_type": "answer", "target_id": site["answer"], "reason": "spam"},
            Flag,
        ),
    }


def logged_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("name", ["ask", "answer", "comment", "book", "flag"])
def test_the_same_submit_twice_makes_one_object_and_the_same_redirect(app, site, name):
    form = forms(site)[name]
    client = logged_in(app, form.user)
    before = count(app, form.model)
    data = {**form.data, "idempotency_key": token(client, form)}

    first = client.post(form.action, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    again = client.post(form.action, data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, form.model) == before + 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "二重には登録していません" in page  # the retry is told what happened


def test_tokens_work_with_real_csrf_checks(app, site, csrf_on):
    form = forms(site)["answer"]
    client = logged_in_with_csrf(app, form.user)
    html = client.get(form.page).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {**form.data, "csrf_token": csrf, "idempotency_key": token(client, form)}
    first = client.post(form.action, data=data)
    again = client.post(form.action, data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, Answer) == 2  # the helper's and this one


def logged_in_with_csrf(app, username: str):
    client = app.test_client()
    html = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/auth/login",
        data={"identifier": username, "password": "correct horse battery", "csrf_token": csrf},
    )
    assert response.status_code == 302
    return client


def test_each_rendered_form_gets_its_own_token(app, site):
    client = logged_in(app, "other")
    html = client.get(f"/questions/{site['question']}").get_data(as_text=True)
    tokens = TOKEN_RE.findall(html)
    assert len(tokens) >= 3  # the answer form, two comment forms, flag forms
    assert len(set(tokens)) == len(tokens)
    assert (
        TOKEN_RE.findall(client.get(f"/questions/{site['question']}").get_data(as_text=True))[0]
        not in tokens
    )


def test_another_user_with_the_same_key_is_independent(app, site):
    form = forms(site)["answer"]
    key = token(logged_in(app, "other"), form)
    for username in ("other", "asker"):
        response = logged_in(app, username).post(
            form.action, data={**form.data, "idempotency_key": key}
        )
        assert response.status_code == 302
    assert count(app, Answer) == 3


def test_a_submit_without_a_token_works_as_before(app, site):
    """Pages rendered before tokens existed still post; they get no protection from retries."""
    form = forms(site)["comment"]
    client = logged_in(app, form.user)
    for _ in range(2):
        assert client.post(form.action, data=form.data).status_code == 302
    assert count(app, Comment) == 2
    assert count(app, IdempotencyKey) == 0


def test_the_key_may_come_as_a_header(app, site):
    form = forms(site)["answer"]
    client = logged_in(app, form.user)
    headers = {"Idempotency-Key": "k" * 22}
    first = client.post(form.action, data=form.data, headers=headers)
    again = client.post(form.action, data=form.data, headers=headers)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, Answer) == 2


def test_other_content_under_a_used_token_is_refused(app, site):
    """Back, change the text, send: not a retry; the page must be opened again."""
    form = forms(site)["answer"]
    client = logged_in(app, form.user)
    key = token(client, form)
    assert client.post(form.action, data={**form.data, "idempotency_key": key}).status_code == 302
    changed = {"body": "やはり別の方法も試しました。結果を共有します。", "idempotency_key": key}
    response = client.post(form.action, data=changed)
    assert response.status_code == 409
    assert "ページを開き直してください" in response.get_data(as_text=True)
    assert count(app, Answer) == 2


def test_a_failed_submit_does_not_use_up_its_token(app, site):
    form = forms(site)["answer"]
    client = logged_in(app, form.user)
    key = token(client, form)
    short = client.post(form.action, data={"body": "短い", "idempotency_key": key})
    assert short.status_code == 422
    assert f'value="{key}"' in short.get_data(as_text=True)  # the form comes back with its token
    assert count(app, IdempotencyKey) == 0
    fixed = client.post(form.action, data={**form.data, "idempotency_key": key})
    assert fixed.status_code == 302
    assert count(app, Answer) == 2


def test_a_flag_refused_with_a_note_can_be_sent_again_with_its_token(app, site):
    """The flag route answers a refusal with a redirect (the transaction commits): the key is
    kept without a result, and the corrected submit takes it over."""
    form = forms(site)["flag"]
    client = logged_in(app, form.user)
    key = token(client, form)
    refused = {**form.data, "reason": "other", "text": "", "idempotency_key": key}
    assert client.post(form.action, data=refused).status_code == 303
    assert count(app, Flag) == 0
    sent = {**form.data, "reason": "other", "text": "宣伝です。", "idempotency_key": key}
    first = client.post(form.action, data=sent)
    again = client.post(form.action, data=sent)
    assert first.status_code == again.status_code == 302
    assert count(app, Flag) == 1


@pytest.mark.parametrize("key", ["short", "x" * 65, "not a token!!!!!!!!!"])
def test_a_malformed_token_is_a_bad_request(app, site, key):
    form = forms(site)["answer"]
    client = logged_in(app, form.user)
    response = client.post(form.action, data={**form.data, "idempotency_key": key})
    assert response.status_code == 400
    assert count(app, Answer) == 1


def test_old_keys_are_pruned(app, site):
    form = forms(site)["comment"]
    client = logged_in(app, form.user)
    for text in ("一つ目のコメントです。", "二つ目のコメントです。"):
        data = {"body": text, "idempotency_key": token(client, form)}
        assert client.post(form.action, data=data).status_code == 302
    with app.app_context():
        old = utcnow() - timedelta(days=2)
        first = db.session.scalars(select(IdempotencyKey).order_by(IdempotencyKey.id)).first()
        db.session.execute(
            update(IdempotencyKey).where(IdempotencyKey.id == first.id).values(created_at=old)
        )
        db.session.commit()
    # The user's next successful submit deletes their keys older than a day.
    data = {"body": "三つ目のコメントです。", "idempotency_key": token(client, form)}
    assert client.post(form.action, data=data).status_code == 302
    assert count(app, IdempotencyKey) == 2
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    # The daily cron command clears everyone's old keys.
    result = app.test_cli_runner().invoke(args=["forms", "prune-tokens"])
    assert result.exit_code == 0 and "form tokens removed: 2" in result.output
    assert count(app, IdempotencyKey) == 0


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="concurrent writers need PostgreSQL (SQLite serialises them with a file lock)",
)
@pytest.mark.parametrize("name", ["ask", "answer", "comment", "book", "flag"])
def test_two_concurrent_identical_submits_make_one(app, site, name):
    form = forms(site)[name]
    clients = [logged_in(app, form.user) for _ in range(2)]
    data = {**form.data, "idempotency_key": token(clients[0], form)}
    before = count(app, form.model)
    barrier = threading.Barrier(len(clients))
    responses, errors = [], []

    def submit(client):
        try:
            barrier.wait(timeout=30)
            responses.append(client.post(form.action, data=data))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            barrier.abort()  # never leave the other thread waiting
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert count(app, form.model) == before + 1
