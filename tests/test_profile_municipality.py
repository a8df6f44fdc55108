"""The profile's organisation as a municipality picker: the type-ahead endpoint, the form
(with and without JavaScript's picked code), other typed organisations, and matching the
free-text organisations members wrote before."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from community.extensions import db
from community.profiles import organisation
from community.profiles.models import OrganisationKind, Profile
from community.reference.models import Municipality
from tests.conftest import client_as, login

FORM = {
    "display_name": "田中 健一",
    "organisation_kind": "municipality",
    "municipality": "高山市",
    "organisation": "",
    "prefecture": "",
    "population_band": "",
    "visibility": "members",
}


@pytest.fixture
def populations(app):
    """Give 高山市 an official population for one test (reference rows outlive tests)."""
    with app.app_context():
        db.session.execute(
            update(Municipality).where(Municipality.code == "212032").values(population=82_000)
        )
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(update(Municipality).values(population=None))
        db.session.commit()


def member(app, make_user, **data):
    """make_user, then the organisation part of the profile form as the form applies it."""
    org = {k: data.pop(k) for k in list(data) if k in ("organisation_kind", "municipality")}
    user = make_user(**data)
    if org:
        with app.app_context():
            p = db.session.get(Profile, user.id)
            choice = organisation.read_choice({**data, **org})
            organisation.apply_choice(p, choice)
            db.session.commit()
    return user


def profile_of(app, user) -> Profile:
    with app.app_context():
        p = db.session.get(Profile, user.id)
        db.session.expunge_all()
        return p


# --- the type-ahead endpoint ------------------------------------------------------------------


@pytest.mark.parametrize("q", ["たかやまし", "タカヤマシ", "ﾀｶﾔﾏｼ", "高山市", "高山"])
def test_lookup_by_hiragana_katakana_and_kanji(client, make_user, q):
    make_user(username="looker")
    login(client, "looker")
    response = client.get("/api/municipalities", query_string={"q": q})
    assert response.status_code == 200
    found = response.get_json()["municipalities"]
    takayama = [m for m in found if m["code"] == "212032"]
    assert takayama, found
    assert takayama[0] == {
        "code": "212032",
        "name": "高山市",
        "kana": "タカヤマシ",
        "kind": "市",
        "label": "高山市（岐阜県）",
        "prefecture_code": "21",
        "prefecture": "岐阜県",
        "band": None,
    }


def test_lookup_is_bounded_and_says_nothing_about_members(client, app, make_user):
    member(
        app, make_user, username="looker", organisation_kind="municipality", municipality="黒部市"
    )
    login(client, "looker")
    found = client.get("/api/municipalities?q=市").get_json()["municipalities"]
    assert len(found) == 10
    body = client.get("/api/municipalities?q=くろべ").get_data(as_text=True)
    assert "looker" not in body and "members" not in body and "population" not in body
    assert client.get("/api/municipalities?q=").get_json() == {"municipalities": []}
    long = client.get("/api/municipalities", query_string={"q": "あ" * 5000})
    assert long.status_code == 200


def test_lookup_needs_a_signed_in_member(client):
    response = client.get("/api/municipalities?q=たかやま")
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "ログインしてください。"


# --- the profile form -------------------------------------------------------------------------


def test_typed_municipality_without_javascript_sets_prefecture_and_band(
    client, app, make_user, populations
):
    user = make_user(username="hida")
    login(client, "hida")
    response = client.post("/settings/profile", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    p = profile_of(app, user)
    assert p.municipality_code == "212032" and p.organisation == "高山市"
    assert p.prefecture_code == "21" and p.population_band_code == "50k-100k"
    assert p.organisation_kind == OrganisationKind.MUNICIPALITY
    page = client.get("/settings/profile").get_data(as_text=True)
    assert 'value="高山市（岐阜県）"' in page and 'value="212032"' in page


def test_picked_code_wins_and_band_stays_self_declared_without_population(client, app, make_user):
    user = make_user(username="fuchu")
    login(client, "fuchu")
    data = {
        **FORM,
        "municipality": "府中市（広島県）",
        "municipality_code": "342084",
        "population_band": "10k-50k",
    }
    assert client.post("/settings/profile", data=data).status_code == 302
    p = profile_of(app, user)
    assert (p.municipality_code, p.prefecture_code) == ("342084", "34")
    assert p.population_band_code == "10k-50k"
    # The member typed over the picked name afterwards: the text counts, not the stale code.
    stale = {**data, "municipality": "黒部市"}
    assert client.post("/settings/profile", data=stale).status_code == 302
    assert profile_of(app, user).municipality_code == "162078"


def test_prefectural_office_is_picked_with_band_pref(client, app, make_user):
    user = make_user(username="gifupref")
    login(client, "gifupref")
    data = {**FORM, "organisation_kind": "prefecture", "municipality": "岐阜県"}
    assert client.post("/settings/profile", data=data).status_code == 302
    p = profile_of(app, user)
    assert p.municipality_code == "210005" and p.population_band_code == "pref"
    assert p.organisation_kind == OrganisationKind.PREFECTURE


def test_other_organisation_is_a_kind_and_a_name(client, app, make_user):
    user = make_user(username="prof")
    login(client, "prof")
    data = {**FORM, "organisation_kind": "university", "municipality": "",
            "organisation": "岐阜大学", "prefecture": "21"}  # fmt: skip
    assert client.post("/settings/profile", data=data).status_code == 302
    p = profile_of(app, user)
    assert p.organisation_kind == OrganisationKind.UNIVERSITY and p.organisation == "岐阜大学"
    assert p.municipality_code is None and p.prefecture_code == "21"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"municipality": "府中市"}, "municipality", "「府中市」は複数あります"),
        ({"municipality": "架空市"}, "municipality", "「架空市」という市区町村はありません"),
        ({"municipality": ""}, "municipality", "市区町村を一覧から選んでください"),
        ({"municipality": "999999"}, "municipality", "このコードの市区町村はありません"),
        ({"organisation_kind": "company", "municipality": ""}, "organisation",
         "所属先の名称を入力してください"),
        ({"organisation_kind": "guild"}, "organisation_kind", None),
        ({"technical_staff": "0"}, "technical_staff", "1から10000までの数字"),
        ({"technical_staff": "多い"}, "technical_staff", None),
    ],
)  # fmt: skip
def test_bad_organisation_input_is_422_in_japanese_and_writes_nothing(
    client, app, make_user, changes, field, message
):
    user = make_user(username="bad", organisation="黒部市", prefecture="16")
    login(client, "bad")
    response = client.post("/settings/profile", data={**FORM, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"{field}-error" in html
    if message:
        assert message in html
    p = profile_of(app, user)
    assert p.municipality_code is None and p.organisation == "黒部市"
    assert p.prefecture_code == "16" and p.user_id == user.id


def test_same_name_is_resolved_within_the_chosen_prefecture(client, app, make_user):
    user = make_user(username="tokyo")
    login(client, "tokyo")
    data = {**FORM, "municipality": "府中市", "prefecture": "13"}
    assert client.post("/settings/profile", data=data).status_code == 302
    assert profile_of(app, user).municipality_code == "132063"


def test_technical_staff_is_kept_but_not_shown_on_the_profile(client, app, make_user):
    user = make_user(username="alone")
    login(client, "alone")
    data = {**FORM, "technical_staff": "1", "visibility": "public"}
    assert client.post("/settings/profile", data=data).status_code == 302
    assert profile_of(app, user).technical_staff == 1
    edit = client.get("/settings/profile").get_data(as_text=True)
    assert "技術系職員は私だけ" in edit and "集計にのみ使い" in edit
    shown = client_as(app, None).get("/people/alone").get_data(as_text=True)
    assert "高山市" in shown and "技術系職員数" not in shown and "私だけ" not in shown


def test_edit_page_queries_are_bounded(client, app, make_user, count_queries):
    make_user(username="plain")
    member(
        app, make_user, username="picked", organisation_kind="municipality", municipality="黒部市"
    )
    counts = []
    for name in ("plain", "picked"):
        c = client_as(app, name)
        c.get("/settings/profile")
        with count_queries() as q:
            assert c.get("/settings/profile").status_code == 200
        counts.append(q.count)
    assert counts[1] <= counts[0] + 1 and counts[1] <= 12, counts


# --- matching free-text organisations ---------------------------------------------------------


def test_match_organisations_matches_the_unambiguous_and_flags_the_rest(app, make_user):
    people = {
        "kurobe": make_user(organisation="黒部市役所 建設課", prefecture="16"),
        "shirakawa": make_user(organisation="白川村役場"),
        "fuchu_tokyo": make_user(organisation="府中市", prefecture="13"),
        "fuchu_unknown": make_user(organisation="府中市"),
        "gifu_pref": make_user(organisation="岐阜県庁 道路課"),
        "date_hk": make_user(organisation="伊達市", prefecture="01"),
        "kitahiro": make_user(organisation="北広島市"),
        "university": make_user(organisation="架空県立かけはし技術大学", prefecture="21"),
        "nickname": make_user(organisation="黒部"),
        "wrong_pref": make_user(organisation="黒部市", prefecture="21"),
        "empty": make_user(prefecture="21"),
        "chosen": member(
            app, make_user, organisation_kind="company", organisation="高山市建設株式会社"
        ),
    }
    with app.app_context():
        matched, flagged = organisation.match_organisations()
        db.session.commit()
        again = organisation.match_organisations()
        got = {
            key: (p.municipality_code, p.organisation_review)
            for key, user in people.items()
            for p in [db.session.get(Profile, user.id)]
        }
    assert got == {
        "kurobe": ("162078", False),
        "shirakawa": ("216046", False),
        "fuchu_tokyo": ("132063", False),
        "fuchu_unknown": (None, True),
        "gifu_pref": ("210005", False),
        "date_hk": ("012335", False),
        "kitahiro": ("012343", False),
        "university": (None, True),
        "nickname": (None, True),
        "wrong_pref": (None, True),
        "empty": (None, False),
        "chosen": (None, False),
    }
    assert (matched, flagged) == (6, 4) and again == (0, 0)


def test_flagged_member_sees_a_notice_until_they_choose(client, app, make_user):
    user = make_user(username="flagged", organisation="府中市")
    with app.app_context():
        organisation.match_organisations()
        db.session.commit()
    login(client, "flagged")
    page = client.get("/settings/profile").get_data(as_text=True)
    assert "所属「府中市」を市区町村の一覧と照合できませんでした" in page
    data = {**FORM, "municipality": "府中市（東京都）"}
    assert client.post("/settings/profile", data=data).status_code == 302
    assert profile_of(app, user).organisation_review is False
    assert "照合できませんでした" not in client.get("/settings/profile").get_data(as_text=True)


def test_own_data_export_holds_the_organisation_choice(client, app, make_user):
    make_user(username="exporter")
    login(client, "exporter")
    data = {**FORM, "technical_staff": "3"}
    assert client.post("/settings/profile", data=data).status_code == 302
    profile = client.get("/settings/data/export.json").get_json()["profile"]
    assert profile["municipality"] == "212032" and profile["organisation_kind"] == "municipality"
    assert profile["technical_staff"] == 3 and profile["prefecture"] == "21"


def test_lookup_is_rate_limited(app, make_user, limited_app):
    make_user(username="typist")
    client = client_as(limited_app, "typist")
    statuses = [client.get("/api/municipalities?q=た").status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429


def test_a_longer_name_for_the_same_place_is_kept(client, app, make_user):
    user = make_user(username="kurobe")
    login(client, "kurobe")
    data = {**FORM, "municipality": "黒部市", "organisation": "黒部市役所 建設課"}
    assert client.post("/settings/profile", data=data).status_code == 302
    p = profile_of(app, user)
    assert (p.municipality_code, p.organisation) == ("162078", "黒部市役所 建設課")
    other = {**FORM, "municipality": "高山市", "organisation": "黒部市役所 建設課"}
    assert client.post("/settings/profile", data=other).status_code == 302
    p = profile_of(app, user)
    assert (p.municipality_code, p.organisation) == ("212032", "高山市")
