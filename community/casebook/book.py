"""The casebook as a book: chapters, the 課題ステータス × 支援メニュー matrix, and editions."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from community import policy
from community.casebook import bp, chapters, edition_books, editions, pdf
from community.casebook.forms import CloseEditionForm
from community.errors import NotFound, PermissionDenied, ValidationFailed
from community.forms import apply_errors


def _english() -> bool:
    """Titles in English for the English interface (the chapters' text is Japanese only)."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


@bp.route("/cases/chapters/")
def chapter_index():
    return render_template(
        "casebook/chapters.html",
        book=chapters.book(),
        counts=chapters.toc_counts(current_user),
        closed_edition=pdf.latest_closed_edition(),
        english=_english(),
    )


@bp.route("/cases/chapters/<int:number>")
def chapter(number: int):
    ch = chapters.chapter(number)
    if ch is None:
        raise NotFound(_("There is no chapter %(n)d.", n=number))
    book = chapters.book()
    return render_template(
        "casebook/chapter.html",
        book=book,
        ch=ch,
        previous=chapters.chapter(number - 1),
        following=chapters.chapter(number + 1),
        cases=chapters.chapter_cases(current_user, ch) if ch.sections else {},
        menus=chapters.menu_groups() if any(p.get("kind") == "menus" for p in ch.parts) else [],
        english=_english(),
    )


@bp.route("/cases/matrix")
def matrix():
    return render_template(
        "casebook/matrix.html", m=chapters.matrix(current_user), english=_english()
    )


def _require_editor() -> None:
    if not policy.is_editor(current_user):
        raise PermissionDenied(_("Only editors can manage editions."))


def _editions_page(form: CloseEditionForm, status: int = 200):
    current = editions.current()
    form.edition.data = current.number
    return render_template(
        "casebook/editions.html", form=form, current=current, rows=editions.listing()
    ), status


def _pdf_response(req: pdf.Request, cache_control: str):
    """The book's PDF, shown in the browser and saved under its file name; a client holding
    the same PDF (its ETag) gets 304."""
    body, key = pdf.book_pdf(current_user, req)
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers.set("Content-Disposition", "inline", filename=req.name)
    response.headers["Cache-Control"] = cache_control
    response.set_etag(key)
    return response.make_conditional(request)


@bp.route("/cases/book.pdf")
@login_required
def book_pdf():
    """Editors: the published casebook as a PDF (all chapters, ?chapter=<n>, or
    ?cases=slug1,slug2 kept in the book's order)."""
    if not policy.is_editor(current_user):
        raise PermissionDenied(_("Only editors can export the casebook as a PDF."))
    req = pdf.parse(request.args.get("chapter"), request.args.get("cases"))
    return _pdf_response(req, "private, no-cache")


@bp.route("/cases/editions/<int:number>/book.pdf")
def edition_pdf(number: int):
    """Anyone: the casebook as a closed edition left it (its cases and the earlier editions'),
    the PDF printed when it was closed and never changed since (edition_books)."""
    book = edition_books.book_for(number)
    if request.if_none_match.contains(book.sha256):
        response = make_response("", 304)  # the bytes are not even loaded
    else:
        response = make_response(book.pdf)
        response.mimetype = "application/pdf"
        name = pdf.Request(edition=book.edition).name
        response.headers.set("Content-Disposition", "inline", filename=name)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.set_etag(book.sha256)
    return response


@bp.route("/cases/editions")
@login_required
def edition_index():
    _require_editor()
    return _editions_page(CloseEditionForm())


@bp.route("/cases/editions/close", methods=["POST"])
@login_required
def close_edition():
    _require_editor()
    form = CloseEditionForm()
    if not form.validate_on_submit():
        return _editions_page(form, 400)
    try:
        opened = edition_books.close(current_user, form.edition.data, form.note.data)
    except edition_books.BookNotRendered as err:
        form.form_errors.append(err.message)  # nothing was written: the edition stays open
        return _editions_page(form, err.status)
    except ValidationFailed as err:
        if "edition" in err.fields:  # a hidden field: say it above the form
            form.form_errors.append(err.message)
        else:
            apply_errors(form, err)
        return _editions_page(form, err.status)
    flash(
        _(
            "Edition %(closed)d is closed. Cases published from now on appear in edition "
            "%(open)d and are marked New.",
            closed=opened.number - 1,
            open=opened.number,
        ),
        "success",
    )
    return redirect(url_for("casebook.edition_index"))
