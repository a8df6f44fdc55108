"""The casebook (事例集)."""

from flask import Blueprint

bp = Blueprint("casebook", __name__)


@bp.app_context_processor
def _labels():
    from flask_babel import get_locale
    from flask_babel import lazy_gettext as _l

    from community.casebook.chapters import book as the_book

    labels = {"draft": _l("Draft"), "review": _l("In review"), "published": _l("Published")}
    consent = {
        "none": _l("Consent not requested"),
        "requested": _l("Consent requested"),
        "granted": _l("Consent granted"),
    }

    def section_label(code: str | None) -> str:
        """「第3章 既存組織による自治体支援事例」 for a section code ("" for none)."""
        s = the_book().sections.get(code or "")
        if s is None:
            return ""
        english = (locale := get_locale()) is not None and locale.language == "en"
        return str(_l("Ch. %(n)d", n=s.chapter)) + " " + (s.title_en if english else s.title)

    def section_chapter(code: str | None) -> int | None:
        """The chapter number a section is in (None for none)."""
        s = the_book().sections.get(code or "")
        return s.chapter if s else None

    def suggestion_pending_count() -> int:
        """Suggestions waiting for an editor, for the header's link: one count query, and only
        for editors (0 without a query for everyone else)."""
        from flask_login import current_user

        from community.casebook.suggestions import pending_count

        return pending_count(current_user)

    return {
        "suggestion_pending_count": suggestion_pending_count,
        "case_status_label": lambda s: str(labels.get(s, s)),
        "consent_label": lambda s: str(consent.get(s, s)),
        "edition_label": lambda n: str(_l("Edition %(n)d", n=n)),
        "section_label": section_label,
        "section_chapter": section_chapter,
    }


from community.casebook import book, routes, routes_suggestions, subscribers  # noqa: E402,F401
