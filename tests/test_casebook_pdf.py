"""The casebook as a PDF: cover, 目次 whose page numbers are where the cases start, every case
in the chapter pages' order on its own pages, Japanese fonts embedded; who may export it, the
public PDF of a closed edition, and bad parameters answered in Japanese."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from community import demo, demo_qa
from community.casebook import edition_books, editions, pdf
from community.casebook.models import Case
from community.db import utcnow
from community.extensions import db
from tests.conftest import client_as, empty_tables, login
from tests.test_casebook import make_case, people  # noqa: F401

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdffonts) is not installed",
)

SLUG_IN_CHAPTER_PAGE = re.compile(r'<h3><a href="/cases/([a-z0-9-]+)">')


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    """The PDF's text, page by page (pdftotext -layout separates pages with a form feed)."""
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def squeeze(text: str) -> str:
    """Text without white space: pdftotext breaks a long Japanese line anywhere."""
    return re.sub(r"\s+", "", text)


def toc_numbers(toc: str, titles: list[str]) -> list[int]:
    """The page number printed after each title in the 目次, the titles found in this order."""
    numbers, pos = [], 0
    for title in titles:
        pattern = r"\s*".join(re.escape(ch) for ch in title) + r"[\s.]*?(\d+)[ \t]*$"
        m = re.compile(pattern, re.MULTILINE).search(toc, pos)
        assert m, f"{title} is not in the table of contents after position {pos}"
        numbers.append(int(m.group(1)))
        pos = m.end()
    return numbers


@dataclass
class Book:
    data: bytes
    headers: dict
    pages: list[str]
    titles: list[str]  # the published cases, in the order the chapter pages list them
    draft_title: str


@pytest.fixture(scope="module")
def book(app, tmp_path_factory) -> Book:
    """One render for the module: the demo casebook (nine published cases) plus a draft, as an
    administrator exports it."""
    tmp = tmp_path_factory.mktemp("casebook-pdf")
    old = app.config.get("CASEBOOK_PDF_CACHE_DIR")
    app.config["CASEBOOK_PDF_CACHE_DIR"] = str(tmp / "cache")
    with app.app_context():
        empty_tables()
        demo.load_people()
        demo_qa.load_casebook()
        db.session.commit()
    make_case(app, "draft-not-in-book", author="nakano_y", status="draft", title="下書きの事例")
    anonymous = app.test_client()
    slugs = []
    for n in (3, 4):
        slugs += SLUG_IN_CHAPTER_PAGE.findall(
            anonymous.get(f"/cases/chapters/{n}").get_data(as_text=True)
        )
    with app.app_context():
        by_slug = dict(db.session.execute(select(Case.slug, Case.title)).all())
    c = app.test_client()
    assert login(c, "nakano_y", demo.DEMO_PASSWORD).status_code == 302
    r = c.get("/cases/book.pdf")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    yield Book(
        data=r.data,
        headers=dict(r.headers),
        pages=pdf_pages(r.data, tmp),
        titles=[by_slug[s] for s in slugs],
        draft_title="下書きの事例",
    )
    app.config["CASEBOOK_PDF_CACHE_DIR"] = old


def test_the_book_has_a_cover_a_table_of_contents_and_every_case_in_chapter_order(book):
    assert book.data.startswith(b"%PDF-")
    assert len(book.titles) == 9
    cover = book.pages[0]
    assert "人の群マネ事例集" in cover and "第1版（編集中）" in cover
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日時点", cover)
    assert "目次" in book.pages[1]
    body = squeeze("\n".join(book.pages[2:]))
    positions = [body.find(squeeze(t)) for t in book.titles]
    assert -1 not in positions and positions == sorted(positions)
    assert book.draft_title not in "".join(book.pages)  # a book prints published cases only
    # The chapters' own text comes too, in the plan's order.
    chapter_starts = [
        body.find(squeeze(f"第{n}章{t}")) for n, t in ((1, "はじめに"), (3, "「外」"))
    ]
    assert -1 not in chapter_starts and chapter_starts == sorted(chapter_starts)
    assert "所属の枠を越えて技術者が「個人」としてつながる" in body


def test_the_table_of_contents_gives_the_page_each_case_starts_on(book):
    toc = book.pages[1]
    numbers = toc_numbers(toc, book.titles)
    # Each case starts on a page of its own, so the numbers strictly increase.
    assert numbers == sorted(set(numbers))
    for title, number in zip(book.titles, numbers, strict=True):
        page = squeeze(book.pages[number - 1])
        assert squeeze(title) in page, f"{title} is not on page {number}"
        # The page number printed in the footer is the page's own.
        assert book.pages[number - 1].rstrip().endswith(str(number))
        assert squeeze(title) not in squeeze(book.pages[number - 2])
        # ...and starts it: above the title only the running head, the section's heading, the
        # badges and the classification row, not the end of the case before.
        assert len(page[: page.find(squeeze(title))]) < 200, page[:400]
    # The chapters' entries point at their pages too.
    first_chapter = toc_numbers(toc, ["第1章 はじめに"])[0]
    assert "本書のねらい" in book.pages[first_chapter - 1]


def test_the_japanese_fonts_are_embedded(book, tmp_path):
    path = tmp_path / "book.pdf"
    path.write_bytes(book.data)
    out = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    assert out, "the PDF has no fonts"
    assert any("Noto-Sans-CJK-JP" in line or "NotoSansCJKjp" in line for line in out), out
    for line in out:
        # name type encoding emb sub uni object ID: emb is the fourth column from the end.
        assert line.split()[-5] == "yes", line


def test_the_pdf_is_named_cached_and_revalidated(app, book):
    assert book.headers["Content-Type"] == "application/pdf"
    assert book.headers["Content-Disposition"] == "inline; filename=kakehashi-casebook.pdf"
    assert book.headers["Cache-Control"] == "private, no-cache"
    assert book.headers["ETag"]


def test_a_chapter_and_a_selection_keep_the_books_order(
    app,
    people,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    cache = tmp_path / "cache"
    monkeypatch.setitem(app.config, "CASEBOOK_PDF_CACHE_DIR", str(cache))
    make_case(app, "outside-one", title="外からの事例その一", direction="outside")
    make_case(app, "inside-one", title="内からの事例その一", direction="inside")
    make_case(app, "inside-two", title="内からの事例その二", direction="inside")
    c = client_as(app, "edi")

    r = c.get("/cases/book.pdf?chapter=4")
    assert r.status_code == 200
    assert "kakehashi-casebook-chapter-4.pdf" in r.headers["Content-Disposition"]
    text = squeeze("".join(pdf_pages(r.data, tmp_path)))
    assert "外からの事例その一" not in text and "はじめに" not in text
    assert text.find("内からの事例その一") < text.find("内からの事例その二")
    assert "第4章" in text
    # A chapter without cases prints its own text.
    r = c.get("/cases/book.pdf?chapter=1")
    assert r.status_code == 200 and "本書のねらい" in "".join(pdf_pages(r.data, tmp_path))

    # Asked for in the reverse order, printed in the book's order: chapter 3 before 4, each
    # after its chapter's opening page (cover, 目次, 第3章, case, 第4章, case).
    r = c.get("/cases/book.pdf?cases=inside-two,outside-one")
    assert r.status_code == 200
    pages = pdf_pages(r.data, tmp_path)
    assert toc_numbers(pages[1], ["外からの事例その一", "内からの事例その二"]) == [4, 6]
    text = squeeze("".join(pages))
    assert "内からの事例その一" not in text
    assert "選択した2件の事例" in pages[0]

    # The second request is the cached file: the same bytes, and a 304 for the same ETag.
    assert len(list(cache.glob("*.pdf"))) == 3  # chapters 4 and 1, and the selection
    again = c.get("/cases/book.pdf?cases=inside-two,outside-one")
    assert again.data == r.data and len(list(cache.glob("*.pdf"))) == 3
    assert (
        c.get(
            "/cases/book.pdf?cases=inside-two,outside-one",
            headers={"If-None-Match": r.headers["ETag"]},
        ).status_code
        == 304
    )
    # An edit changes what the PDF shows (the service stamps updated_at), so it is rendered again.
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "outside-one"))
        case.title, case.updated_at = "外からの事例その一（改訂）", utcnow()
        db.session.commit()
    edited = c.get("/cases/book.pdf?cases=inside-two,outside-one")
    assert edited.headers["ETag"] != r.headers["ETag"] and len(list(cache.glob("*.pdf"))) == 4
    assert "外からの事例その一（改訂）" in squeeze("".join(pdf_pages(edited.data, tmp_path)))


def test_only_editors_export_the_current_casebook(app, people):  # noqa: F811
    make_case(app, "published-one", title="公開済みの事例")
    anonymous = app.test_client().get("/cases/book.pdf")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    for name in ("mem",):
        r = client_as(app, name).get("/cases/book.pdf")
        assert r.status_code == 403
        assert r.mimetype == "text/html"
        assert "事例集のPDF出力は編集者だけが行えます。" in r.get_data(as_text=True)


def test_a_closed_editions_pdf_is_public_and_holds_that_editions_cases(
    app,
    people,  # noqa: F811
    tmp_path,
):
    make_case(app, "first-edition-case", title="第1版の事例")
    make_case(app, "draft-case", title="下書きのまま", status="draft")
    visitor = app.test_client()
    # Edition 1 is open: no public PDF yet, for anyone.
    r = visitor.get("/cases/editions/1/book.pdf")
    assert r.status_code == 404 and "第1版はまだ締められていない" in r.get_data(as_text=True)
    assert client_as(app, "edi").get("/cases/editions/1/book.pdf").status_code == 404
    assert visitor.get("/cases/editions/99/book.pdf").status_code == 404
    assert "/cases/editions/1/book.pdf" not in visitor.get("/cases/chapters/").get_data(
        as_text=True
    )

    with app.app_context():
        editor = db.session.get(type(people["edi"]), people["edi"].id)
        editions.current()
        edition_books.close(editor, 1, "令和8年12月版")
        db.session.commit()
    make_case(app, "second-edition-case", title="第2版の事例")

    r = visitor.get("/cases/editions/1/book.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "kakehashi-casebook-edition-1.pdf" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"].startswith("public")
    pages = pdf_pages(r.data, tmp_path)
    assert "第1版（令和8年12月版）" in pages[0] and "編集中" not in pages[0]
    text = squeeze("".join(pages))
    assert "第1版の事例" in text
    assert "第2版の事例" not in text and "下書きのまま" not in text
    # Linked for everyone from the table of contents, and from the editions page for editors.
    assert "/cases/editions/1/book.pdf" in visitor.get("/cases/chapters/").get_data(as_text=True)
    editions_page = client_as(app, "edi").get("/cases/editions").get_data(as_text=True)
    assert "/cases/editions/1/book.pdf" in editions_page and "PDFで出力" in editions_page
    # Edition 2 is open now: still no public PDF of it.
    assert visitor.get("/cases/editions/2/book.pdf").status_code == 404


def test_the_casebook_links_the_export_for_editors_only(app, people):  # noqa: F811
    assert "PDFで出力" in client_as(app, "edi").get("/cases/").get_data(as_text=True)
    for c in (app.test_client(), client_as(app, "mem")):
        page = c.get("/cases/").get_data(as_text=True)
        assert "PDFで出力" not in page and "/cases/book.pdf" not in page


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("chapter=abc", 400, "章は数字で指定してください。"),
        ("chapter=%EF%BC%93", 400, "章は数字で指定してください。"),  # a full-width 3
        ("chapter=9", 404, "第9章はありません。"),
        ("chapter=3&cases=published-one", 400, "章か事例のどちらか一方を指定してください。"),
        ("cases=Bad_Slug!", 400, "「Bad_Slug!」は事例のアドレスではありません。"),
        ("cases=published-one,no-such-case", 404, "「no-such-case」というアドレスの公開済みの事例"),
        ("cases=a-draft", 404, "「a-draft」というアドレスの公開済みの事例"),
        (
            "cases=" + ",".join(f"case-{n}" for n in range(201)),
            400,
            "事例は200件まで指定できます。",
        ),
    ],
)
def test_bad_parameters_get_a_clear_japanese_message(
    app,
    people,  # noqa: F811
    query,
    status,
    message,
):
    make_case(app, "published-one", title="公開済みの事例")
    make_case(app, "a-draft", title="下書きの事例", status="draft")
    r = client_as(app, "edi").get(f"/cases/book.pdf?{query}")
    assert r.status_code == status
    assert message in r.get_data(as_text=True)


def test_the_renderer_fetches_nothing_from_the_network(app):
    with app.test_request_context("/"):
        fetch = pdf.fetcher()
        for url in ("https://example.com/x.png", "http://127.0.0.1:9/x.css", "file:///etc/passwd"):
            with pytest.raises(ValueError):
                fetch.fetch(url)
        css = fetch.fetch("http://localhost/static/css/book.css")
        assert b"@page" in css.read()
        with pytest.raises(ValueError):
            fetch.fetch("http://localhost/static/../community/config.py")
