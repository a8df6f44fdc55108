"""The Markdown preview endpoint used by every editor's Preview tab."""

import re

from tests.conftest import login


def test_preview_renders_and_sanitises(client, make_user):
    make_user(username="kenji")
    login(client, "kenji")
    response = client.post("/api/markdown/preview", json={"source": "**太字** <script>x</script>"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>太字</strong>" in html and "<script>" not in html


def test_preview_needs_login(client):
    response = client.post("/api/markdown/preview", json={"source": "x"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_preview_bad_payload_is_422_with_field(client, make_user):
    make_user(username="kenji")
    login(client, "kenji")
    for body in ({}, {"source": 3}, {"source": "x" * 20_001}):
        response = client.post("/api/markdown/preview", json=body)
        assert response.status_code == 422
        assert "source" in response.get_json()["error"]["fields"]


def test_preview_requires_csrf_header_when_csrf_is_on(client, make_user, csrf_on):
    make_user(username="kenji")
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post(
        "/auth/login",
        data={"identifier": "kenji", "password": "correct horse battery", "csrf_token": token},
    )
    # A member's pages carry the token for the site's scripts (a visitor's carry none).
    assert 'name="csrf-token"' in client.get("/").get_data(as_text=True)
    assert client.post("/api/markdown/preview", json={"source": "x"}).status_code == 400
    ok = client.post("/api/markdown/preview", json={"source": "x"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_mention_autocomplete(client, make_user):
    make_user(username="kenji")
    make_user(username="kenta", display_name="健太")
    make_user(username="other")
    assert client.get("/api/users/mention?q=ken").status_code == 403
    login(client, "kenji")
    users = client.get("/api/users/mention?q=KEN").get_json()["users"]
    assert [u["username"] for u in users] == ["kenji", "kenta"]
    assert client.get("/api/users/mention?q=%25").get_json() == {"users": []}
