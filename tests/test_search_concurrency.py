"""The search index under concurrent writers: authors editing their answers on one question at
the same time all get their edits saved, and the question's index rows end up built from every
answer's final text, once each. Also the in-place rewrite (upsert, then trim) on both databases."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from community.auth.models import User
from community.extensions import db
from community.questions import services as qa
from community.questions.models import Answer, Revision
from community.search.documents import HEAD, PART_SECTIONS, answer_part, section_range
from community.search.index import reindex
from community.search.models import SearchEntry
from community.search.tokens import index_text
from tests import qa_helpers
from tests.conftest import login

ON_POSTGRES = os.environ.get("KAKEHASHI_TEST_DB", "sqlite").startswith("postgres")
AUTHORS = 4
EDITS = 20


def _entries(question_id: int) -> list[SearchEntry]:
    return db.session.scalars(
        select(SearchEntry)
        .where(SearchEntry.kind == "question", SearchEntry.ref_id == question_id)
        .order_by(SearchEntry.section)
    ).all()


def _edit_text(author: int, n: int) -> str:
    return f"回答者{author}の第{n}版です。点検記録の様式を見直し、判定の根拠を残すようにしました。"


def _assert_consistent(question_id: int) -> None:
    rows = _entries(question_id)
    # Each part (the question, each post) has its sections from the first of its range on.
    by_part: dict[int, list[int]] = {}
    for r in rows:
        by_part.setdefault(r.section // PART_SECTIONS, []).append(r.section)
    assert HEAD in by_part, "the question's own rows"
    for part, sections in by_part.items():
        first = section_range(part)[0]
        assert sections == list(range(first, first + len(sections))), "no missing sections"
    for row in rows:
        assert row.tokens == index_text(row.body)
    pairs = db.session.execute(
        select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.section, func.count())
        .group_by(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.section)
        .having(func.count() > 1)
    ).all()
    assert pairs == []


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="concurrent writers need PostgreSQL (SQLite serialises them with a file lock)",
)
def test_four_authors_editing_answers_on_one_question_all_succeed(app, make_user):
    asker = make_user(username="asker")
    authors = [make_user(username=f"author{i}") for i in range(AUTHORS)]
    with app.app_context():
        question = qa_helpers.ask(asker.id)
        answer_ids = [
            qa_helpers.answer(a.id, question, _edit_text(i, 0)).id for i, a in enumerate(authors)
        ]
        question_id = question.id
        db.session.commit()

    clients = []
    for author in authors:
        client = app.test_client()
        assert login(client, author.username).status_code == 302
        clients.append(client)

    barrier = threading.Barrier(AUTHORS)
    statuses: list[list[int]] = [[] for _ in range(AUTHORS)]
    errors: list[BaseException] = []

    def edit(i: int) -> None:
        try:
            for n in range(1, EDITS + 1):
                # Every round starts together, the last one too: the final index must not be
                # built from a view that missed another author's last edit.
                barrier.wait(timeout=30)
                response = clients[i].post(
                    f"/answers/{answer_ids[i]}/edit", data={"body": _edit_text(i, n)}
                )
                statuses[i].append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            barrier.abort()  # never leave the other threads waiting
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(AUTHORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert statuses == [[302] * EDITS] * AUTHORS

    with app.app_context():
        for i, answer_id in enumerate(answer_ids):
            answer = db.session.get(Answer, answer_id)
            assert answer.body_md == _edit_text(i, EDITS)
            revisions = db.session.scalar(
                select(func.count()).where(Revision.answer_id == answer_id)
            )
            assert revisions >= EDITS  # every edit kept its revision
        _assert_consistent(question_id)
        indexed = "".join(r.body for r in _entries(question_id))
        for i in range(AUTHORS):
            assert _edit_text(i, EDITS) in indexed
            assert _edit_text(i, EDITS - 1) not in indexed


def test_reindex_rewrites_sections_in_place_and_trims_the_rest(app, make_user):
    asker = make_user(username="asker")
    helper = make_user(username="helper")
    long_text = "長文の記述です。" * 2300  # 18,400 characters: two sections on its own
    with app.app_context():
        question = qa_helpers.ask(asker.id, body=long_text)
        long_answer = qa_helpers.answer(helper.id, question, long_text)
        db.session.commit()
        rows = _entries(question.id)
        assert len(rows) == 4
        newest_id = max(r.id for r in rows)

        # Build over the existing rows (no delete first), as a concurrent writer would.
        qa.edit_answer(db.session.get(User, helper.id), long_answer, "短くまとめ直した回答です。")
        db.session.flush()
        reindex("question", question.id)
        reindex("question", question.id)
        db.session.commit()

        rows = _entries(question.id)
        # The question's two sections, and the answer's one (it had two).
        assert [r.section for r in rows] == [0, 1, section_range(answer_part(long_answer.id))[0]]
        # Rewritten in place, yet with fresh ids: the search window reads them as new activity.
        assert all(r.id > newest_id for r in rows)
        assert rows[-1].body == "短くまとめ直した回答です。"
        _assert_consistent(question.id)


def test_reindex_of_a_hidden_or_deleted_document_removes_its_rows(app, make_user):
    asker = make_user(username="asker")
    with app.app_context():
        question = qa_helpers.ask(asker.id)
        db.session.commit()
        assert _entries(question.id)
        db.session.delete(question)
        db.session.commit()
        assert _entries(question.id) == []


def test_rebuilding_everything_drops_rows_of_documents_that_are_gone(app, make_user):
    from community.search.index import reindex_all

    asker = make_user(username="asker")
    with app.app_context():
        question = qa_helpers.ask(asker.id)
        db.session.commit()
        db.session.add_all(
            [
                SearchEntry(kind="question", ref_id=question.id + 1000, body="x", tokens="x"),
                SearchEntry(kind="question", ref_id=question.id, section=5, body="x", tokens="x"),
            ]
        )
        db.session.commit()
        reindex_all()
        db.session.commit()
        refs = db.session.execute(
            select(SearchEntry.ref_id, SearchEntry.section).where(SearchEntry.kind == "question")
        ).all()
        assert refs == [(question.id, 0)]
        _assert_consistent(question.id)
