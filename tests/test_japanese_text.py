"""Japanese text in posts: emphasis next to kana and brackets, #case mentions, tags as written."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from community import markdown
from community.auth.models import Role
from community.casebook import services as casebook
from community.errors import ValidationFailed
from community.extensions import db
from community.questions import services as qa
from community.questions.models import Answer, Comment, Question, Tag
from community.rendered import rerender_stale
from tests import qa_helpers
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_casebook import make_case


def _elements(html: str) -> list[tuple[str, dict]]:
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


# --- 12. emphasis that CommonMark's flanking rules refuse next to CJK text -------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**RC床版橋(橋長8m)**が", "<strong>RC床版橋(橋長8m)</strong>が"),
        ("**強調**が", "<strong>強調</strong>が"),
        ("「**重要**」です", "「<strong>重要</strong>」です"),
        ("これは**「重要」**です。", "これは<strong>「重要」</strong>です。"),
        ("*斜体*の", "<em>斜体</em>の"),
        ("~~取り消し~~の", "<s>取り消し</s>の"),
        ("**ＲＣ床版（橋長８ｍ）**が", "<strong>ＲＣ床版（橋長８ｍ）</strong>が"),
        ("判定は**Ⅲ（早期措置）**とした", "判定は<strong>Ⅲ（早期措置）</strong>とした"),
        # English keeps CommonMark's behaviour.
        ("**bold** and *em* text", "<strong>bold</strong> and <em>em</em> text"),
        ("snake_case_name", "snake_case_name"),
        ("a * b * c", "a * b * c"),
        ("`**コード**`が", "<code>**コード**</code>が"),
    ],
)
def test_emphasis_next_to_japanese(app, source, expected):
    with app.app_context():
        html = markdown.render(source)
    assert expected in html
    if "`" not in source:
        assert "**" not in html


def test_a_line_break_inside_japanese_adds_no_space(app):
    with app.app_context():
        assert markdown.render("橋長8mの\n床版橋です").strip() == "<p>橋長8mの床版橋です</p>"
        assert markdown.render("a short\nline").strip() == "<p>a short\nline</p>"


@pytest.mark.parametrize(
    "source",
    [
        "**太字**<script>alert(1)</script>",
        "[リンク](javascript:alert(1))が**危険**",
        '<a class="case-mention" href="javascript:x">偽</a>**本物**',
        "**<img src=x onerror=alert(1)>**が",
        "**[x](javascript:alert(1))**が",
        "「**[x](data:text/html,<script>1</script>)**」",
    ],
)
def test_sanitising_still_holds(app, source):
    with app.app_context():
        html = markdown.render(source)
    # Markup, not text: a refused link or tag stays on the page as escaped text.
    elements = _elements(html)
    assert {tag for tag, _attrs in elements} <= {"p", "strong", "a"}
    for _tag, attrs in elements:
        assert "class" not in attrs and "onerror" not in attrs
        assert attrs.get("href", "https:").startswith(("https:", "http:", "/"))
    assert ("strong", {}) in elements


# --- 13. #case:<slug> in a post -----------------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "edi": make_user(username="edi", role=Role.EDITOR),
        "mem": make_user(username="mem"),
    }


def _answer(app, body: str) -> tuple[int, str]:
    with app.app_context():
        question = qa_helpers.ask(_user("mem").id)
        post = qa_helpers.answer(_user("edi").id, question, body)
        db.session.commit()
        return question.id, post.body_html


def test_a_case_mention_links_with_the_title(app, people, count_queries):
    make_case(app, "rc-slab", title="RC床版の打ち替え")
    make_case(app, "steel-paint", title="鋼橋の塗替え")
    body = "#case:rc-slab と #case:steel-paint、それに #case:rc-slab をもう一度。"
    with app.app_context(), count_queries() as queries:
        html = markdown.render(body)
    assert queries.count == 1, "one query for every mention in a post"
    links = [a for tag, a in _elements(html) if tag == "a"]
    assert [(a["href"], a["class"]) for a in links] == [
        ("/cases/rc-slab", "case-mention"),
        ("/cases/steel-paint", "case-mention"),
        ("/cases/rc-slab", "case-mention"),
    ]
    assert "事例：RC床版の打ち替え</a>" in html and "事例：鋼橋の塗替え</a>" in html
    assert "#case:" not in html
    with app.app_context():
        inside = markdown.render("[前例 #case:rc-slab](https://example.org) と **#case:rc-slab**が")
    assert [a["href"] for tag, a in _elements(inside) if tag == "a"] == [
        "https://example.org",
        "/cases/rc-slab",
    ], "no link inside a link; a mention in bold still links"
    question_id, _html = _answer(app, "参考: #case:rc-slab が近い事例です。")
    page = client_as(app, None).get(f"/questions/{question_id}").get_data(as_text=True)
    assert 'href="/cases/rc-slab"' in page and "事例：RC床版の打ち替え" in page


def test_unknown_drafts_and_code_stay_plain(app, people, count_queries):
    make_case(app, "draft-case", title="非公開の下書きタイトル", status="draft")
    with app.app_context():
        html = markdown.render("#case:nothing-here と #case:draft-case と `#case:draft-case`")
        assert markdown.render("見出しなし") and "case-mention" not in html
        assert "#case:nothing-here" in html and "#case:draft-case" in html
        assert "非公開の下書きタイトル" not in html
        with count_queries() as queries:
            markdown.render("言及のない本文")
        assert queries.count == 0, "no mention, no query"


def test_comments_link_published_cases_in_one_query(app, people, count_queries):
    make_case(app, "rc-slab", title="RC床版の打ち替え")
    make_case(app, "secret", title="下書きの題名", status="draft")
    with app.app_context():
        question = qa_helpers.ask(_user("mem").id)
        qa.comment(_user("edi"), question, "<b>太字</b>ではなく #case:rc-slab を。")
        db.session.commit()
        qid = question.id
    client = client_as(app, None)
    page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert '<a class="case-mention" href="/cases/rc-slab">事例：RC床版の打ち替え</a>' in page
    assert "&lt;b&gt;太字&lt;/b&gt;" in page, "the rest of the comment stays escaped text"
    # `?page=1`: a page not yet in the visitors' cache, rendered like the one after the change.
    with count_queries() as one:
        client.get(f"/questions/{qid}?page=1")
    with app.app_context():
        question = db.session.get(Question, qid)
        for body in ("#case:secret の件", "#case:no-such-case の件", "#case:rc-slab 再び"):
            qa.comment(_user("edi"), question, body)
        db.session.commit()
    with count_queries() as many:
        page = client.get(f"/questions/{qid}?page=1").get_data(as_text=True)
    assert many.count == one.count, "one lookup for every mention on the page"
    assert "#case:secret の件" in page and "下書きの題名" not in page
    assert "#case:no-such-case の件" in page
    with app.app_context():
        first = db.session.scalars(
            select(Comment).where(Comment.thread_id == qid).order_by(Comment.id)
        ).first()
    # The fragment the page fetches after a live comment renders the same way.
    fragment = client.get(f"/questions/{qid}/comments/{first.id}/fragment")
    assert fragment.status_code == 200
    assert "事例：RC床版の打ち替え" in fragment.get_data(as_text=True)


def test_publishing_or_retitling_a_case_refreshes_the_posts(app, people):
    make_case(app, "later", title="まだ下書き", status="draft")
    question_id, html = _answer(app, "#case:later を見てください。")
    assert "まだ下書き" not in html
    data = {
        "slug": "later",
        "title": "公開した事例",
        "summary_points": "ポイント",
        "overview": "概要です。",
        "direction": "outside",
        "status": "published",
    }
    with app.app_context():
        from community.casebook.models import Case

        case = db.session.scalar(select(Case).where(Case.slug == "later"))
        casebook.save_case(_user("edi"), case, casebook.CaseInput(**data))
        db.session.commit()
        assert "事例：公開した事例" in db.session.scalar(select(Answer.body_html))
        # Back to draft: the title must not stay in the stored HTML.
        case = db.session.scalar(select(Case).where(Case.slug == "later"))
        casebook.save_case(_user("edi"), case, casebook.CaseInput(**{**data, "status": "draft"}))
        db.session.commit()
        stored = db.session.scalar(select(Answer.body_html))
        assert "公開した事例" not in stored and "#case:later" in stored


def test_rerender_brings_old_html_up_to_date(app, people):
    with app.app_context():
        question = qa_helpers.ask(_user("mem").id)
        question.body_md = "**RC床版橋(橋長8m)**が傷んでいます。"
        question.body_html = "<p>**RC床版橋(橋長8m)**が傷んでいます。</p>"
        question.renderer = 1
        db.session.commit()
        assert rerender_stale() >= 1
        fresh = db.session.get(Question, question.id)
        assert "<strong>RC床版橋(橋長8m)</strong>" in fresh.body_html
        assert fresh.renderer == markdown.RENDERER_VERSION
        assert rerender_stale() == 0, "nothing left to render (rows without a version aside)"


# --- 14. tags shown as first written, matched by the normalised key ---------------------------


def test_tags_keep_the_form_first_written(app, people):
    with app.app_context():
        first = qa_helpers.ask(_user("mem").id, tags="判定区分Ⅲ ＲＣ床版")
        db.session.commit()
        second = qa_helpers.ask(
            _user("edi").id, title="判定区分IIIの橋の補修時期について", tags="#判定区分III"
        )
        db.session.commit()
        tags = {t.name: t.label for t in db.session.scalars(select(Tag))}
        assert tags == {"判定区分iii": "判定区分Ⅲ", "rc床版": "ＲＣ床版"}
        assert [t.label for t in second.tags] == ["判定区分Ⅲ"], "joins the existing tag"
        ids = first.id, second.id
    client = client_as(app, None)
    page = client.get(f"/questions/{ids[1]}").get_data(as_text=True)
    assert "#判定区分Ⅲ" in page and "#判定区分iii" not in page
    for spelling in ("判定区分Ⅲ", "判定区分III", "判定区分iii", "#判定区分Ⅲ"):
        listing = client.get("/questions/", query_string={"tag": spelling})
        assert listing.status_code == 200
        text = listing.get_data(as_text=True)
        assert all(f'href="/questions/{i}"' in text for i in ids), spelling
        assert "タグ「#判定区分Ⅲ」の質問" in text
    other = client.get("/questions/", query_string={"tag": "ＲＣ床版"}).get_data(as_text=True)
    assert f'href="/questions/{ids[0]}"' in other and f'href="/questions/{ids[1]}"' not in other
    none = client.get("/questions/", query_string={"tag": "存在しないタグ"})
    assert none.status_code == 200 and f'href="/questions/{ids[0]}"' not in none.get_data(
        as_text=True
    )


def test_the_edit_form_shows_tags_as_written(app, people):
    with app.app_context():
        q = qa_helpers.ask(_user("mem").id, tags="判定区分Ⅲ")
        db.session.commit()
        qid = q.id
    page = client_as(app, "mem").get(f"/questions/{qid}/edit").get_data(as_text=True)
    assert 'value="判定区分Ⅲ"' in page


def test_a_tag_too_long_when_normalised_is_refused(app, people):
    # ㍻ is one character that NFKC turns into two: the key is what is limited.
    with app.app_context(), pytest.raises(ValidationFailed):
        qa_helpers.ask(_user("mem").id, tags="㍻" * 20)
