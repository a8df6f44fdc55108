"""Members suggest a case in a few lines; editors see a queue (with a count and a notification),
turn a suggestion into a case or decline it with a reason; case addresses are made from the
title when left empty."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from community.casebook import slugs, suggestions
from community.casebook.models import Case, CaseStatus, CaseSuggestion, SuggestionStatus
from community.errors import InvalidTransition
from community.extensions import db
from community.notifications.models import Kind, Notification
from tests import test_casebook as base
from tests.conftest import client_as
from tests.factories import user_named as _user
from tests.test_casebook import count, form, make_case

people = base.people

KANA = "あいうえおかきくけこさしすせそ"  # titles without digits (a figure needs a source)
SUGGESTION = {
    "title": "富山市の橋梁点検研修",
    "what": (
        "市の職員が橋梁点検を学ぶ研修を開いた。\n委託に頼りきりだった点検を自ら行えるようになった。"
    ),
    "place": "富山市",
    "people": "富山県建設技術センター、地元の大学",
    "source_url": "https://example.jp/city/news/training",
    "contact": "doboku@example.jp",
}


def text(page: str) -> str:
    """The page's visible text, tags removed and entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def suggest(app, who: str = "mem", **changes) -> int:
    """A suggestion made through the service; its id."""
    with app.app_context():
        data = suggestions.SuggestionInput(**{**SUGGESTION, **changes})
        made = suggestions.suggest(_user(who), data)
        db.session.commit()
        return made.id


def notices(app, who: str) -> list[Notification]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == _user(who).id)
                .where(Notification.kind == Kind.CASE_SUGGESTION)
            )
        )


def get_suggestion(app, suggestion_id: int) -> CaseSuggestion:
    with app.app_context():
        s = db.session.get(CaseSuggestion, suggestion_id)
        db.session.expunge(s)
        return s


# --- members suggest ----------------------------------------------------------------------------


def test_member_suggests_and_editors_are_told(app, people):
    mem = client_as(app, "mem")
    page = mem.get("/cases/suggest").get_data(as_text=True)
    for name in ("title", "what", "place", "people", "source_url", "contact"):
        assert f'name="{name}"' in page, name
    assert 'name="slug"' not in page and 'name="overview"' not in page
    r = mem.post("/cases/suggest", data=SUGGESTION)
    assert r.status_code == 302 and r.headers["Location"] == "/cases/suggestions/mine"
    mine = mem.get("/cases/suggestions/mine").get_data(as_text=True)
    assert "ご提案ありがとうございます。" in mine
    assert SUGGESTION["title"] in mine and "編集者の確認待ち" in mine
    with app.app_context():
        s = db.session.scalar(select(CaseSuggestion))
        assert (s.title, s.place, s.source_url, s.contact) == (
            SUGGESTION["title"],
            "富山市",
            SUGGESTION["source_url"],
            "doboku@example.jp",
        )
        assert s.status == SuggestionStatus.PENDING and s.suggested_by_id == people["mem"].id
        assert s.case_id is None and s.decided_by_id is None
    # Every editor (administrators too) hears of it; nobody else does.
    for editor in ("edi", "boss"):
        [n] = notices(app, editor)
        assert n.url == "/cases/suggestions" and SUGGESTION["title"] in n.text, editor
    assert notices(app, "mem") == [] and notices(app, "other") == []
    # It is in the editors' queue, with the contact only editors see.
    queue = client_as(app, "edi").get("/cases/suggestions")
    assert queue.status_code == 200
    body = text(queue.get_data(as_text=True))
    assert SUGGESTION["title"] in body and "doboku@example.jp" in body
    assert "未対応1件" in body and "事例にする" in body
    # Another member does not see it.
    assert SUGGESTION["title"] not in client_as(app, "other").get("/cases/suggestions/mine").text


def test_index_links_members_to_the_short_form_and_editors_to_the_queue(app, people):
    member_index = client_as(app, "mem").get("/cases/").get_data(as_text=True)
    assert 'href="/cases/suggest"' in member_index and "事例を提案する" in member_index
    assert 'href="/cases/suggestions"' not in member_index
    editor_index = client_as(app, "edi").get("/cases/").get_data(as_text=True)
    assert 'href="/cases/new"' in editor_index and 'href="/cases/suggestions"' in editor_index
    assert "suggestion-count" not in editor_index  # nothing waiting: no badge
    anonymous = app.test_client()
    assert 'href="/cases/suggest"' not in anonymous.get("/cases/").get_data(as_text=True)
    r = anonymous.get("/cases/suggest")
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login")


def test_queue_count_badge_counts_pending_only(app, people):
    for i in range(3):
        suggest(app, title=f"提案された事例その{i + 1}")
    declined = suggest(app, title="見送られる提案の事例")
    with app.app_context():
        suggestions.decline(
            _user("edi"), db.session.get(CaseSuggestion, declined), "掲載済みの事例です"
        )
        db.session.commit()
        assert suggestions.pending_count(_user("edi")) == 3
        assert suggestions.pending_count(_user("mem")) == 0
    index = client_as(app, "edi").get("/cases/").get_data(as_text=True)
    badge = re.search(r'<span class="badge warn suggestion-count">([^<]*)</span>', index)
    assert badge is not None and badge.group(1) == "3件"
    assert "提案" in text(index)
    assert "suggestion-count" not in client_as(app, "mem").get("/cases/").text
    # The queue lists pending suggestions first, oldest first, then the decided one.
    queue = client_as(app, "edi").get("/cases/suggestions").get_data(as_text=True)
    order = [
        int(i) for i in re.findall(r'<li class="card suggestion[^"]*" id="suggestion-(\d+)"', queue)
    ]
    assert order[-1] == declined and sorted(order[:3]) == order[:3]
    assert "未対応3件" in text(queue)


def test_queue_page_loads_in_a_fixed_number_of_queries(app, people, make_user, count_queries):
    for i in range(12):  # a different member for each: a lazy load per row would show
        make_user(username=f"member_{i}")
    c = client_as(app, "edi")
    counts = {}
    for n in (2, 12):
        while count(app, CaseSuggestion) < n:
            i = count(app, CaseSuggestion)
            sid = suggest(app, who=f"member_{i}", title=f"提案された事例「{KANA[i]}」")
            with app.app_context():  # some decided, with the editor and the case to show
                s = db.session.get(CaseSuggestion, sid)
                if i % 3 == 0:
                    suggestions.decline(_user("edi"), s, "既に掲載されています")
                elif i % 3 == 1:
                    data = suggestions.draft_for(s)
                    data.direction = "outside"
                    suggestions.accept(_user("boss"), s, data)
                db.session.commit()
        c.get("/cases/suggestions")  # per-process caches (site settings) are filled once
        with count_queries() as q:
            r = c.get("/cases/suggestions")
        assert r.status_code == 200
        assert len(re.findall(r'id="suggestion-\d+"', r.get_data(as_text=True))) == n
        counts[n] = q.count
    assert 0 < counts[2] == counts[12], counts


# --- who may see and decide ---------------------------------------------------------------------


def test_non_editors_cannot_see_the_queue_or_decide(app, people):
    sid = suggest(app)
    for who in ("mem", "other"):
        c = client_as(app, who)
        assert c.get("/cases/suggestions").status_code == 403, who
        assert (
            c.post(f"/cases/suggestions/{sid}/decline", data={"reason": "不要"}).status_code == 403
        )
        assert c.get(f"/cases/suggestions/{sid}/case").status_code == 403, who
        r = c.post(f"/cases/suggestions/{sid}/case", data=form(slug=None, status="published"))
        assert r.status_code == 403, who
    anonymous = app.test_client()
    for url in ("/cases/suggestions", "/cases/suggestions/mine", f"/cases/suggestions/{sid}/case"):
        r = anonymous.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login"), url
    r = anonymous.post(f"/cases/suggestions/{sid}/decline", data={"reason": "不要"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login")
    assert get_suggestion(app, sid).status == SuggestionStatus.PENDING
    assert count(app, Case) == 0
    assert notices(app, "mem") == []
    assert client_as(app, "edi").get("/cases/suggestions/999/case").status_code == 404


def test_decline_with_a_reason_tells_the_member(app, people):
    sid = suggest(app)
    ed = client_as(app, "edi")
    # No reason: refused with a message on the page, nothing changes.
    r = ed.post(f"/cases/suggestions/{sid}/decline", data={"reason": "  "})
    assert r.status_code == 422
    assert "提案者に伝える理由を書いてください。" in text(r.get_data(as_text=True))
    r = ed.post(f"/cases/suggestions/{sid}/decline", data={"reason": "長" * 501})
    assert r.status_code == 422 and "500文字以内" in text(r.get_data(as_text=True))
    assert get_suggestion(app, sid).status == SuggestionStatus.PENDING
    assert notices(app, "mem") == []
    r = ed.post(
        f"/cases/suggestions/{sid}/decline", data={"reason": "既に同じ事例を掲載しています"}
    )
    assert r.status_code == 302 and r.headers["Location"] == "/cases/suggestions"
    s = get_suggestion(app, sid)
    assert s.status == SuggestionStatus.DECLINED and s.decided_by_id == people["edi"].id
    assert s.decided_at is not None and s.decline_reason == "既に同じ事例を掲載しています"
    [n] = notices(app, "mem")
    assert "既に同じ事例を掲載しています" in n.text and n.url == "/cases/suggestions/mine"
    mine = text(client_as(app, "mem").get("/cases/suggestions/mine").get_data(as_text=True))
    assert "見送り" in mine and "既に同じ事例を掲載しています" in mine
    # A decided suggestion cannot be decided again, by either button.
    r = ed.post(f"/cases/suggestions/{sid}/decline", data={"reason": "別の理由"})
    assert r.status_code == 302
    assert "この提案はすでに対応済みです。" in text(ed.get("/cases/suggestions").text)
    r = ed.get(f"/cases/suggestions/{sid}/case")
    assert r.status_code == 302 and r.headers["Location"] == "/cases/suggestions"
    assert get_suggestion(app, sid).decline_reason == "既に同じ事例を掲載しています"
    assert len(notices(app, "mem")) == 1 and count(app, Case) == 0


# --- turning a suggestion into a case -----------------------------------------------------------


def test_turn_into_a_case_prefills_the_form_and_creates_a_case_in_review(app, people):
    sid = suggest(app)
    ed = client_as(app, "edi")
    page = ed.get(f"/cases/suggestions/{sid}/case")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="{SUGGESTION["title"]}"' in html
    overview = html_lib.unescape(
        re.search(r'<textarea[^>]*name="overview"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    )
    assert "> 市の職員が橋梁点検を学ぶ研修を開いた。" in overview
    assert "どこで：富山市" in overview and "富山県建設技術センター" in overview
    assert f'name="sources-0-url" type="text" value="{SUGGESTION["source_url"]}"' in html or (
        re.search(rf'name="sources-0-url"[^>]*value="{re.escape(SUGGESTION["source_url"])}"', html)
    )
    # The editor completes the case (no address: one is made) and asks to publish it at once;
    # a case from a suggestion starts in review instead.
    data = form(
        slug=None,
        title=SUGGESTION["title"],
        status="published",
        **{"sources-0-url": SUGGESTION["source_url"]},
    )
    r = ed.post(f"/cases/suggestions/{sid}/case", data=data)
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert r.headers["Location"] == f"/cases/{case.slug}"
        assert re.fullmatch(r"case-\d+", case.slug), case.slug
        assert case.status == CaseStatus.REVIEW and case.created_by_id == people["edi"].id
        s = db.session.get(CaseSuggestion, sid)
        assert s.status == SuggestionStatus.ACCEPTED and s.case_id == case.id
        assert s.decided_by_id == people["edi"].id
    [n] = notices(app, "mem")
    assert "採用されました" in n.text and n.url == "/cases/suggestions/mine"
    mine = text(client_as(app, "mem").get("/cases/suggestions/mine").text)
    assert "採用" in mine and "編集者が事例を執筆中です。" in mine
    queue = ed.get("/cases/suggestions").get_data(as_text=True)
    assert f'href="/cases/{case.slug}"' in queue and f"/cases/suggestions/{sid}/case" not in queue


def test_turn_into_a_case_with_bad_input_keeps_the_suggestion_pending(app, people):
    sid = suggest(app)
    r = client_as(app, "edi").post(
        f"/cases/suggestions/{sid}/case", data=form(slug=None, title="短い")
    )
    assert r.status_code == 422 and "5〜150文字で入力してください。" in text(r.text)
    assert get_suggestion(app, sid).status == SuggestionStatus.PENDING
    assert count(app, Case) == 0 and notices(app, "mem") == []


def test_a_suggestion_is_turned_into_a_case_only_once(app, people):
    sid = suggest(app)
    with app.app_context():
        s = db.session.get(CaseSuggestion, sid)
        data = suggestions.draft_for(s)
        data.direction = "outside"
        suggestions.accept(_user("edi"), s, data)
        db.session.commit()
        s = db.session.get(CaseSuggestion, sid)
        again = suggestions.draft_for(s)
        again.direction = "outside"
        with pytest.raises(InvalidTransition):
            suggestions.accept(_user("boss"), s, again)
        with pytest.raises(InvalidTransition):
            suggestions.decline(_user("boss"), s, "重複")
        db.session.rollback()
    assert count(app, Case) == 1


# --- bad input ------------------------------------------------------------------------------------


BAD = [
    ({"title": ""}, "title", "5〜150文字で入力してください。"),
    ({"title": "事" * 151}, "title", "5〜150文字で入力してください。"),
    ({"what": ""}, "what", "何があったかを書いてください。"),
    ({"what": "あ" * 5001}, "what", "5000文字以内"),
    ({"place": "所" * 201}, "place", "200文字以内"),
    ({"contact": "連" * 201}, "contact", "200文字以内"),
    ({"source_url": "javascript:alert(1)"}, "source_url", "http:// または https://"),
    ({"source_url": "ftp://example.jp/a"}, "source_url", "http:// または https://"),
    ({"source_url": "https://" + "a" * 500}, "source_url", "http:// または https://"),
]


@pytest.mark.parametrize(("changes", "name", "message"), BAD)
def test_bad_input_is_refused_with_a_japanese_message(app, people, changes, name, message):
    r = client_as(app, "mem").post("/cases/suggest", data={**SUGGESTION, **changes})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    error = re.search(rf'<div id="{name}-error">(.*?)</div>', page, re.S)
    assert error is not None and message in text(error.group(1)), name
    assert count(app, CaseSuggestion) == 0 and count(app, Notification) == 0


def test_new_messages_have_japanese_and_english(app):
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        for locale, expected in (
            ("en", "Tell the editors what happened."),
            ("ja", "何があったかを書いてください。"),
        ):
            with force_locale(locale):
                assert gettext("Tell the editors what happened.") == expected, locale


def test_csrf_is_enforced(app, people, request):
    c, ed = client_as(app, "mem"), client_as(app, "edi")
    request.getfixturevalue("csrf_on")  # after logging in
    assert c.post("/cases/suggest", data=SUGGESTION).status_code == 400
    assert count(app, CaseSuggestion) == 0
    page = c.get("/cases/suggest").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert c.post("/cases/suggest", data={**SUGGESTION, "csrf_token": token}).status_code == 302
    assert count(app, CaseSuggestion) == 1
    with app.app_context():
        sid = db.session.scalar(select(CaseSuggestion.id))
    assert ed.post(f"/cases/suggestions/{sid}/decline", data={"reason": "理由"}).status_code == 400
    assert get_suggestion(app, sid).status == SuggestionStatus.PENDING


# --- addresses made from the title ----------------------------------------------------------------


def test_slugify():
    assert slugs.slugify("Toyama Bridge Training 2024") == "toyama-bridge-training-2024"
    assert slugs.slugify("ＤＸ推進のＢＩＭ研修 Ｐｒｏｊｅｃｔ") == "dx-bim-project"  # full width
    assert slugs.slugify("富山市の橋梁点検研修") == ""
    assert slugs.slugify("令和6年度の研修") == ""  # digits alone are no name
    assert slugs.slugify("DX研修") == ""  # too short to name a case


def test_new_cases_get_unique_addresses_from_the_title(app, people):
    ed = client_as(app, "edi")
    made = []
    for title in ("Toyama DX training の事例", "Toyama DX training の事例", "富山市の橋梁点検研修"):
        r = ed.post("/cases/new", data=form(slug="", title=title))
        assert r.status_code == 302, text(r.text)[:300]
        made.append(r.headers["Location"].removeprefix("/cases/"))
    assert made[:2] == ["toyama-dx-training", "toyama-dx-training-2"]
    assert re.fullmatch(r"case-\d+", made[2])
    # A reserved address is never made.
    with app.app_context():
        assert slugs.unique_slug("Suggest", frozenset({"suggest"})) == "suggest-2"
    # Editing with the address left empty keeps the case's address.
    r = ed.post(
        "/cases/toyama-dx-training/edit", data=form(slug="", title="Toyama DX training 改訂")
    )
    assert r.status_code == 302 and r.headers["Location"] == "/cases/toyama-dx-training"
    # An editor may still write the address.
    make_case(app, "hand-written")
    assert count(app, Case, Case.slug == "hand-written") == 1


def test_deleting_an_account_clears_the_contact_of_its_suggestions(app, people):
    mine = suggest(app, "mem")
    declined = suggest(app, "mem", title="見送られた提案の題名", contact="090-0000-0000")
    theirs = suggest(app, "other", title="ほかの人の提案の題名", contact="other@example.jp")
    editor = client_as(app, "edi")
    r = editor.post(f"/cases/suggestions/{declined}/decline", data={"reason": "情報が足りません"})
    assert r.status_code == 302
    assert "doboku@example.jp" in editor.get("/cases/suggestions").get_data(as_text=True)

    member = client_as(app, "mem")
    r = member.post("/settings/delete", data={"password": "correct horse battery"})
    assert r.status_code == 302

    with app.app_context():
        rows = {s.id: s for s in db.session.scalars(select(CaseSuggestion))}
        assert rows[mine].contact == "" and rows[declined].contact == ""
        assert rows[theirs].contact == "other@example.jp"
        # What the suggestion says about the case stays for the editors.
        assert rows[mine].what == SUGGESTION["what"] and rows[mine].place == "富山市"
    queue = editor.get("/cases/suggestions").get_data(as_text=True)
    assert "doboku@example.jp" not in queue and "090-0000-0000" not in queue
    assert "other@example.jp" in queue and "富山市の橋梁点検研修" in queue


HEADER_COUNT = re.compile(
    r'<a href="/cases/suggestions">事例の提案 <span class="queue-count suggestion-queue-count"'
    r'[^>]*><span class="visually-hidden">未対応の事例の提案：</span>(\d+)</span></a>'
)


def test_editors_see_the_pending_count_in_the_header_of_every_page(app, people, count_queries):
    for i in range(2):
        suggest(app, title=f"ヘッダーに数える提案{KANA[i]}")
    editor, member = client_as(app, "edi"), client_as(app, "mem")
    for path in ("/questions/", "/cases/", "/people/"):
        page = editor.get(path).get_data(as_text=True)
        found = HEADER_COUNT.search(page)
        assert found is not None and found.group(1) == "2", path
        # Twice, for a page cached for many readers: each response fills in its reader's count.
        assert HEADER_COUNT.search(editor.get(path).get_data(as_text=True)).group(1) == "2"
        for other in (member, app.test_client()):
            page = other.get(path).get_data(as_text=True)
            assert 'href="/cases/suggestions"' not in page and "suggestion-queue-count" not in page
    # One count query for an editor; none for anybody else.
    with count_queries() as q:
        editor.get("/questions/")
    assert sum("case_suggestions" in s for s in q.statements) == 1
    with count_queries() as q:
        member.get("/questions/")
    assert not any("case_suggestions" in s for s in q.statements)
    # Decided: the count goes down, and with nothing waiting the link stays without a number.
    with app.app_context():
        for s in db.session.scalars(select(CaseSuggestion)):
            suggestions.decline(_user("edi"), s, "既に掲載されています")
        db.session.commit()
    page = editor.get("/questions/").get_data(as_text=True)
    assert '<a href="/cases/suggestions">事例の提案</a>' in page and not HEADER_COUNT.search(page)
