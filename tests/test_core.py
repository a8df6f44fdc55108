"""Health check, security headers, error pages and the language switch."""

from community.i18n import LANG_COOKIE


def test_healthz_is_liveness_and_readyz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "mail_queue": 0}


def test_readyz_reports_the_mail_queue_depth(client, app):
    from community import mail

    with app.app_context():
        app.config["MAIL_DELIVER_ON_COMMIT"] = False
        try:
            mail.queue("a@example.com", "件名", "reset_unknown", register_url="http://x/")
            from community.extensions import db

            db.session.commit()
        finally:
            app.config["MAIL_DELIVER_ON_COMMIT"] = True
    assert client.get("/readyz").get_json()["mail_queue"] == 1


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_home_is_japanese_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="ja"' in html
    assert "ログイン" in html


def test_language_switch_is_remembered_by_the_browser(client):
    response = client.post("/lang", data={"lang": "en", "next": "/people/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/people/")
    assert LANG_COOKIE in response.headers.get("Set-Cookie", "")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html


def test_language_switch_ignores_unknown_language_and_foreign_next(client):
    response = client.post("/lang", data={"lang": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert 'lang="ja"' in client.get("/").get_data(as_text=True)


def test_language_is_remembered_per_user(client, make_user):
    from tests.conftest import login

    make_user(username="aiko")
    login(client, "aiko")
    client.post("/lang", data={"lang": "en"})
    other_browser = client.application.test_client()
    login(other_browser, "aiko")
    assert 'lang="en"' in other_browser.get("/").get_data(as_text=True)


def test_404_page_in_users_language(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)
    client.post("/lang", data={"lang": "en"})
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "404" and body["error"]["message"]
