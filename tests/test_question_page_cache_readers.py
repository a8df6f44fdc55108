"""Question pages shared by signed-in readers of the same class (questions/member_pages.py):
the same HTML as rendering afresh, never another reader's name, vote, follow or controls."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.circles.models import Circle, CircleVisibility
from community.db import utcnow
from community.extensions import db
from community.notifications.models import Notification
from community.questions.models import QuestionFollow
from tests.conftest import client_as
from tests.factories import user_named
from tests.test_question_page_cache import _thread, people  # noqa: F401 - a fixture

TOKEN_RE = re.compile(r'(name="csrf_token"[^>]*value="|name="csrf-token" content=")[^"]+')
KEY_RE = re.compile(r'(name="idempotency_key"[^>]*value=")[^"]+')
VIEWS_RE = re.compile(r"\d+回閲覧")


def _normal(html: str) -> str:
    """The page without what differs per response (token, one-time keys, view count)."""
    return VIEWS_RE.sub("N回閲覧", KEY_RE.sub(r"\1K", TOKEN_RE.sub(r"\1T", html)))


def _fresh(app, client, url: str) -> str:
    """The page rendered with no cache at all, for comparison."""
    store = app.extensions["fragments"]
    app.extensions["fragments"] = None
    try:
        return client.get(url).get_data(as_text=True)
    finally:
        app.extensions["fragments"] = store


@pytest.fixture
def thread(app, request):
    """Six answers in an open circle moderated by `mod`; the people of `people` exist."""
    request.getfixturevalue("people")
    return _thread(app, 6, circle=True)


def _served_from_cache(app, client, url, count_queries) -> tuple[str, int]:
    client.get(url)  # fills the cache (or not)
    with count_queries() as q:
        html = client.get(url).get_data(as_text=True)
    return html, q.statements


def test_a_plain_readers_page_is_shared_and_the_same_as_rendered_afresh(app, thread, count_queries):
    url = f"/questions/{thread['question']}"
    member = client_as(app, "member")
    html, count = _served_from_cache(app, member, url, count_queries)
    # The user, then one statement: the question, the circle membership, the reader's stake,
    # today's view, the bell and the moderator check. No answers, comments or authors, and no
    # write for a view already counted today.
    assert len(count) <= 2, "\n".join(q[:100] for q in count)
    assert "回答その5" in html and "\x00" not in html
    assert _normal(html) == _normal(_fresh(app, member, url))


@pytest.mark.parametrize("who", ["member", "mod", "boss", "asker", "reader", "unconfirmed"])
def test_every_kind_of_reader_gets_the_page_they_would_get_afresh(app, thread, who):
    from tests.factories import make_user

    if who == "unconfirmed":
        with app.app_context():
            make_user(username="unconfirmed", confirmed=False)
            db.session.commit()
    url = f"/questions/{thread['question']}"
    # Another reader fills the cache first, then this one is served (from it, where allowed).
    client_as(app, "other").get(url)
    client = client_as(app, who)
    client.get(url)
    html = client.get(url).get_data(as_text=True)
    assert _normal(html) == _normal(_fresh(app, client, url)), who


def test_each_reader_sees_their_own_name_and_bell_on_a_shared_page(app, thread):
    url = f"/questions/{thread['question']}"
    with app.app_context():
        other = user_named("other")
        other.display_name = "別の読者さん"
        db.session.add(Notification(user_id=other.id, kind="mention", text="お知らせ", url="/"))
        db.session.commit()
    first = client_as(app, "member").get(url).get_data(as_text=True)
    second = client_as(app, "other").get(url).get_data(as_text=True)
    assert "別の読者さん" in second and "別の読者さん" not in first
    assert 'data-unread="1"' in second and 'data-unread="0"' in first


def test_a_follow_a_vote_and_an_answer_vote_stay_with_the_reader(app, thread):
    qid, target = thread["question"], thread["answers"][2]
    url = f"/questions/{qid}"
    member, other = client_as(app, "member"), client_as(app, "other")
    other.get(url)
    member.get(url)
    assert member.post(f"/questions/{qid}/follow").status_code in (200, 302)
    assert member.post(f"/questions/{qid}/vote", data={"value": "up"}).status_code in (200, 302)
    mine = member.get(url).get_data(as_text=True)
    theirs = other.get(url).get_data(as_text=True)
    assert "フォロー解除" in mine and "フォロー解除" not in theirs
    head = lambda html: html.split('id="question"')[1].split("qbody")[0]  # noqa: E731
    assert "vote-btn on" in head(mine) and "vote-btn on" not in head(theirs)
    assert member.post(f"/answers/{target}/vote", data={"value": "up"}).status_code in (200, 302)
    mine = member.get(url).get_data(as_text=True)
    theirs = other.get(url).get_data(as_text=True)
    block = lambda html: html.split(f'id="answer-{target}"')[1].split('class="post answer')[0]  # noqa: E731
    assert 'class="vote-btn on"' in block(mine)
    assert 'class="vote-btn on"' not in block(theirs)


def test_moderator_controls_never_reach_a_member_through_the_shared_page(app, thread):
    url = f"/questions/{thread['question']}"
    mod = client_as(app, "mod")
    mod.get(url)
    assert "mod-tools" in mod.get(url).get_data(as_text=True)
    html = client_as(app, "member").get(url).get_data(as_text=True)
    assert "mod-tools" not in html and "/moderation/items/answer/" not in html


def test_a_suspended_reader_sees_their_suspension_not_a_shared_page(app, thread):
    url = f"/questions/{thread['question']}"
    client_as(app, "other").get(url)
    member = client_as(app, "member")
    with app.app_context():
        user = user_named("member")
        user.suspended_until = utcnow() + timedelta(days=3)
        user.suspension_reason = "テスト用の停止理由"
        db.session.commit()
    html = member.get(url).get_data(as_text=True)
    assert "テスト用の停止理由" in html and 'id="answer-form"' not in html


def test_a_private_circles_page_reaches_its_members_only(app, thread):
    url = f"/questions/{thread['question']}"
    with app.app_context():
        db.session.scalar(select(Circle)).visibility = CircleVisibility.PRIVATE
        db.session.commit()
    mod = client_as(app, "mod")  # a moderator of the circle, so a member of it
    assert mod.get(url).status_code == 200 and mod.get(url).status_code == 200
    assert client_as(app, "member").get(url).status_code == 404


def test_unfollowing_shows_at_once_on_the_shared_page(app, thread):
    qid = thread["question"]
    url = f"/questions/{qid}"
    with app.app_context():
        db.session.add(QuestionFollow(question_id=qid, user_id=user_named("member").id))
        db.session.commit()
    member = client_as(app, "member")
    assert "フォロー解除" in member.get(url).get_data(as_text=True)
    assert member.post(f"/questions/{qid}/follow").status_code in (200, 302)
    member.get(url)  # the flash message, shown once
    assert "フォロー解除" not in member.get(url).get_data(as_text=True)


def test_reading_the_question_reads_its_notifications_in_the_bell(app, thread):
    qid = thread["question"]
    url = f"/questions/{qid}"
    client_as(app, "other").get(url)
    with app.app_context():
        member = user_named("member").id
        for about in (qid, qid, None):  # two about this question, one about nothing
            db.session.add(
                Notification(user_id=member, kind="answer", question_id=about, text="回答", url="/")
            )
        db.session.commit()
    html = client_as(app, "member").get(url).get_data(as_text=True)
    assert 'data-unread="1"' in html
    with app.app_context():
        unread = db.session.scalars(
            select(Notification.question_id).where(
                Notification.user_id == member, Notification.read_at.is_(None)
            )
        ).all()
    assert unread == [None]


def test_a_readers_view_counts_once_a_day(app, thread):
    url = f"/questions/{thread['question']}"
    member, other = client_as(app, "member"), client_as(app, "other")
    seen = [
        int(re.search(r"(\d+)回閲覧", c.get(url).get_data(as_text=True))[1])
        for c in (member, member, other, other, member)
    ]
    assert seen == [1, 1, 2, 2, 2]  # each sees their own view counted


def test_every_form_on_a_shared_page_gets_a_fresh_one_time_key_per_response(app, thread):
    url = f"/questions/{thread['question']}"
    member = client_as(app, "member")
    keys = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')
    first, second = (keys.findall(member.get(url).get_data(as_text=True)) for _ in range(2))
    # The answer form, the question's comment form and each answer's: all drawn per response.
    assert len(first) == len(second) >= 3
    assert set(first).isdisjoint(second) and len(set(first)) == len(first)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,}", k) for k in first + second)
