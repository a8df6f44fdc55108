"""A closed edition's public PDF is printed when the edition closes and stored: later edits to
its cases never reach it (the editors' live PDF shows them), a renderer failure leaves the
edition open with nothing written, and an edition closed before books were stored gets its PDF
printed and kept on the first request."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from sqlalchemy import delete, func, select

from community.casebook.models import Case, CaseEdition, CaseEditionBook
from community.db import utcnow
from community.extensions import db
from tests.conftest import client_as
from tests.test_casebook import make_case, people  # noqa: F401
from tests.test_casebook_pdf import pdf_pages, squeeze

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


def retitle(app, slug: str, title: str) -> None:
    """An editor's edit of a case's title (the service stamps updated_at)."""
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == slug))
        case.title, case.updated_at = title, utcnow()
        db.session.commit()


def text_of(data: bytes, tmp_path) -> str:
    return squeeze("".join(pdf_pages(data, tmp_path)))


def edition(app, number: int) -> CaseEdition | None:
    with app.app_context():
        return db.session.scalar(select(CaseEdition).where(CaseEdition.number == number))


def books(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseEditionBook))


def test_the_public_pdf_is_the_one_printed_at_closing(app, people, tmp_path):  # noqa: F811
    make_case(app, "frozen-case", title="締めた時点の題名")
    editor = client_as(app, "edi")
    assert editor.get("/cases/editions").status_code == 200
    r = editor.post("/cases/editions/close", data={"edition": "1", "note": "令和8年12月版"})
    assert r.status_code == 302
    assert books(app) == 1

    retitle(app, "frozen-case", "締めた後に直した題名")

    visitor = app.test_client()
    public = visitor.get("/cases/editions/1/book.pdf")
    assert public.status_code == 200 and public.mimetype == "application/pdf"
    text = text_of(public.data, tmp_path)
    assert "締めた時点の題名" in text and "締めた後に直した題名" not in text
    assert "第1版（令和8年12月版）" in text
    # The stored bytes, named by their hash, cacheable by anyone, revalidated with a 304.
    assert public.headers["ETag"] == f'"{hashlib.sha256(public.data).hexdigest()}"'
    assert public.headers["Cache-Control"].startswith("public")
    assert "kakehashi-casebook-edition-1.pdf" in public.headers["Content-Disposition"]
    again = visitor.get(
        "/cases/editions/1/book.pdf", headers={"If-None-Match": public.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert visitor.get("/cases/editions/1/book.pdf").data == public.data

    # The editors' live PDF reads the cases as they are now.
    live = editor.get("/cases/book.pdf")
    assert live.status_code == 200 and live.headers["Cache-Control"] == "private, no-cache"
    live_text = text_of(live.data, tmp_path)
    assert "締めた後に直した題名" in live_text and "締めた時点の題名" not in live_text


def test_a_failed_render_leaves_the_edition_open_and_writes_nothing(
    app,
    people,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    make_case(app, "still-new", title="まだ新しい事例")
    editor = client_as(app, "edi")
    editor.get("/cases/editions")
    # The renderer really runs and fails: its stylesheet (static/css/book.css) is not there.
    empty = tmp_path / "no-static"
    empty.mkdir()
    monkeypatch.setattr(app, "static_folder", str(empty))
    r = editor.post("/cases/editions/close", data={"edition": "1", "note": "失敗する版"})
    assert r.status_code == 503
    page = r.get_data(as_text=True)
    assert "第1版のPDFを作れなかったため、版は締めていません。" in page
    first = edition(app, 1)
    assert first.closed_at is None and first.note == "" and edition(app, 2) is None
    assert books(app) == 0
    with app.app_context():
        assert db.session.scalar(select(Case.is_new).where(Case.slug == "still-new")) is True
    assert app.test_client().get("/cases/editions/1/book.pdf").status_code == 404

    # With the stylesheet back, the same click closes it.
    monkeypatch.undo()
    assert editor.post("/cases/editions/close", data={"edition": "1"}).status_code == 302
    assert edition(app, 1).closed_at is not None and books(app) == 1


def test_an_edition_closed_before_books_were_kept_is_printed_once_on_first_request(
    app,
    people,  # noqa: F811
    tmp_path,
):
    make_case(app, "legacy-case", title="旧版の事例")
    editor = client_as(app, "edi")
    editor.get("/cases/editions")
    assert editor.post("/cases/editions/close", data={"edition": "1"}).status_code == 302
    with app.app_context():  # as an edition closed before this table existed
        db.session.execute(delete(CaseEditionBook))
        db.session.commit()

    visitor = app.test_client()
    first = visitor.get("/cases/editions/1/book.pdf")
    assert first.status_code == 200 and "旧版の事例" in text_of(first.data, tmp_path)
    assert books(app) == 1
    retitle(app, "legacy-case", "旧版の事例（改訂）")
    second = visitor.get("/cases/editions/1/book.pdf")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]


def test_who_may_close_and_read_is_unchanged(app, people):  # noqa: F811
    make_case(app, "some-case", title="権限を確かめる事例")
    member = client_as(app, "mem")
    assert member.post("/cases/editions/close", data={"edition": "1"}).status_code == 403
    anonymous = app.test_client().post("/cases/editions/close", data={"edition": "1"})
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert books(app) == 0 and edition(app, 2) is None
    assert member.get("/cases/book.pdf").status_code == 403
    assert (
        client_as(app, "boss").post("/cases/editions/close", data={"edition": "1"}).status_code
        == 302
    )
    # Closed: anyone reads the edition, members and visitors alike.
    assert member.get("/cases/editions/1/book.pdf").status_code == 200
    assert app.test_client().get("/cases/editions/1/book.pdf").status_code == 200


def test_two_editors_closing_at_once_close_it_once_with_one_pdf(app, people):  # noqa: F811
    from tests.test_races import meet_before, together

    make_case(app, "raced-case", title="同時に締める事例")
    first, second = client_as(app, "edi"), client_as(app, "boss")
    first.get("/cases/editions")
    # Both have printed the book and read the open edition before either writes.
    with meet_before(app, "UPDATE case_editions", 2):
        answers = together(
            lambda: first.post("/cases/editions/close", data={"edition": "1"}),
            lambda: second.post("/cases/editions/close", data={"edition": "1"}),
        )
    assert sorted(r.status_code for r in answers) == [302, 409], answers
    assert edition(app, 1).closed_at is not None and edition(app, 2).closed_at is None
    assert edition(app, 3) is None and books(app) == 1
    assert app.test_client().get("/cases/editions/1/book.pdf").status_code == 200
