"""A question's index rows are its parts (the question, each answer, each comment): a change to
one post writes that post's rows and moves the question's own rows, whatever the size of the
thread; edits, hides and deletions of one post are found (or no longer found) at once; words in
different posts of a thread still find it together."""

from __future__ import annotations

import re

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from community.auth.models import Role
from community.extensions import db
from community.moderation import services as moderation
from community.questions import services as qa
from community.questions.models import Comment, Question
from community.search import services as search_services
from community.search.documents import (
    HEAD,
    PART_SECTIONS,
    answer_part,
    comment_part,
    section_range,
)
from community.search.models import SearchEntry
from tests import factories
from tests.factories import user_named

ANON = AnonymousUserMixin()
BODY = "点検記録の様式を見直したいです。ご意見をお聞かせください。"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b.*\bsearch_entries\b", re.I | re.S)


def _found(query: str, viewer=ANON) -> set[int]:
    res = search_services.search(viewer, query, kinds=("question",), per_kind=100)
    return {h.ref_id for h in res.groups["question"]}


def _rows(question_id: int) -> dict[int, tuple[int, str]]:
    """section → (id, body) of one question's rows."""
    rows = db.session.execute(
        select(SearchEntry.section, SearchEntry.id, SearchEntry.body).where(
            SearchEntry.kind == "question", SearchEntry.ref_id == question_id
        )
    )
    return {s: (i, body) for s, i, body in rows}


def _part(rows: dict[int, tuple[int, str]], part: int) -> dict[int, tuple[int, str]]:
    first, end = section_range(part)
    return {s: v for s, v in rows.items() if first <= s < end}


def _thread(answers: int) -> Question:
    factories.make_user(username="asker")
    factories.make_user(username="helper")
    question = factories.ask("asker", "橋梁の点検記録の様式について", BODY)
    for i in range(answers):
        qa.answer(
            user_named("helper"),
            question,
            f"回答その{i}です。様式は国の要領に合わせました。",
        )
    db.session.commit()
    return question


def _post(question: Question, body: str, count_queries) -> list[str]:
    """Post one answer and commit; the statements that wrote search_entries."""
    with count_queries() as q:
        qa.answer(user_named("helper"), question, body)
        db.session.commit()
    return [s for s in q.statements if WRITES.match(s)]


def test_posting_an_answer_writes_that_answer_and_moves_the_question_only(ctx, count_queries):
    question = _thread(2)
    before = _rows(question.id)
    writes = _post(question, "三つ目の回答です。写真台帳を添付します。", count_queries)
    after = _rows(question.id)

    new = {s: v for s, v in after.items() if s not in before}
    assert len(new) == 1
    (section,) = new
    assert section // PART_SECTIONS != HEAD and section % PART_SECTIONS == 0
    assert new[section][1] == "三つ目の回答です。写真台帳を添付します。"
    # The earlier answers' rows are untouched (same ids); the question's own moved to the end.
    for s, (row_id, body) in before.items():
        if s >= PART_SECTIONS:
            assert after[s] == (row_id, body)
        else:
            assert after[s][1] == body and after[s][0] > max(i for i, _b in before.values())
    # One upsert of the answer's rows, one trim of its stale sections, one move of the head.
    assert len(writes) == 3, writes


def test_the_61st_answer_writes_as_much_as_the_1st(ctx, count_queries):
    small = _thread(0)
    first = _post(small, "最初の回答です。写真台帳を添付します。", count_queries)
    big = _thread_more(60)
    before = _rows(big.id)
    last = _post(big, "六十一番目の回答です。写真台帳を添付します。", count_queries)
    assert len(last) == len(first) == 3
    after = _rows(big.id)
    assert len(after) == len(before) + 1
    changed = [s for s in after if s not in before or after[s][0] != before[s][0]]
    # The new answer's row and the question's own row: nothing else of the 60 answers.
    assert len(changed) == 2 and HEAD in changed


def _thread_more(answers: int) -> Question:
    question = factories.ask("asker", "下水道の台帳の電子化について", BODY)
    helper = user_named("helper")
    for i in range(answers):
        qa.answer(helper, question, f"回答その{i}です。よろしくお願いします。")
    db.session.commit()
    return question


def test_an_edited_answer_is_found_by_its_new_text_only(ctx):
    question = _thread(2)
    post = qa.answer(user_named("helper"), question, "マンホール蓋の更新を先に計画しました。")
    db.session.commit()
    assert _found("マンホール蓋") == {question.id}
    qa.edit_answer(user_named("helper"), post, "管更生工法の比較表を作りました。")
    db.session.commit()
    assert _found("マンホール蓋") == set()
    assert _found("管更生工法") == {question.id}
    assert len(_part(_rows(question.id), answer_part(post.id))) == 1


def test_a_hidden_answer_is_no_longer_found_and_the_others_stay(ctx):
    question = _thread(2)
    boss = factories.make_user(username="boss", role=Role.ADMIN)
    member = factories.make_user(username="member")
    post = qa.answer(user_named("helper"), question, "擁壁のひび割れは番地を書くと特定されます。")
    db.session.commit()
    others = {s: v for s, v in _rows(question.id).items() if s >= PART_SECTIONS}
    others = {s: v for s, v in others.items() if s // PART_SECTIONS != answer_part(post.id)}
    assert _found("番地", member) == {question.id}

    moderation.resolve(boss, "answer", post.id, "hide", "個人情報")
    db.session.commit()
    for viewer in (ANON, member, boss):
        assert _found("番地", viewer) == set()
    assert _found("国の要領") == {question.id}  # the other answers still find the question
    rows = _rows(question.id)
    assert _part(rows, answer_part(post.id)) == {}
    assert {s: v for s, v in rows.items() if s in others} == others  # untouched

    moderation.set_hidden(boss, "answer", post.id, False, "誤り")
    db.session.commit()
    assert _found("番地", member) == {question.id}


def test_a_deleted_comment_is_no_longer_found(ctx):
    question = _thread(1)
    comment = qa.comment(user_named("helper"), question, "カルバートも一緒に見ています。")
    db.session.commit()
    assert _found("カルバート") == {question.id}
    assert len(_part(_rows(question.id), comment_part(comment.id))) == 1

    db.session.delete(db.session.get(Comment, comment.id))
    db.session.commit()
    assert _found("カルバート") == set()
    assert _part(_rows(question.id), comment_part(comment.id)) == {}
    assert _found("点検記録") == {question.id}


def test_a_new_title_is_found_and_the_answers_are_not_rewritten(ctx):
    question = _thread(3)
    answers = {s: v for s, v in _rows(question.id).items() if s >= PART_SECTIONS}
    qa.edit_question(
        user_named("asker"),
        question,
        {"title": "横断歩道橋の塗装の塗替えについて", "body": BODY},
    )
    db.session.commit()
    assert _found("塗替え") == {question.id}
    assert _found("点検記録の様式について") == set()  # the old title
    rows = _rows(question.id)
    assert {s: v for s, v in rows.items() if s >= PART_SECTIONS} == answers
    hits = search_services.search(ANON, "塗替え", kinds=("question",)).groups["question"]
    assert hits[0].title == "横断歩道橋の塗装の塗替えについて"


def test_hiding_the_question_removes_every_part(ctx):
    question = _thread(3)
    qa.comment(user_named("helper"), question, "カルバートも一緒に見ています。")
    db.session.commit()
    boss = factories.make_user(username="boss", role=Role.ADMIN)
    moderation.resolve(boss, "question", question.id, "hide", "個人情報")
    db.session.commit()
    assert _rows(question.id) == {}
    assert _found("カルバート", boss) == set()
    moderation.set_hidden(boss, "question", question.id, False, "誤り")
    db.session.commit()
    assert _found("カルバート") == {question.id}
    assert len(_rows(question.id)) == 5  # the question, three answers, one comment


def test_words_in_different_posts_find_the_thread_together(ctx):
    question = _thread(0)
    qa.answer(user_named("helper"), question, "ドローンで撮影しました。")
    qa.answer(user_named("helper"), question, "写真台帳にまとめました。")
    qa.comment(user_named("asker"), question, "費用はいくらでしたか。")
    factories.ask(
        "asker", "ドローンの費用について教えてください", "ドローンの費用が知りたいです。" + BODY
    )
    db.session.commit()
    assert _found("橋梁 ドローン") == {question.id}  # the title and an answer
    assert _found("ドローン 写真台帳") == {question.id}  # two answers
    assert _found("写真台帳 費用") == {question.id}  # an answer and a comment
    assert _found("ドローン 撤去") == set()  # every word, not some
    # A post with every word ranks before a thread that has them apart.
    res = search_services.search(ANON, "ドローン 費用", kinds=("question",))
    assert [h.ref_id for h in res.groups["question"]][-1] == question.id
    assert res.totals["question"] == 2


def test_search_page_statements_do_not_grow_with_threads(app, count_queries, make_user):
    """Words in different posts cost the same statements for 3 threads of 2 answers as for 23
    threads of up to 12: the words' own windows come from the same probe (PostgreSQL)."""
    from tests.conftest import client_as

    make_user(username="asker")
    make_user(username="helper")

    def add(threads: int, answers: int) -> None:
        with app.app_context():
            for i in range(threads):
                question = factories.ask(
                    "asker", f"町の橋梁についての質問 その{i}", f"{BODY}（{i}）"
                )
                for j in range(answers):
                    qa.answer(user_named("helper"), question, f"回答{j}: 点検は5年ごとです。")
            db.session.commit()

    def counts() -> list[int]:
        out = []
        for c in (app.test_client(), client_as(app, "asker")):
            for params in ({"q": "橋梁 点検"}, {"q": "橋梁 点検", "type": "question"}):
                c.get("/search", query_string=params)  # warm caches
                with count_queries() as q:
                    page = c.get("/search", query_string=params).get_data(as_text=True)
                assert "<mark>" in page
                out.append(q.count)
        return out

    add(3, 2)
    few = counts()
    add(20, 12)
    many = counts()
    assert few == many
    # PostgreSQL: the words' own windows and the ranking come from the walk of the newest
    # sections; one more statement for the newest time of threads found with words apart.
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    assert max(many) <= (15 if postgres else 19)
