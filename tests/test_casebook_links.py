"""Links between questions and cases: linking with a note, who may link and remove, #case
mentions and URLs in questions and answers, citations counted when accepted ("helped resolve"),
and questions in private circles kept off the case page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from community.casebook import services as casebook
from community.casebook.models import (
    AnswerCitation,
    Case,
    CaseLink,
)
from community.extensions import db
from community.questions import services as qa
from community.questions.models import Answer, Question
from tests import qa_helpers
from tests import test_casebook as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_casebook import count, helped_badge, make_case, make_question, new_circle, section

# Fixtures of test_casebook.py, shared by assignment.
people = base.people


# --- 5. links between questions and cases -----------------------------------------------------


def test_link_a_case_with_a_note(app, people):
    make_case(app, "public-case")
    make_case(app, "draft-case", status="draft")
    qid = make_question(app, "mem")
    c = client_as(app, "other")
    page = c.get(f"/questions/{qid}").get_data(as_text=True)
    cases_box = section(page, "cases")
    assert f'action="/questions/{qid}/cases"' in cases_box
    assert 'value="public-case"' in cases_box and 'value="draft-case"' not in cases_box

    r = c.post(f"/questions/{qid}/cases", data={"case": "public-case", "note": "参考になります"})
    assert r.status_code == 302 and r.headers["Location"] == f"/questions/{qid}#cases"
    with app.app_context():
        link = db.session.scalar(select(CaseLink))
        assert (link.question_id, link.note, link.created_by_id) == (
            qid,
            "参考になります",
            people["other"].id,
        )
        assert link.case.slug == "public-case"
        link_id = link.id
    cases_box = section(c.get(f"/questions/{qid}").get_data(as_text=True), "cases")
    assert 'href="/cases/public-case"' in cases_box and "参考になります" in cases_box
    assert f'action="/case-links/{link_id}/delete"' in cases_box
    case_page = app.test_client().get("/cases/public-case").get_data(as_text=True)
    assert f'href="/questions/{qid}"' in section(case_page, "questions")

    # Twice: still one link, the first note kept.
    r = c.post(f"/questions/{qid}/cases", data={"case": "#case:public-case", "note": "二回目"})
    assert r.status_code == 302
    assert count(app, CaseLink) == 1
    with app.app_context():
        assert db.session.scalar(select(CaseLink.note)) == "参考になります"

    # Unpublished or unknown cases are not linked, whoever tries.
    for who in ("other", "edi"):
        for slug in ("draft-case", "no-such-case"):
            r = client_as(app, who).post(f"/questions/{qid}/cases", data={"case": slug})
            assert r.status_code == 302
    assert count(app, CaseLink) == 1
    draft_page = client_as(app, "edi").get("/cases/draft-case").get_data(as_text=True)
    assert f'href="/questions/{qid}"' not in draft_page


def test_link_by_url_and_note_length(app, people):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    c = client_as(app, "other")
    c.post(f"/questions/{qid}/cases", data={"case": "public-case", "note": "x" * 301})
    assert count(app, CaseLink) == 0
    c.post(f"/questions/{qid}/cases", data={"case": "http://localhost/cases/public-case"})
    assert count(app, CaseLink) == 1


def test_anonymous_cannot_link(app, people):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    r = app.test_client().post(f"/questions/{qid}/cases", data={"case": "public-case"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login")
    assert count(app, CaseLink) == 0


@pytest.mark.parametrize(("visibility", "status"), [("request", 403), ("private", 404)])
def test_non_member_cannot_link_in_a_closed_circle(app, people, visibility, status):
    make_case(app, "public-case")
    new_circle(app, "closed", visibility, members=["mem"])
    qid = make_question(app, "mem", circle="closed")
    r = client_as(app, "other").post(f"/questions/{qid}/cases", data={"case": "public-case"})
    assert r.status_code == status
    assert count(app, CaseLink) == 0
    r = client_as(app, "mem").post(f"/questions/{qid}/cases", data={"case": "public-case"})
    assert r.status_code == 302
    assert count(app, CaseLink) == 1


def test_who_may_remove_a_link(app, people, make_user):
    make_user(username="linker")
    make_user(username="modr")
    make_user(username="plain")
    make_case(app, "public-case")
    new_circle(app, "open-circle", "open", members=["mem", "linker", "plain"], moderators=["modr"])
    square_q = make_question(app, "mem")
    circle_q = make_question(app, "mem", circle="open-circle")

    def link(qid) -> int:
        assert (
            client_as(app, "linker")
            .post(f"/questions/{qid}/cases", data={"case": "public-case", "note": "n"})
            .status_code
            == 302
        )
        with app.app_context():
            return db.session.scalar(select(CaseLink.id).where(CaseLink.question_id == qid))

    # In the open square: the linker and admins; not the asker nor others.
    lid = link(square_q)
    for who in ("other", "mem", "edi", "modr"):
        assert client_as(app, who).post(f"/case-links/{lid}/delete").status_code == 403, who
    assert count(app, CaseLink) == 1
    assert 'action="/case-links/' not in section(
        client_as(app, "other").get(f"/questions/{square_q}").get_data(as_text=True), "cases"
    )
    r = client_as(app, "linker").post(f"/case-links/{lid}/delete")
    assert r.status_code == 302 and r.headers["Location"] == f"/questions/{square_q}#cases"
    assert count(app, CaseLink) == 0
    lid = link(square_q)
    assert client_as(app, "boss").post(f"/case-links/{lid}/delete").status_code == 302
    assert count(app, CaseLink) == 0

    # In a circle: also its moderators, not its plain members.
    lid = link(circle_q)
    assert client_as(app, "plain").post(f"/case-links/{lid}/delete").status_code == 403
    assert f'action="/case-links/{lid}/delete"' in section(
        client_as(app, "modr").get(f"/questions/{circle_q}").get_data(as_text=True), "cases"
    )
    assert client_as(app, "modr").post(f"/case-links/{lid}/delete").status_code == 302
    assert count(app, CaseLink) == 0

    assert client_as(app, "linker").post("/case-links/999999/delete").status_code == 404
    assert app.test_client().post("/case-links/1/delete").status_code == 302  # to login


def test_mention_in_question_body_links_the_case(app, people):
    make_case(app, "public-case")
    c = client_as(app, "mem")
    r = c.post(
        "/questions/ask",
        data={
            "title": "この事例のやり方を真似したいです",
            "body": "#case:public-case を読みました。うちの町でもできるでしょうか。",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        link = db.session.scalar(select(CaseLink))
        assert link is not None and link.created_by_id == people["mem"].id


def test_case_url_added_to_question_body_links_the_case(app, people):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    r = client_as(app, "mem").post(
        f"/questions/{qid}/edit",
        data={
            "title": "判定区分Ⅲの橋の優先順位の付け方",
            "body": qa_helpers.BODY + "\n\n参考: http://localhost/cases/public-case",
        },
    )
    assert r.status_code == 302
    assert count(app, CaseLink) == 1


def test_mention_in_answer_links_cites_and_counts_when_accepted(app, people, make_user):
    make_user(username="helper")
    a_id = make_case(app, "case-a")
    b_id = make_case(app, "case-b")
    make_case(app, "draft-case", status="draft")
    qid = make_question(app, "mem")
    helper = client_as(app, "helper")
    r = helper.post(
        f"/questions/{qid}/answers",
        data={
            "body": "この事例が参考になります: http://localhost/cases/case-a と #case:draft-case"
        },
    )
    assert r.status_code == 302
    r = client_as(app, "other").post(
        f"/questions/{qid}/answers", data={"body": "こちらもどうぞ #case:case-b です。"}
    )
    assert r.status_code == 302
    with app.app_context():
        links = db.session.execute(
            select(CaseLink.case_id, CaseLink.created_by_id).order_by(CaseLink.id)
        ).all()
        helper_id = _user("helper").id
        assert [tuple(x) for x in links] == [(a_id, helper_id), (b_id, people["other"].id)]
        answers = dict(db.session.execute(select(Answer.author_id, Answer.id)).all())
        cites = db.session.execute(
            select(AnswerCitation.answer_id, AnswerCitation.case_id).order_by(AnswerCitation.id)
        ).all()
        assert [tuple(x) for x in cites] == [
            (answers[helper_id], a_id),
            (answers[people["other"].id], b_id),
        ]
        answer_a = answers[helper_id]
        assert casebook.helped_resolve(None, [a_id, b_id]) == {}
    cases_box = section(app.test_client().get(f"/questions/{qid}").get_data(as_text=True), "cases")
    assert 'href="/cases/case-a"' in cases_box and 'href="/cases/case-b"' in cases_box
    assert 'href="/cases/draft-case"' not in cases_box

    asker = client_as(app, "mem")
    assert asker.post(f"/questions/{qid}/accept", data={"answer_id": answer_a}).status_code == 302
    anon = app.test_client()
    assert helped_badge(anon.get("/cases/case-a").get_data(as_text=True)) == 1
    assert helped_badge(anon.get("/cases/case-b").get_data(as_text=True)) == 0
    index = anon.get("/cases/").get_data(as_text=True)
    cards = dict(
        (m.group(1), m.group(0))
        for m in re.finditer(r'<h2><a href="/cases/([a-z0-9-]+)">.*?</li>', index, re.S)
    )
    assert helped_badge(cards["case-a"]) == 1 and helped_badge(cards["case-b"]) == 0
    with app.app_context():
        assert casebook.helped_resolve(None, [a_id, b_id]) == {a_id: 1}

    # Editing the answer again does not duplicate anything.
    r = helper.post(
        f"/answers/{answer_a}/edit",
        data={"body": "書き直し: http://localhost/cases/case-a と #case:case-a"},
    )
    assert r.status_code == 302
    assert count(app, CaseLink) == 2 and count(app, AnswerCitation) == 2

    # Withdrawing the acceptance makes it 0 again.
    assert asker.post(f"/questions/{qid}/accept", data={}).status_code == 302
    assert helped_badge(anon.get("/cases/case-a").get_data(as_text=True)) == 0
    assert helped_badge(anon.get("/cases/").get_data(as_text=True)) == 0
    with app.app_context():
        assert casebook.helped_resolve(None, [a_id, b_id]) == {}


def test_mention_added_by_editing_an_answer(app, people, make_user):
    make_case(app, "public-case")
    qid = make_question(app, "mem")
    with app.app_context():
        aid = qa_helpers.answer(people["other"].id, db.session.get(Question, qid)).id
        db.session.commit()
    assert count(app, CaseLink) == 0
    r = client_as(app, "other").post(
        f"/answers/{aid}/edit", data={"body": "追記: #case:public-case を見てください。"}
    )
    assert r.status_code == 302
    assert (
        count(app, CaseLink) == 1
        and count(app, AnswerCitation, AnswerCitation.answer_id == aid) == 1
    )


# --- 6. private circles -----------------------------------------------------------------------


def test_private_circle_questions_stay_hidden_on_the_case_page(app, people, make_user):
    make_user(username="insider")
    case_id = make_case(app, "public-case")
    new_circle(app, "secret", "private", members=["mem", "insider"])
    secret_q = make_question(app, "mem", title="非公開の輪での質問タイトル", circle="secret")
    open_q = make_question(app, "other", title="広場での質問のタイトルです")
    with app.app_context():
        q = db.session.get(Question, secret_q)
        post = qa.answer(_user("insider"), q, "この事例を参考に: #case:public-case")
        qa.accept(_user("mem"), q, post)
        casebook.link_question(
            _user("other"), db.session.get(Question, open_q), db.session.get(Case, case_id)
        )
        db.session.commit()
    assert count(app, CaseLink) == 2

    for who, sees in [
        (None, False),
        ("other", False),
        ("edi", False),
        ("mem", True),
        ("insider", True),
        ("boss", True),
    ]:
        page = client_as(app, who).get("/cases/public-case").get_data(as_text=True)
        related = section(page, "questions")
        assert (f'href="/questions/{secret_q}"' in related) is sees, who
        assert f'href="/questions/{open_q}"' in related, who
        assert ("非公開の輪での質問タイトル" in page) is sees, who
        assert helped_badge(page) == (1 if sees else 0), who
        index = client_as(app, who).get("/cases/").get_data(as_text=True)
        assert helped_badge(index) == (1 if sees else 0), who
        with app.app_context():
            viewer = _user(who) if who else None
            expected = {case_id: 1} if sees else {}
            assert casebook.helped_resolve(viewer, [case_id]) == expected, who
    # The private question's page itself stays hidden from outsiders.
    assert client_as(app, "other").get(f"/questions/{secret_q}").status_code == 404
