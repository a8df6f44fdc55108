"""The question page: answers 30 a page, permalinks, collapsed comments, and the answer
fragment cache never serving stale or another viewer's HTML."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.auth.models import Role
from community.casebook.models import CaseLink
from community.db import utcnow
from community.extensions import db
from community.questions.models import Answer, Comment, Question
from tests.conftest import client_as
from tests.factories import make_circle, make_people, user_named

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _thread(app, answers: int, comments_on_first: int = 1, circle: bool = False) -> dict:
    """A question by `asker` with `answers` answers by fresh people, each a second older than
    the next, scores 0 except where changed; the first answer gets `comments_on_first`."""
    with app.app_context():
        people = make_people(answers, prefix="t")
        asker = user_named("asker")
        moderated = make_circle("boss", "bridges", moderators=["mod"]) if circle else None
        q = Question(
            author_id=asker.id,
            title="長寿命化修繕計画の見直しについて",
            body_md="本文",
            body_html="<p>本文</p>",
            circle_id=moderated.id if moderated else None,
            answer_count=answers,
        )
        db.session.add(q)
        db.session.flush()
        start = utcnow() - timedelta(days=1)
        ids = []
        for i, person in enumerate(people):
            a = Answer(
                question_id=q.id,
                author_id=person.id,
                body_md=f"回答その{i}",
                body_html=f"<p>回答その{i}</p>",
                created_at=start + timedelta(seconds=i),
            )
            db.session.add(a)
            db.session.flush()
            ids.append(a.id)
        for j in range(comments_on_first):
            db.session.add(
                Comment(
                    answer_id=ids[0],
                    thread_id=q.id,
                    author_id=user_named("reader").id,
                    body=f"コメント{j}",
                    created_at=start + timedelta(minutes=j),
                )
            )
        db.session.commit()
        return {"question": q.id, "answers": ids}


@pytest.fixture
def people(make_user):
    return {
        "asker": make_user(username="asker"),
        "reader": make_user(username="reader"),
        "member": make_user(username="member"),
        "other": make_user(username="other"),
        "mod": make_user(username="mod"),
        "boss": make_user(username="boss", role=Role.ADMIN),
    }


@contextmanager
def csrf_checked(app):
    """CSRF on for what follows (the clients log in before: login needs no token then)."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _answer_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="post answer[^"]*" id="answer-(\d+)"', html)]


# --- pagination -----------------------------------------------------------------------------


def test_answers_come_thirty_a_page_with_the_accepted_one_first(app, people):
    t = _thread(app, 65)
    ids = t["answers"]
    with app.app_context():
        q = db.session.get(Question, t["question"])
        q.accepted_answer_id = ids[40]
        db.session.get(Answer, ids[10]).score = 3
        db.session.commit()
    c = client_as(app, None)
    first = c.get(f"/questions/{t['question']}").get_data(as_text=True)
    assert _answer_ids(first)[:2] == [ids[40], ids[10]]  # accepted, then most useful
    assert len(_answer_ids(first)) == 30
    assert "65件の回答" in first
    third = c.get(f"/questions/{t['question']}?page=3").get_data(as_text=True)
    # Pages never overlap and together hold every answer once.
    second = c.get(f"/questions/{t['question']}?page=2").get_data(as_text=True)
    shown = _answer_ids(first) + _answer_ids(second) + _answer_ids(third)
    assert sorted(shown) == sorted(ids)
    assert len(_answer_ids(third)) == 5
    # A page past the end shows the last page rather than an empty one.
    assert _answer_ids(c.get(f"/questions/{t['question']}?page=99").get_data(as_text=True)) == (
        _answer_ids(third)
    )


def test_sorts_oldest_and_newest_keep_the_accepted_answer_first(app, people):
    t = _thread(app, 35)
    ids = t["answers"]
    with app.app_context():
        db.session.get(Question, t["question"]).accepted_answer_id = ids[20]
        db.session.commit()
    c = client_as(app, None)
    oldest = _answer_ids(c.get(f"/questions/{t['question']}?sort=oldest").get_data(as_text=True))
    assert oldest[:3] == [ids[20], ids[0], ids[1]]
    newest = _answer_ids(c.get(f"/questions/{t['question']}?sort=newest").get_data(as_text=True))
    assert newest[:3] == [ids[20], ids[34], ids[33]]
    # An unknown sort is the default one, not an error.
    assert c.get(f"/questions/{t['question']}?sort=%00drop").status_code == 200


def test_a_permalink_to_an_answer_lands_on_its_page(app, people):
    t = _thread(app, 65)
    late = t["answers"][64]
    c = client_as(app, None)
    r = c.get(f"/answers/{late}")
    assert r.status_code == 302
    assert r.headers["Location"] == f"/questions/{t['question']}?answer={late}#answer-{late}"
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert f'id="answer-{late}"' in html
    assert '<span aria-current="page">3</span>' in html
    # The pager's links leave the permalink behind (page 1 is page 1, not the answer's page).
    assert (
        f"/questions/{t['question']}?page=1" in html
        and "answer=" not in html.split('class="pagination"')[1].split("</nav>")[0]
    )
    assert c.get("/answers/999999").status_code == 404


def test_posting_an_answer_redirects_to_the_page_that_holds_it(app, people):
    t = _thread(app, 40)
    c = client_as(app, "member")
    r = c.post(f"/questions/{t['question']}/answers", data={"body": "新しい回答です。参考まで。"})
    assert r.status_code == 302
    with app.app_context():
        new = db.session.scalar(select(Answer.id).order_by(Answer.id.desc()).limit(1))
    assert r.headers["Location"].endswith(f"?answer={new}#answer-{new}")
    assert f'id="answer-{new}"' in c.get(r.headers["Location"]).get_data(as_text=True)


def test_a_hidden_answer_is_not_counted_or_paged_for_others(app, people):
    t = _thread(app, 31)
    with app.app_context():
        a = db.session.get(Answer, t["answers"][0])
        a.hidden_at = utcnow()
        a.hidden_reason = "spam"
        db.session.commit()
    html = client_as(app, None).get(f"/questions/{t['question']}").get_data(as_text=True)
    assert len(_answer_ids(html)) == 30 and "?page=2" not in html
    assert f'id="answer-{t["answers"][0]}"' not in html


def test_comments_beyond_five_are_behind_a_link_that_shows_them(app, people):
    t = _thread(app, 2, comments_on_first=8)
    c = client_as(app, None)
    html = c.get(f"/questions/{t['question']}").get_data(as_text=True)
    assert "コメント4" in html and "コメント5" not in html
    link = re.search(r'<p class="more-comments small"><a href="([^"]+)">([^<]+)</a>', html)
    assert link and link.group(2) == "他3件のコメントを表示"
    expanded = c.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert all(f"コメント{j}" in expanded for j in range(8))
    assert "more-comments" not in expanded


# --- the fragment cache ---------------------------------------------------------------------


def test_a_hidden_answer_disappears_at_once_for_a_visitor(app, people):
    t = _thread(app, 3)
    c = client_as(app, None)
    url = f"/questions/{t['question']}"
    assert "回答その1" in c.get(url).get_data(as_text=True)
    assert "回答その1" in c.get(url).get_data(as_text=True)  # now from the cache
    with app.app_context():
        db.session.get(Answer, t["answers"][1]).hidden_at = utcnow()
        db.session.commit()
    assert "回答その1" not in c.get(url).get_data(as_text=True)


def test_an_edit_a_vote_and_a_renamed_author_show_at_once(app, people):
    t = _thread(app, 2)
    c = client_as(app, None)
    url = f"/questions/{t['question']}"
    c.get(url)
    with app.app_context():
        a = db.session.get(Answer, t["answers"][0])
        a.body_html = "<p>書き直した回答</p>"
        a.edited_at = utcnow()
        a.score = 7
        a.author.display_name = "改名した人"
        db.session.commit()
    html = c.get(url).get_data(as_text=True)
    assert "書き直した回答" in html and "改名した人" in html
    assert '<span class="score" data-score>7</span>' in html


def test_moderator_controls_never_reach_a_member(app, people):
    t = _thread(app, 3, circle=True)
    url = f"/questions/{t['question']}"
    mod_html = client_as(app, "mod").get(url).get_data(as_text=True)
    assert "/moderation/items/answer/" in mod_html and "mod-tools" in mod_html
    for viewer in ("member", None):
        html = client_as(app, viewer).get(url).get_data(as_text=True)
        assert "/moderation/items/answer/" not in html
        assert "mod-tools" not in html and "モデレーター用ツール" not in html


def test_the_asker_alone_gets_accept_buttons(app, people):
    t = _thread(app, 2)
    url = f"/questions/{t['question']}"
    assert client_as(app, "asker").get(url).get_data(as_text=True).count('name="answer_id"') >= 2
    for viewer in ("member", None):
        html = client_as(app, viewer).get(url).get_data(as_text=True)
        assert f"/questions/{t['question']}/accept" not in html


def test_my_vote_is_mine_and_my_answer_has_my_buttons(app, people):
    t = _thread(app, 3)
    url = f"/questions/{t['question']}"
    target = t["answers"][1]
    member = client_as(app, "member")
    with csrf_checked(app):
        html = member.get(url).get_data(as_text=True)
        token = CSRF_RE.search(html).group(1)
        r = member.post(f"/answers/{target}/vote", data={"value": "up", "csrf_token": token})
    assert r.status_code in (200, 302)
    mine = member.get(url).get_data(as_text=True)
    block = mine.split(f'id="answer-{target}"')[1].split('class="post answer')[0]
    assert 'class="vote-btn on"' in block
    # Another member sees the same answer unpressed (never the first member's page).
    theirs = client_as(app, "other").get(url).get_data(as_text=True)
    block = theirs.split(f'id="answer-{target}"')[1].split('class="post answer')[0]
    assert 'class="vote-btn on"' not in block and 'class="vote-btn"' in block
    # The author of an answer gets its edit link and no vote or flag on it.
    with app.app_context():
        author = db.session.get(Answer, target).author.username
    own = client_as(app, author).get(url).get_data(as_text=True)
    block = own.split(f'id="answer-{target}"')[1].split('class="post answer')[0]
    assert f"/answers/{target}/edit" in block
    assert "vote-btn" not in block and "flag-link" not in block


def test_forms_in_shared_fragments_carry_this_sessions_token_and_fresh_keys(app, people):
    t = _thread(app, 4)
    url = f"/questions/{t['question']}"
    member, other = client_as(app, "member"), client_as(app, "other")
    with csrf_checked(app):
        first = member.get(url).get_data(as_text=True)  # fills the cache
        html = other.get(url).get_data(as_text=True)
    assert "\x00" not in html and "\x00" not in first
    tokens = set(CSRF_RE.findall(html))
    assert len(tokens) == 1 and tokens.isdisjoint(CSRF_RE.findall(first))
    keys = KEY_RE.findall(html)
    assert len(keys) == len(set(keys)) > 4  # one per form, never shared
    # The token works: a vote from a cached fragment's form is accepted.
    with csrf_checked(app):
        r = other.post(
            f"/answers/{t['answers'][0]}/vote", data={"value": "up", "csrf_token": tokens.pop()}
        )
    assert r.status_code in (200, 302)
    with app.app_context():
        assert db.session.get(Answer, t["answers"][0]).score == 1


def test_a_comment_by_me_makes_the_answer_mine(app, people):
    t = _thread(app, 2)
    url = f"/questions/{t['question']}"
    html = client_as(app, "reader").get(url).get_data(as_text=True)
    block = html.split(f'id="answer-{t["answers"][0]}"')[1].split('class="post answer')[0]
    comment = block.split("コメント0")[1].split("</li>")[0]
    assert "flag-link" not in comment  # no flag on one's own comment
    html = client_as(app, "member").get(url).get_data(as_text=True)
    block = html.split(f'id="answer-{t["answers"][0]}"')[1].split('class="post answer')[0]
    assert "flag-link" in block.split("コメント0")[1].split("</li>")[0]


def test_the_flag_link_opens_a_form_for_that_post(app, people):
    t = _thread(app, 1)
    c = client_as(app, "member")
    html = c.get(f"/questions/{t['question']}").get_data(as_text=True)
    href = re.search(r'class="flag-link small" rel="nofollow" href="([^"]+)"', html).group(1)
    page = c.get(href.replace("&amp;", "&"))
    assert page.status_code == 200
    assert "本文" in page.get_data(as_text=True) or "長寿命化" in page.get_data(as_text=True)
    assert c.get("/flags/new?target_type=answer&target_id=999999").status_code == 404
    assert c.get("/flags/new?target_type=nonsense&target_id=1").status_code == 404
    assert client_as(app, None).get(href.replace("&amp;", "&")).status_code == 302  # log in


def test_with_redis_down_the_page_is_rendered_anyway(app, people):
    from community import fragments

    t = _thread(app, 3)
    saved = app.extensions["fragments"]
    # A port nobody listens on: every cache call fails fast.
    app.extensions["fragments"] = fragments.RedisStore(
        "redis://127.0.0.1:1/0", {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}
    )
    try:
        r = client_as(app, None).get(f"/questions/{t['question']}")
    finally:
        app.extensions["fragments"] = saved
    assert r.status_code == 200 and "回答その2" in r.get_data(as_text=True)


def test_redis_store_shares_fragments_between_processes(app, people):
    import os

    from community import fragments

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    store = fragments.RedisStore(url, {})
    store.set_many({"test-a": "<p>あ</p>"})
    assert store.get_many(["test-a", "test-missing"]) == {"test-a": "<p>あ</p>"}
    t = _thread(app, 3)
    saved = app.extensions["fragments"]
    app.extensions["fragments"] = store
    try:
        first = client_as(app, None).get(f"/questions/{t['question']}").get_data(as_text=True)
        with app.app_context():
            db.session.get(Answer, t["answers"][2]).hidden_at = utcnow()
            db.session.commit()
        second = client_as(app, None).get(f"/questions/{t['question']}").get_data(as_text=True)
    finally:
        app.extensions["fragments"] = saved
    assert "回答その2" in first and "回答その2" not in second


# --- the visitors' page cache (questions/page_cache.py) -------------------------------------


def _version(app, question_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Question.version).where(Question.id == question_id))


def test_a_visitors_page_is_served_from_the_cache_and_visits_do_not_change_it(
    app, people, count_queries
):
    t = _thread(app, 40)
    url = f"/questions/{t['question']}"
    client_as(app, None).get(url, headers={"User-Agent": "first"})
    before = _version(app, t["question"])
    with count_queries() as q:
        second = client_as(app, None).get(url, headers={"User-Agent": "second"})  # a new view
    assert second.status_code == 200 and "回答その3" in second.get_data(as_text=True)
    # The question with its circle, the view's insert and counter: no answers, no comments.
    assert q.count <= 5, q.count
    assert _version(app, t["question"]) == before  # counting a view is not a change
    assert "2回閲覧" in second.get_data(as_text=True)


def test_the_view_count_is_filled_in_per_request(app, people):
    t = _thread(app, 1)
    url = f"/questions/{t['question']}"
    visitor = client_as(app, None)
    seen = [
        re.search(r"(\d+)回閲覧", visitor.get(url, headers={"User-Agent": ua}).get_data(True))[1]
        for ua in ("a", "b", "b", "c")  # one view per visitor a day
    ]
    assert seen == ["1", "2", "2", "3"]
    english = visitor.get(url, headers={"User-Agent": "c", "Accept-Language": "en"})
    assert "3 views" in english.get_data(as_text=True) or "3回閲覧" in english.get_data(True)


@pytest.mark.parametrize(
    "change",
    ["vote", "accept", "rename", "organisation", "comment", "case_link", "case_title", "lock"],
)
def test_every_change_to_the_thread_shows_to_visitors_at_once(app, people, change):
    from tests.factories import make_case

    t = _thread(app, 3)
    qid, target = t["question"], t["answers"][1]
    url = f"/questions/{qid}"
    visitor = client_as(app, None)
    with app.app_context():
        editor = make_user_with_role("edi", Role.EDITOR)
        case = make_case(editor, "kyoto-bridges")
        db.session.add(CaseLink(question_id=qid, case_id=case.id, note=""))
        db.session.commit()
        case_type, case_id = type(case), case.id
    before = visitor.get(url).get_data(as_text=True)
    if change == "vote":
        assert client_as(app, "member").post(f"/answers/{target}/vote", data={"value": "up"})
        check = lambda html: '<span class="score" data-score>1</span>' in html  # noqa: E731
    elif change == "accept":
        r = client_as(app, "asker").post(f"/questions/{qid}/accept", data={"answer_id": target})
        assert r.status_code == 302
        check = lambda html: "accepted-label" in html  # noqa: E731
    else:
        with app.app_context():
            answer = db.session.get(Answer, target)
            if change == "rename":
                answer.author.display_name = "改名後の名前"
                check = lambda html: "改名後の名前" in html  # noqa: E731
            elif change == "organisation":
                answer.author.profile.organisation = "架空町役場 建設課"
                check = lambda html: "架空町役場 建設課" in html  # noqa: E731
            elif change == "comment":
                db.session.add(
                    Comment(
                        answer_id=target,
                        thread_id=qid,
                        author_id=user_named("member").id,
                        body="追加のコメント",
                    )
                )
                check = lambda html: "追加のコメント" in html  # noqa: E731
            elif change == "case_link":
                db.session.delete(db.session.scalar(select(CaseLink)))
                check = lambda html: "kyoto-bridges" not in html  # noqa: E731
            elif change == "case_title":
                db.session.get(case_type, case_id).title = "改題した事例"
                check = lambda html: "改題した事例" in html  # noqa: E731
            elif change == "lock":
                db.session.get(Question, qid).locked = True
                check = lambda html: "banner-inline" in html  # noqa: E731
            db.session.commit()
    assert not check(before)
    assert check(visitor.get(url).get_data(as_text=True)), change


def make_user_with_role(username: str, role: Role):
    from tests.factories import make_user

    return make_user(username=username, role=role)


def test_a_circle_turned_private_hides_its_cached_pages_at_once(app, people):
    from community.circles.models import Circle, CircleVisibility

    t = _thread(app, 2, circle=True)
    url = f"/questions/{t['question']}"
    visitor = client_as(app, None)
    assert visitor.get(url).status_code == 200
    with app.app_context():
        db.session.scalar(select(Circle)).visibility = CircleVisibility.PRIVATE
        db.session.commit()
    assert visitor.get(url).status_code == 404


def test_a_hidden_or_deleted_question_is_not_served_from_the_cache(app, people):
    t = _thread(app, 0, comments_on_first=0)
    url = f"/questions/{t['question']}"
    visitor = client_as(app, None)
    assert "長寿命化修繕計画" in visitor.get(url).get_data(as_text=True)
    with app.app_context():
        db.session.get(Question, t["question"]).hidden_at = utcnow()
        db.session.commit()
    assert visitor.get(url).status_code == 404
    with app.app_context():
        db.session.delete(db.session.get(Question, t["question"]))
        db.session.commit()
    assert visitor.get(url).status_code == 404
    # SQLite may give the next question the same id: it shows as itself.
    with app.app_context():
        q = Question(
            author_id=user_named("asker").id, title="別の新しい質問", body_md="x", body_html="x"
        )
        db.session.add(q)
        db.session.commit()
        new_url = f"/questions/{q.id}"
    assert "別の新しい質問" in visitor.get(new_url).get_data(as_text=True)


def test_other_query_strings_and_pending_messages_are_not_cached(app, people, count_queries):
    t = _thread(app, 3)
    url = f"/questions/{t['question']}"
    visitor = client_as(app, None)
    visitor.get(url)
    with count_queries() as cached:
        visitor.get(url)
    with count_queries() as uncached:
        r = visitor.get(url + "?utm_source=mail")
    assert r.status_code == 200 and uncached.count > cached.count


def test_a_case_renamed_shows_at_once_where_a_comment_mentions_it(app, people):
    from community.casebook.models import Case
    from tests.factories import make_case

    t = _thread(app, 1, comments_on_first=0)
    with app.app_context():
        make_case(make_user_with_role("edi", Role.EDITOR), "gifu-me")
        db.session.add(
            Comment(
                answer_id=t["answers"][0],
                thread_id=t["question"],
                author_id=user_named("reader").id,
                body="#case:gifu-me が参考になります",
            )
        )
        db.session.commit()
    url = f"/questions/{t['question']}"
    for viewer in (None, "member"):
        client = client_as(app, viewer)
        assert "事例 gifu-me のタイトル" in client.get(url).get_data(as_text=True)
        with app.app_context():
            db.session.scalar(select(Case)).title = f"改題 {viewer}"
            db.session.commit()
        assert f"改題 {viewer}" in client.get(url).get_data(as_text=True)
        with app.app_context():
            db.session.scalar(select(Case)).title = "事例 gifu-me のタイトル"
            db.session.commit()


def test_a_visitors_page_on_postgresql_runs_without_a_transaction_and_leaves_none_behind(
    app, people, count_queries
):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite keeps its transaction (questions/page_cache.read_without_transaction)")
    t = _thread(app, 3)
    url = f"/questions/{t['question']}"
    visitor = client_as(app, None)
    visitor.get(url, headers={"User-Agent": "once"})
    with count_queries() as q:
        page = visitor.get(url, headers={"User-Agent": "twice"})  # a new view: one statement
    assert page.status_code == 200 and "2回閲覧" in page.get_data(as_text=True)
    writes = [
        s for s in q.statements if s.lstrip().upper().startswith(("WITH", "INSERT", "UPDATE"))
    ]
    assert len(writes) == 1 and "INSERT INTO question_views" in writes[0]
    # The pooled connection goes back to transactions for whoever uses it next.
    with app.app_context():
        dbapi = db.session.connection().connection.dbapi_connection
        assert dbapi.autocommit is False
        assert (
            db.session.scalar(select(Question.view_count).where(Question.id == t["question"])) == 2
        )
