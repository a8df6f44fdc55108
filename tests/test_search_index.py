"""The search index: recall against a plain substring scan, privacy (circles, hidden posts,
unpublished cases, members-only profiles), keeping the index in step with edits and
deletions, `flask search reindex`, and long documents split into sections."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import delete, func, select

from community.auth.models import User
from community.casebook import services as casebook
from community.casebook.models import Case
from community.circles import services as circle_services
from community.circles.models import Circle, CircleVisibility
from community.db import utcnow
from community.extensions import db
from community.moderation import services as moderation
from community.questions import services as qa
from community.questions.models import Answer, Comment, Question
from community.search import services as search_services
from community.search.documents import SECTION_CHARS
from community.search.models import SearchEntry
from community.search.tokens import index_text, tokens
from community.text import normalise
from tests import factories
from tests import test_search as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_search import (
    ANON,
    _names,
    _viewer,
    build_corpus,
    found,
    get,
    question_links,
    run_table,
    section,
)

# Fixtures of test_search.py, shared by assignment.
corpus = base.corpus
page_corpus = base.page_corpus


# --- 3. recall against a plain substring scan -------------------------------------------------

RECALL_TERMS = [
    # one character
    "町", "村", "市", "の", "梁", "水", "化", "ー", "Ⅲ",
    # two characters
    "橋梁", "下水", "点検", "計画", "補修", "費用", "管渠", "床版", "台帳", "輪だ",
    # longer
    "下水道", "長寿命化", "長寿命化計画", "包括的民間委託", "ドローン", "ドローン点検",
    "新技術", "判定区分", "照明灯", "です",
    # whole ASCII words, any width or case
    "netis", "ＮＥＴＩＳ", "drone", "Inspection", "script", "led", "iii",
]  # fmt: skip


def contains(text: str, term: str) -> bool:
    """The plain scan: `term` in `text` (both NFKC, lower case); ASCII terms as whole words,
    since the index keeps ASCII words whole (netis finds NETIS登録, net does not)."""
    needle = normalise(term)
    if needle.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", text) is not None
    return needle in text


def _visible_question_texts(viewer) -> dict[int, str]:
    """Every question the viewer may see, with the text a reader sees on its page (title,
    body, labels, visible answers and comments), NFKC-normalised and lower-cased."""
    from community.policy import visible_questions_clause

    out = {}
    for q in db.session.scalars(select(Question).where(visible_questions_clause(viewer))):
        answers = db.session.scalars(
            select(Answer.body_md).where(Answer.question_id == q.id, Answer.hidden_at.is_(None))
        )
        comments = db.session.scalars(
            select(Comment.body).where(Comment.thread_id == q.id, Comment.hidden_at.is_(None))
        )
        labels = [t.name for t in q.tags]
        labels += [f"{t.name_ja} {t.name_en}" for t in q.topics]
        if q.field is not None:
            labels.append(f"{q.field.name_ja} {q.field.name_en}")
        parts = [q.title, q.body_md, *labels, *answers, *comments]
        out[q.id] = "\n".join(normalise(p) for p in parts)
    return out


@pytest.mark.parametrize("viewer_name", [None, "insider", "boss"])
def test_recall_equals_a_substring_scan(corpus, viewer_name):
    """For every term, the questions found are exactly the visible questions whose text
    contains it (labels included: a question's field and topics are indexed with it)."""
    viewer = _viewer(viewer_name)
    texts = _visible_question_texts(viewer)
    assert len(texts) >= 12
    wrong = []
    for term in RECALL_TERMS:
        expected = {i for i, t in texts.items() if contains(t, term)}
        got = found(viewer, term)
        if got != expected:
            wrong.append(
                f"{term!r}: missing {_names(corpus, expected - got)}, "
                f"extra {_names(corpus, got - expected)}"
            )
    assert not wrong, "\n".join(wrong)


def test_raw_index_agrees_with_a_substring_scan_on_random_text(ctx):
    """SearchEntry rows written directly (no services), random texts from a small vocabulary,
    random pieces of them as one-term queries: matches() finds exactly the texts containing the
    piece, on whichever database the suite uses."""
    rng = random.Random(20261128)
    vocab = ["橋梁", "下水道", "点検", "町", "村", "長寿命化計画", "包括的民間委託", "判定区分"]
    vocab += ["の", "を", "が", "ドローン", "ＮＥＴＩＳ", "Drone", "、", "。", " ", "補修"]
    texts = {}
    for i in range(1, 121):
        text = "".join(rng.choice(vocab) for _ in range(rng.randint(3, 25)))
        texts[i] = text
        db.session.add(
            SearchEntry(kind="question", ref_id=i, title="", body=text, tokens=index_text(text))
        )
    db.session.commit()
    runs = [r for t in texts.values() for r in re.findall(r"[^\x00-\x7f、。 ]+", normalise(t))]
    terms = {"netis", "drone", "町", "の"}
    while len(terms) < 80:
        run = rng.choice(runs)
        i = rng.randrange(len(run))
        terms.add(run[i : i + rng.randint(1, 6)])
    wrong = []
    for term in sorted(terms):
        stmt = search_services.matching_ref_ids("question", term)
        got = set(db.session.scalars(stmt))
        expected = {i for i, t in texts.items() if contains(normalise(t), term)}
        if got != expected:
            wrong.append(f"{term!r}: missing {expected - got}, extra {got - expected}")
    assert not wrong, "\n".join(wrong)


# --- 4. privacy and keeping the index in step -------------------------------------------------


def test_private_circle_question_only_for_members(corpus):
    private = corpus["private"]
    assert private not in found(ANON, "予算")
    assert private not in found(_user("outsider"), "予算")
    assert private not in found(_user("aki"), "下水処理場")
    assert found(_user("insider"), "予算") == {private}
    assert found(_user("boss"), "予算") == {private}  # administrators see every circle


def test_private_circle_question_on_the_page(app, page_corpus):
    # Requests outside the test's application context: each gets its own user and session.
    for who, visible in ((None, False), ("outsider", False), ("insider", True), ("boss", True)):
        page = get(client_as(app, who), q="下水処理場")
        assert question_links(section(page, "question")) == (
            {page_corpus["private"]} if visible else set()
        ), who
        page = get(client_as(app, who), q="下水道", type="circle")
        assert ('href="/circles/' in (section(page, "circle") or "")) is visible, who


def test_leaving_a_private_circle_hides_its_questions_at_once(corpus):
    insider = _user("insider")
    circle = db.session.get(Circle, corpus["sewer-secret"])
    circle_services.leave(insider, circle)
    db.session.commit()
    assert found(insider, "予算") == set()


def test_making_a_circle_private_hides_its_questions(corpus):
    circle = db.session.get(Circle, corpus["bridge-club"])
    assert corpus["plan"] in found(ANON, "長寿命化計画")
    circle.visibility = CircleVisibility.PRIVATE
    db.session.commit()
    assert found(ANON, "長寿命化計画") == set()
    assert found(ANON, "橋梁", "circle") == set()


@pytest.mark.parametrize("how", ["resolve", "set_hidden"])
def test_hidden_question_is_not_found_immediately(corpus, how):
    boss = _user("boss")
    qid = corpus["plan"]
    assert qid in found(ANON, "長寿命化計画")
    if how == "resolve":
        moderation.resolve(boss, "question", qid, "hide", "個人情報")
    else:
        moderation.set_hidden(boss, "question", qid, True, "個人情報")
    db.session.commit()
    for viewer in (ANON, _user("aki"), boss):
        assert qid not in found(viewer, "長寿命化計画")
    # Restoring brings it back, in the same way.
    moderation.set_hidden(boss, "question", qid, False, "誤りでした")
    db.session.commit()
    assert qid in found(ANON, "長寿命化計画")


def test_hidden_answer_and_comment_are_not_found_immediately(corpus):
    boss = _user("boss")
    qid = corpus["answer_only"]
    assert found(ANON, "包括的民間委託") == {qid}
    answer_id = db.session.scalar(select(Answer.id).where(Answer.question_id == qid))
    moderation.resolve(boss, "answer", answer_id, "hide", "個人情報")
    db.session.commit()
    assert found(ANON, "包括的民間委託") == set()
    assert found(ANON, "補修工法") == {qid}  # the question itself is still found

    qid = corpus["comment_only"]
    comment_id = db.session.scalar(select(Comment.id).where(Comment.thread_id == qid))
    moderation.set_hidden(boss, "comment", comment_id, True, "個人情報")
    db.session.commit()
    assert found(ANON, "ドローン点検") == set()

    # Restored, both are found again.
    moderation.set_hidden(boss, "answer", answer_id, False, "誤り")
    moderation.set_hidden(boss, "comment", comment_id, False, "誤り")
    db.session.commit()
    assert found(ANON, "包括的民間委託") == {corpus["answer_only"]}
    assert found(ANON, "ドローン点検") == {corpus["comment_only"]}


def test_hidden_parts_are_not_found_by_a_new_request(app, page_corpus):
    """The page, in a new request right after the commit, agrees."""
    client = app.test_client()
    assert page_corpus["judgement"] in question_links(
        section(get(client, q="判定区分"), "question")
    )
    with app.app_context():
        moderation.set_hidden(_user("boss"), "question", page_corpus["judgement"], True, "個人情報")
        db.session.commit()
    assert question_links(section(get(client, q="判定区分"), "question")) == set()
    assert question_links(section(get(client, q="擁壁"), "question")) == set()
    assert question_links(section(get(client, q="カルバート"), "question")) == set()


def test_moderator_edit_of_a_comment_updates_the_index(corpus):
    boss = _user("boss")
    qid = corpus["comment_only"]
    comment_id = db.session.scalar(select(Comment.id).where(Comment.thread_id == qid))
    moderation.resolve(boss, "comment", comment_id, "edit", "個人情報", body="安くなりました。")
    db.session.commit()
    assert found(ANON, "ドローン点検") == set()
    assert found(ANON, "安くなりました") == {qid}


def test_hiding_by_attribute_then_commit_updates_the_index(corpus):
    qid = corpus["answer_only"]
    post = db.session.scalar(select(Answer).where(Answer.question_id == qid))
    post.hidden_at = utcnow()
    db.session.commit()
    assert found(ANON, "包括的民間委託") == set()


def test_unpublished_cases_are_not_found_by_members(corpus):
    for name in ("outsider", "ben"):
        assert found(_user(name), "下水道台帳", "case") == set()
        assert found(_user(name), "住民ボランティア", "case") == set()
    assert found(_user("edi"), "下水道台帳", "case") == {corpus["case_draft"]}
    assert found(_user("boss"), "住民ボランティア", "case") == {corpus["case_review"]}
    # Published, it is found by everyone.
    casebook.save_case(
        _user("edi"),
        db.session.get(Case, corpus["case_draft"]),
        casebook.CaseInput(
            slug="draft-ledger",
            title="下水道台帳の電子化の事例",
            overview="下水道台帳を電子化した。",
            direction="inside",
            status="published",
        ),
    )
    db.session.commit()
    assert found(ANON, "下水道台帳", "case") == {corpus["case_draft"]}


def test_members_only_profiles_are_not_found_by_anonymous_users(corpus):
    assert found(ANON, "清水", "person") == set()
    assert found(_user("outsider"), "清水", "person") == {corpus["shimizu"]}
    assert found(ANON, "橋本", "person") == {corpus["hashimoto"]}
    # Turning the profile public makes it findable at once; profile edits are indexed.
    from community.profiles.services import update_profile

    shimizu = _user("shimizu")
    update_profile(
        shimizu,
        shimizu,
        {"display_name": "清水 花子", "organisation": "△△村", "bio": "舗装の担当に変わりました。",
         "visibility": "public"},
    )  # fmt: skip
    db.session.commit()
    assert found(ANON, "清水", "person") == {corpus["shimizu"]}
    assert found(_user("outsider"), "下水道", "person") == set()
    assert found(ANON, "舗装の担当", "person") == {corpus["shimizu"]}


def test_deleted_account_is_not_found(corpus):
    from community.profiles.services import delete_account

    user = _user("hashimoto")
    delete_account(user, user, "correct horse battery")
    db.session.commit()
    assert found(_user("outsider"), "橋梁点検", "person") == set()
    assert found(_user("outsider"), "橋本", "person") == set()


def test_deleting_a_question_removes_it_from_results(corpus):
    qid = corpus["drone_phrase"]
    assert qid in found(ANON, '"drone inspection"')
    question = db.session.get(Question, qid)
    qa.delete_question(_user("aki"), question)
    db.session.commit()
    assert found(ANON, '"drone inspection"') == set()
    assert found(ANON, "drone") == {corpus["drone_apart"]}


def test_deleting_a_question_deletes_its_index_rows(corpus):
    qid = corpus["drone_phrase"]
    qa.delete_question(_user("aki"), db.session.get(Question, qid))
    db.session.commit()
    rows = db.session.scalar(
        select(func.count())
        .select_from(SearchEntry)
        .where(SearchEntry.kind == "question", SearchEntry.ref_id == qid)
    )
    assert rows == 0


def test_editing_a_question_updates_results_in_the_same_commit(corpus):
    aki = _user("aki")
    question = db.session.get(Question, corpus["apart"])
    qa.edit_question(
        aki,
        question,
        {
            "title": "歩道橋の塗装塗替えについて",
            "body": "歩道橋の塗装を塗り替える周期を知りたいです。",
        },
    )
    db.session.commit()
    assert found(ANON, "塗替え") == {corpus["apart"]}
    assert found(ANON, "長寿命化") == {corpus["plan"]}
    assert found(ANON, "舗装") == set()


def test_a_rolled_back_edit_leaves_the_index_as_it_was(corpus):
    question = db.session.get(Question, corpus["apart"])
    qa.edit_question(
        _user("aki"),
        question,
        {
            "title": "歩道橋の塗装塗替えについて",
            "body": "歩道橋の塗装を塗り替える周期を知りたいです。",
        },
    )
    db.session.rollback()
    db.session.commit()
    assert found(ANON, "塗替え") == set()
    assert found(ANON, "長寿命化") == {corpus["plan"], corpus["apart"]}


def test_new_answers_and_comments_are_found_after_commit(corpus):
    question = db.session.get(Question, corpus["sewer"])
    post = qa.answer(_user("ben"), question, "マンホール蓋の更新も同時に計画しましょう。")
    db.session.commit()
    assert found(ANON, "マンホール") == {corpus["sewer"]}
    qa.comment(_user("aki"), question, "管更生工法も検討します。", answer_post=post)
    db.session.commit()
    assert found(ANON, "管更生") == {corpus["sewer"]}


# --- 5. `flask search reindex` ---------------------------------------------------------------


def test_reindex_command_rebuilds_the_same_index(app):
    with app.app_context():
        ids = build_corpus()
        before = run_table(ids)
        assert not before
        documents = sum(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Question, Case, User, Circle)
        )
        db.session.execute(delete(SearchEntry))
        db.session.commit()
        assert found(ANON, "橋梁") == set()
        db.session.remove()

    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"\b{documents}\b", result.output)

    with app.app_context():
        assert run_table(ids) == []
        rows = db.session.scalar(select(func.count()).select_from(SearchEntry))
        # Running it twice changes nothing.
        result = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == rows
        assert run_table(ids) == []


# --- 6. long documents: sections --------------------------------------------------------------


def _long_answer(ids: dict[str, int], filler: int, tail: str) -> int:
    """Answer 法面の点検… with `filler` characters of punctuation, then `tail`."""
    question = db.session.get(Question, ids["with_hidden_parts"])
    qa.answer(_user("boss"), question, "。" * filler + tail)
    db.session.commit()
    return question.id


def test_words_in_different_sections_are_anded(corpus):
    qid = _long_answer(corpus, SECTION_CHARS + 100, "マンホールの蓋")
    assert found(ANON, "マンホール") == {qid}  # each word alone is found
    assert found(ANON, "法面 マンホール") == {qid}
    assert found(ANON, "マンホール 法面 点検") == {qid}
    assert found(ANON, "法面 マンホール 液状化") == set()  # every word, not some
    # Ranked after documents that have the words together.
    near = factories.ask(
        "aki", "法面とマンホールの点検", "法面の点検とマンホールの点検を一緒に発注します。"
    )
    db.session.commit()
    res = search_services.search(ANON, "法面 マンホール", kinds=("question",))
    assert [h.ref_id for h in res.groups["question"]] == [near.id, qid]
    assert res.totals["question"] == 2
    # Still only what the viewer may see.
    moderation.resolve(_user("boss"), "question", qid, "hide", "個人情報")
    db.session.commit()
    assert found(ANON, "法面 マンホール") == {near.id}


@pytest.mark.parametrize("length", [0, 5, SECTION_CHARS, SECTION_CHARS + 1, 3 * SECTION_CHARS + 7])
def test_sections_overlap_by_the_longest_query_and_stay_under_postgres_positions(length):
    from community.search.documents import SECTION_OVERLAP, _chunks

    text = "".join(random.Random(length).choice("あ橋a 、") for _ in range(length))
    chunks = _chunks(text)
    assert all(len(c) <= SECTION_CHARS for c in chunks)
    assert all(len(tokens(c)) <= 16_383 for c in chunks)  # tsvector positions
    step = SECTION_CHARS - SECTION_OVERLAP
    assert "".join(c[: step if i < len(chunks) - 1 else None] for i, c in enumerate(chunks)) == text
    for start in range(
        0, max(length - 200, 0), 997
    ):  # every 200-character piece is whole somewhere
        assert any(text[start : start + 200] in c for c in chunks)


def test_words_in_different_sections_of_a_private_document_stay_private(corpus):
    qid = _long_answer(corpus, SECTION_CHARS + 100, "マンホールの蓋")
    db.session.get(Question, qid).circle_id = corpus["sewer-secret"]
    db.session.commit()
    assert found(ANON, "法面 マンホール") == set()
    assert found(_user("outsider"), "法面 マンホール") == set()
    assert found(_user("insider"), "法面 マンホール") == {qid}


def test_a_word_across_a_section_boundary_is_found(corpus):
    from community.search.documents import answer_part, section_range

    question = factories.ask(
        "aki",
        "長い回答が付く質問の例です",
        "回答が長くなる質問の本文の例です。よろしくお願いします。",
    )
    # An answer is a part of its own: its text starts its first section.
    post = qa.answer(_user("boss"), question, "。" * (SECTION_CHARS - 2) + "マンホール蓋")
    db.session.commit()
    first = section_range(answer_part(post.id))[0]
    bodies = db.session.scalars(
        select(SearchEntry.body)
        .where(SearchEntry.ref_id == question.id, SearchEntry.section >= first)
        .order_by(SearchEntry.section)
    ).all()
    assert len(bodies) == 2
    assert bodies[0].endswith("。マン")  # the word straddles the boundary
    assert found(ANON, "マンホール") == {question.id}
