"""The shared lower helpers: LIKE patterns, storing rendered Markdown, and what templates ask."""

from __future__ import annotations

from flask import render_template_string
from flask_login import login_user

from community import markdown, text
from community.circles.models import Circle
from community.extensions import db
from community.notifications import services as notifications
from community.office_hours.models import AdviserSettings
from community.profiles.models import Profile
from tests.factories import make_user


def test_like_patterns_escape_the_wildcards_they_contain():
    assert text.like_escape("50%_a\\b") == "50\\%\\_a\\\\b"
    assert text.like_pattern("a_b") == "%a\\_b%"
    assert text.like_prefix("a_b") == "a\\_b%"


def test_mention_candidates_take_an_underscore_literally(ctx):
    make_user(username="ken_ito")
    make_user(username="kenxito")
    assert [u for u, _n in notifications.mention_candidates("ken_")] == ["ken_ito"]
    assert notifications.mention_candidates("%") == []


def test_store_sets_source_html_and_the_version_column_together(ctx):
    circle = Circle(slug="store-test", name_ja="テスト", name_en="Test")
    markdown.store(circle, "description", "**太字**です")
    assert circle.description_md == "**太字**です"
    assert "<strong>太字</strong>" in circle.description_html
    assert circle.renderer == markdown.RENDERER_VERSION

    profile = Profile()
    markdown.store(profile, "bio", "hello")
    assert (profile.bio_md, profile.bio_renderer) == ("hello", markdown.RENDERER_VERSION)

    settings = AdviserSettings()
    markdown.store(settings, "intro", None)
    assert (settings.intro_md, settings.intro_html) == ("", "")
    assert markdown.version_column(AdviserSettings, "intro") is None


def _render(app, source: str, user=None, path: str = "/") -> str:
    with app.test_request_context(path):
        if user is not None:
            login_user(user)
        return render_template_string(source)


PERMISSIONS = (
    "{{ current_user is signed_in }} {{ current_user is admin }} "
    "{{ current_user is editor }} {{ current_user is adviser }}"
)


def test_permission_tests_follow_policy(app):
    with app.app_context():
        member = make_user()
        admin = make_user(role="admin")
        adviser = make_user(role="adviser")
        db.session.commit()
        assert _render(app, PERMISSIONS) == "False False False False"
        assert _render(app, PERMISSIONS, member) == "True False False False"
        # Administrators edit the casebook too.
        assert _render(app, PERMISSIONS, admin) == "True True True False"
        assert _render(app, PERMISSIONS, adviser) == "True False False True"


def test_current_page_marks_a_blueprint_or_an_endpoint(app):
    link = "{{ current_page('questions', unless='questions.ask') }}|{{ current_page('auth') }}"
    assert _render(app, link, path="/questions/") == 'aria-current="page"|'
    assert _render(app, link, path="/questions/ask") == "|"
    assert _render(app, link, path="/auth/login") == '|aria-current="page"'
    assert _render(app, "{{ current_page('profiles.directory') }}", path="/people/") == (
        'aria-current="page"'
    )
