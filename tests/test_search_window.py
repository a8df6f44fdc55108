"""Search ranks a window of the most recently active matches of each kind (search/window.py):
totals stop at the window and say so, each kind has its own window, hidden and private posts
are never counted, and PostgreSQL's two ways of filling the window agree with each other and
with SQLite."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select, text

from community.auth.models import Role, User
from community.casebook import services as casebook
from community.circles.models import Circle, CircleVisibility
from community.extensions import db
from community.moderation import services as moderation
from community.questions import services as qa
from community.questions.models import Question
from community.search import pages, postgres_walk, services, visibility
from community.search.tokens import parse
from tests import factories

ANON = AnonymousUserMixin()


@pytest.fixture
def small_window(app):
    def set_size(n: int) -> None:
        app.config["SEARCH_WINDOW"] = n

    yield set_size
    app.config["SEARCH_WINDOW"] = 1000


def _asker() -> User:
    user = db.session.scalar(select(User).where(User.username == "asker"))
    return user or factories.make_user(username="asker")


def ask(
    title: str, body: str = "本文です。状況を詳しく書きますので、ご意見をお聞かせください。", **data
) -> int:
    question = qa.ask(_asker(), {"title": title, "body": body, **data})
    db.session.commit()
    return question.id


def search(query: str, kind: str = "question", viewer=ANON, **kwargs):
    res = services.search(viewer, query, kinds=(kind,), per_kind=100, **kwargs)
    return {h.ref_id for h in res.groups[kind]}, res.totals[kind], res.capped[kind]


def test_totals_stop_at_the_window_and_say_so(ctx, small_window):
    ids = [ask(f"橋梁の点検についての質問 その{i}") for i in range(6)]
    small_window(4)
    found, total, capped = search("橋梁")
    assert (found, total, capped) == (set(ids[2:]), 4, True)
    small_window(6)
    assert search("橋梁") == (set(ids), 6, False)


def test_activity_brings_an_old_question_into_the_window(ctx, small_window):
    ids = [ask(f"下水道の更新計画についての質問 その{i}") for i in range(5)]
    small_window(2)
    assert search("下水道")[0] == {ids[3], ids[4]}
    qa.answer(_asker(), db.session.get(Question, ids[0]), "管更生工法を比較しました。")
    db.session.commit()
    assert search("下水道")[0] == {ids[0], ids[4]}


def test_each_kind_has_its_own_window(ctx, small_window):
    for i in range(5):
        ask(f"舗装の修繕についての質問 その{i}")
    editor = factories.make_user(username="editor", role=Role.EDITOR)
    case = casebook.save_case(
        editor,
        None,
        casebook.CaseInput(
            slug="paving",
            title="舗装の修繕を一括発注した事例",
            direction="outside",
            status="published",
        ),
    )
    circle = Circle(slug="paving", name_ja="舗装の会", name_en="Paving")
    db.session.add(circle)
    db.session.commit()
    small_window(2)
    assert search("舗装", "case")[0] == {case.id}
    assert search("舗装", "circle")[0] == {circle.id}
    assert search("舗装")[1:] == (2, True)


def test_hidden_and_private_posts_in_the_window_are_not_counted(ctx, small_window):
    admin = factories.make_user(username="boss", role=Role.ADMIN)
    secret = Circle(
        slug="secret", name_ja="非公開", name_en="Secret", visibility=CircleVisibility.PRIVATE
    )
    db.session.add(secret)
    db.session.commit()
    older = [ask(f"擁壁のひび割れについて その{i}") for i in range(3)]
    hidden = ask("擁壁のひび割れについて 非表示になる質問")
    moderation.resolve(admin, "question", hidden, "hide", "個人情報")
    private = ask("擁壁のひび割れについて 非公開の会の質問")
    db.session.get(Question, private).circle_id = secret.id
    newest = ask("擁壁のひび割れについて 最新の質問")
    small_window(4)
    # A hidden post leaves the index. The window fills with what the viewer may see: the
    # private circle's question takes no room, is not counted, and does not make the count
    # read "more" (which would tell an outsider that private posts contain the word).
    assert search("擁壁") == ({*older, newest}, 4, False)
    # An administrator sees the private circle's question; hidden posts stay out of search.
    assert search("擁壁", viewer=admin) == ({older[1], older[2], private, newest}, 4, True)


def test_filters_apply_while_the_window_fills(ctx, small_window):
    """A common word with a narrow filter finds every match the filter keeps, not only those
    among the newest matches of the word."""
    bridge = [ask(f"橋梁の点検計画について その{i}", field="bridge") for i in range(2)]
    for i in range(5):
        ask(f"橋梁の架け替えの住民説明について その{i}")
    small_window(2)
    assert search("橋梁", filters={"field": "bridge"}) == (set(bridge), 2, False)
    small_window(1)
    assert search("橋梁", filters={"field": "bridge"}) == ({bridge[1]}, 1, True)


@pytest.mark.parametrize(
    ("probe", "dense", "walk"),
    [(10_000, 0.06, 20_000), (3, 0.0, 20_000), (3, 2.0, 20_000), (2, 0.0, 1)],
    ids=["probe-sees-everything", "walk-backwards", "through-the-index", "walk-a-row-at-a-time"],
)
def test_every_way_of_filling_the_window_gives_the_same_results(
    ctx, small_window, monkeypatch, probe, dense, walk
):
    """On PostgreSQL a probe chooses how to fill the window (and a walk may take several
    statements); on SQLite there is one way. Either way, the window is exactly the newest
    matches."""
    monkeypatch.setattr(postgres_walk, "PROBE", probe)
    monkeypatch.setattr(postgres_walk, "DENSE", dense)
    monkeypatch.setattr(postgres_walk, "WALK", walk)
    words = ["橋梁", "下水道", "舗装", "橋梁と下水道", "町の舗装", "村の橋梁"]
    ids = {
        w: ask(f"{w}についての質問です", f"{w}の{i}番目の相談です。よろしくお願いいたします。")
        for i, w in enumerate(words)
    }
    newest_first = sorted(ids.values(), reverse=True)
    for term, size in [("橋梁", 2), ("橋梁", 10), ("町", 1), ("下水道", 5), ("梁 下水", 10)]:
        small_window(size)
        matching = [
            i
            for i in newest_first
            if all(any(t in w for w in [k for k, v in ids.items() if v == i]) for t in term.split())
        ]
        expected = set(matching[:size])
        assert search(term) == (expected, len(expected), len(matching) > size), term
    if db.engine.dialect.name == "postgresql":
        settings = db.session.execute(
            text("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')")
        ).one()
        assert tuple(settings) == ("on", "on"), "planner settings are restored"


def test_search_page_says_when_more_matched_than_were_ranked(app, small_window, make_user):
    with app.app_context():
        for i in range(4):
            ask(f"道路照明灯のLED化について その{i}")
    client = app.test_client()
    small_window(3)
    page = client.get("/search", query_string={"q": "照明", "type": "question"}).get_data(True)
    assert "3+" in page
    assert "capped-note" in page
    page = client.get("/search", query_string={"q": "照明"}).get_data(True)
    assert "3+" in page and "capped-note" not in page
    assert "type=question" in page  # a link to the questions' own pages, though all 3 are shown
    small_window(10)
    page = client.get("/search", query_string={"q": "照明", "type": "question"}).get_data(True)
    assert "4+" not in page and "capped-note" not in page


def test_a_window_size_below_one_is_one(ctx, small_window):
    ids = [ask(f"道路照明灯の更新について その{i}") for i in range(2)]
    small_window(0)
    assert search("照明") == ({ids[1]}, 1, True)
    small_window(-5)
    assert search("照明") == ({ids[1]}, 1, True)


def test_a_failing_index_statement_reports_its_own_error(ctx):
    """On PostgreSQL the planner settings around the GIN statement are put back only when it
    succeeds: after a failure the transaction is aborted and its rollback discards them, and
    putting them back would replace the real error with "transaction aborted"."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the planner settings are PostgreSQL's")
    from sqlalchemy.exc import DataError

    with pytest.raises(DataError, match="division by zero"):
        postgres_walk._through_the_index(text("SELECT 1 / 0"))
    db.session.rollback()
    settings = db.session.execute(
        text("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')")
    ).one()
    assert tuple(settings) == ("on", "on")


@pytest.mark.parametrize("size", [1000, 3])
def test_the_page_ranked_from_the_walk_is_the_page_ranked_in_sql(ctx, small_window, size):
    """PostgreSQL ranks the page from the rows the walk read (pages.postgres_page): the same
    documents in the same order, with the same ranks, total and cap as ranking them in SQL
    (pages.sql_page), with ties and words in different posts among them."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the walk is PostgreSQL's")
    body = "本文です。状況を詳しく書きますので、ご意見をお聞かせください。"
    # The same text: the same rank, ordered by time (the oldest, answered last, first), then id.
    same = [ask("橋梁の点検についての質問です", body) for _ in range(3)]
    ask("橋梁点検の点検と橋梁の点検の質問", body)
    apart = [
        ("橋梁の架け替えについての相談", "点検は5年ごとに行います。"),
        ("点検の予算についての質問です", "橋梁の台帳を添付しました。"),
        ("橋梁の点検の記録についての質問", "点検票を添付しました。"),
    ]
    for title, answer in apart:
        question = db.session.get(Question, ask(title, body))
        qa.answer(_asker(), question, answer)
        db.session.commit()
    qa.answer(_asker(), db.session.get(Question, same[0]), "ありがとうございました。助かります。")
    db.session.commit()
    small_window(size)
    for query in ["橋梁 点検", "橋梁", "点検 記録"]:
        terms = parse(query)
        allowed = visibility.allowed("question", ANON, {})
        for page in (1, 2, 3, 4, 9):
            rows, total, capped = pages.postgres_page("question", terms, allowed, page, 2)
            in_sql, total_sql, capped_sql = pages.sql_page("question", terms, allowed, page, 2)
            assert [(r.ref_id, r.rank) for r in rows] == [(r.ref_id, r.rank) for r in in_sql]
            assert (total, capped) == (total_sql, capped_sql), (query, page)
