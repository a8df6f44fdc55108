"""The 「デモ用の架空データ」 banner: on every page once `flask seed demo` has loaded the demo
data (a stored site setting), absent otherwise, and forced either way by DEMO_BANNER."""

from __future__ import annotations

from community.extensions import db
from community.sitesettings import DEMO_BANNER, ON, SiteSetting, get_setting, set_setting

BANNER = 'class="banner warn demo-banner"'
TEXT = "デモ用の架空データです。人物・質問・所属はすべて架空です。"
PAGES = ("/", "/cases/", "/questions/", "/auth/login")


def shows_banner(client, path: str) -> bool:
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert (BANNER in page) == (TEXT in page), path
    return BANNER in page


def test_no_banner_without_demo_data(app):
    c = app.test_client()
    assert not any(shows_banner(c, path) for path in PAGES)
    with app.app_context():
        assert db.session.get(SiteSetting, DEMO_BANNER) is None


def test_seed_demo_turns_the_banner_on_for_every_page(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(SiteSetting, DEMO_BANNER).value == ON
    c = app.test_client()
    assert all(shows_banner(c, path) for path in (*PAGES, "/cases/kosen-reim", "/people/"))


def test_the_stored_setting_is_what_a_new_process_reads(app):
    with app.app_context():
        set_setting(DEMO_BANNER, ON)
        db.session.commit()
    app.extensions["site_settings"].clear()  # as a freshly started process
    assert shows_banner(app.test_client(), "/")
    with app.app_context():
        set_setting(DEMO_BANNER, "off")
        db.session.commit()
        assert get_setting(DEMO_BANNER) == "off"
    assert not shows_banner(app.test_client(), "/")


def test_the_config_overrides_the_stored_setting(app):
    with app.app_context():
        set_setting(DEMO_BANNER, ON)
        db.session.commit()
    app.config["DEMO_BANNER"] = False
    assert not shows_banner(app.test_client(), "/")
    with app.app_context():
        set_setting(DEMO_BANNER, "off")
        db.session.commit()
    app.config["DEMO_BANNER"] = True
    assert shows_banner(app.test_client(), "/")


def test_english_pages_say_it_in_english(app):
    app.config["DEMO_BANNER"] = True
    c = app.test_client()
    c.set_cookie("lang", "en")
    page = c.get("/").get_data(as_text=True)
    assert BANNER in page and TEXT not in page
    assert "Demo data: the people, questions and affiliations here are fictional." in page
