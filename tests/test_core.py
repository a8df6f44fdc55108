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


def test_a_visitors_pages_set_no_session_cookie_and_carry_no_token(client, csrf_on, make_user):
    from community.extensions import db
    from tests.qa_helpers import ask

    user = make_user(username="aiko")
    with client.application.app_context():
        question = ask(user.id).id
        db.session.commit()
    pages = ["/", "/questions/", f"/questions/{question}", "/cases/", "/circles/", "/support/"]
    for path in pages + ["/search?q=橋梁"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "session=" not in response.headers.get("Set-Cookie", ""), path
        assert "csrf" not in response.get_data(as_text=True), path


def test_a_visitor_switches_language_without_a_token_from_this_site_only(client, csrf_on):
    own = client.post(
        "/lang", data={"lang": "en", "next": "/"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert own.status_code == 302 and LANG_COOKIE in own.headers.get("Set-Cookie", "")
    other = client.application.test_client()
    forged = other.post(
        "/lang", data={"lang": "en", "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 302 and LANG_COOKIE not in forged.headers.get("Set-Cookie", "")
    assert 'lang="ja"' in other.get("/").get_data(as_text=True)


def test_a_member_switches_the_accounts_language_only_with_a_token(client, make_user, csrf_on):
    import re

    from tests.conftest import login

    make_user(username="aiko")
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data = {"identifier": "aiko", "password": "correct horse battery", "csrf_token": token}
    assert client.post("/auth/login", data=data).status_code == 302
    refused = client.post("/lang", data={"lang": "en"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert refused.status_code == 400
    elsewhere = client.application.test_client()
    client.application.config["WTF_CSRF_ENABLED"] = False
    login(elsewhere, "aiko")
    assert 'lang="ja"' in elsewhere.get("/").get_data(as_text=True)  # no token: unchanged
    client.application.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/lang", data={"lang": "en", "csrf_token": token})
    assert 'lang="en"' in elsewhere.get("/").get_data(as_text=True)
