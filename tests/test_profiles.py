"""Profile editing, visibility, and Markdown sanitising."""

import pytest
from sqlalchemy import select

from community.auth.models import User
from community.extensions import db
from community.profiles.models import Profile
from tests.conftest import login

FORM = {
    "display_name": "田中 健一",
    "organisation": "黒部市",
    "prefecture": "16",
    "population_band": "10k-50k",
    "department": "建設部 道路課",
    "job_title": "主任",
    "years_experience": "7",
    "fields": ["bridge", "road"],
    "help_topics": ["inspection"],
    "learn_topics": ["outsourcing"],
    "qualifications": "道路橋点検士",
    "bio": "市内の橋梁 **180 橋** を担当。",
    "visibility": "public",
}


def test_edit_profile_saves_everything(client, app, make_user):
    user = make_user(username="tanaka")
    login(client, "tanaka")
    assert client.get("/settings/profile").status_code == 200
    response = client.post("/settings/profile", data=FORM)
    assert response.status_code == 302 and response.headers["Location"] == "/people/tanaka"
    with app.app_context():
        p = db.session.get(Profile, user.id)
        assert p.organisation == "黒部市" and p.prefecture_code == "16"
        assert p.population_band_code == "10k-50k" and p.years_experience == 7
        assert [f.code for f in p.fields] == ["road", "bridge"], "stored in reference order"
        assert [t.code for t in p.help_topics] == ["inspection"]
        assert [t.code for t in p.learn_topics] == ["outsourcing"]
        assert "<strong>180 橋</strong>" in p.bio_html
        assert p.user.display_name == "田中 健一"
    page = client.get("/people/tanaka").get_data(as_text=True)
    assert "黒部市" in page and "<strong>180 橋</strong>" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"prefecture": "99"}, "prefecture"),
        ({"population_band": "huge"}, "population_band"),
        ({"years_experience": "-1"}, "years_experience"),
        ({"years_experience": "abc"}, "years_experience"),
        ({"fields": ["bridge", "nonsense"]}, "fields"),
        ({"help_topics": ["nope"]}, "help_topics"),
        ({"visibility": "everyone"}, "visibility"),
        ({"display_name": ""}, "display_name"),
        ({"bio": "x" * 4001}, "bio"),
    ],
)
def test_bad_profile_input_is_422_and_writes_nothing(client, app, make_user, changes, field):
    user = make_user(username="tanaka")
    login(client, "tanaka")
    response = client.post("/settings/profile", data={**FORM, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"{field}-error" in html or 'aria-invalid="true"' in html
    with app.app_context():
        p = db.session.get(Profile, user.id)
        assert p.organisation == "" and p.fields == []


def test_bio_markdown_is_sanitised(client, app, make_user):
    user = make_user(username="tanaka")
    login(client, "tanaka")
    evil = (
        "<script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> [ok](https://example.jp)\n\n| a | b |\n|---|---|\n| 1 | 2 |'
    )
    client.post("/settings/profile", data={**FORM, "bio": evil})
    with app.app_context():
        html = db.session.get(Profile, user.id).bio_html
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html, "unsafe links are not rendered as links"
    assert '<a href="https://example.jp" rel="nofollow noopener ugc">ok</a>' in html
    assert "<table>" in html
    page = client.get("/people/tanaka").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_display_name_is_escaped(client, make_user):
    make_user(username="tanaka", display_name="<b>bold</b>", visibility="public")
    page = client.get("/people/").get_data(as_text=True)
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_members_only_profile_hidden_from_visitors(client, make_user):
    make_user(username="hidden", visibility="members")
    make_user(username="shown", visibility="public")
    assert client.get("/people/hidden").status_code == 404
    assert client.get("/people/shown").status_code == 200
    listing = client.get("/people/").get_data(as_text=True)
    assert "/people/shown" in listing and "/people/hidden" not in listing
    make_user(username="viewer")
    login(client, "viewer")
    assert client.get("/people/hidden").status_code == 200
    assert "/people/hidden" in client.get("/people/").get_data(as_text=True)


def test_email_is_never_shown_on_profiles(client, make_user):
    make_user(username="tanaka", email="secret.addr@example.com", visibility="public")
    make_user(username="viewer")
    login(client, "viewer")
    for path in ("/people/tanaka", "/people/", "/"):
        assert "secret.addr" not in client.get(path).get_data(as_text=True)


def test_profile_edit_requires_login(client):
    response = client.get("/settings/profile")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_service_refuses_editing_someone_elses_profile(app, make_user, ctx):
    from community.errors import PermissionDenied
    from community.profiles.services import update_profile

    a = db.session.get(User, make_user(username="aaa").id)
    b = db.session.get(User, make_user(username="bbb").id)
    with pytest.raises(PermissionDenied):
        update_profile(a, b, {"display_name": "hacked"})
    assert db.session.scalar(select(User.display_name).where(User.username == "bbb")) != "hacked"


def test_form_with_csrf_on_rejects_missing_token(client, make_user, csrf_on):
    make_user(username="tanaka")
    # Logging in itself needs the token now: take it from the form.
    page = client.get("/auth/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/auth/login", data={"identifier": "tanaka", "password": "correct horse battery"}
        ).status_code
        == 400
    )
    ok = client.post(
        "/auth/login",
        data={"identifier": "tanaka", "password": "correct horse battery", "csrf_token": token},
    )
    assert ok.status_code == 302
    assert client.post("/settings/profile", data=FORM).status_code == 400
    assert client.post("/lang", data={"lang": "en"}).status_code == 400
