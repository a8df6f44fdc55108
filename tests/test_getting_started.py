"""Getting started: confirming leads to the checklist, which follows what the member has done;
the about, terms, privacy and contact pages; opening a question reads its notifications."""

import re

from sqlalchemy import select

from community.auth import tokens
from community.auth.models import User
from community.circles import services as circles
from community.circles.models import Circle, CircleVisibility
from community.core import onboarding
from community.extensions import db
from community.notifications.models import Notification
from tests import qa_helpers
from tests.conftest import login


def _circle(slug: str, visibility=CircleVisibility.OPEN) -> int:
    circle = Circle(slug=slug, name_ja=f"{slug}の会", name_en=slug, visibility=visibility)
    db.session.add(circle)
    db.session.flush()
    return circle.id


def _checklist(app, user_id):
    with app.test_request_context():
        return onboarding.checklist(db.session.get(User, user_id))


def test_confirming_lands_on_the_checklist(client, app, make_user):
    user = make_user(username="newbie", confirmed=False)
    with app.test_request_context():
        token = tokens.make("confirm", db.session.get(User, user.id), email=user.email)
    login(client, "newbie")
    response = client.get(f"/auth/confirm/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/welcome")
    page = client.get("/welcome").get_data(as_text=True)
    assert "はじめに" in page
    for step in ("プロフィールを整える", "サークルに参加する", "質問する", "事例集を見る"):
        assert step in page
    assert "オフィスアワーを予約する" in page
    assert "5件中0件完了" in page


def test_confirming_while_logged_out_asks_to_log_in_then_welcome(client, app, make_user):
    user = make_user(username="newbie", confirmed=False)
    with app.test_request_context():
        token = tokens.make("confirm", db.session.get(User, user.id), email=user.email)
    response = client.get(f"/auth/confirm/{token}")
    assert response.headers["Location"].replace("%2F", "/").endswith("next=/welcome")


def test_the_checklist_follows_what_the_member_did(client, app, make_user):
    member = make_user(username="member")
    other = make_user(username="other")
    with app.app_context():
        bridges = _circle("bridges")
        _circle("sewers")
        _circle("parks")
        _circle("quiet")
        _circle("secret", CircleVisibility.PRIVATE)
        for slug in ("bridges", "sewers", "parks"):
            circle = db.session.scalar(select(Circle).where(Circle.slug == slug))
            circles.join(db.session.get(User, other.id), circle)
        qa_helpers.ask(other.id, circle="bridges", field="bridge")
        qa_helpers.ask(other.id, "橋の長寿命化修繕計画の見直し", circle="bridges", field="bridge")
        qa_helpers.ask(
            other.id, "下水道の管路点検の頻度はどのくらいですか", circle="sewers", field="sewer"
        )
        qa_helpers.ask(
            other.id, "公園の遊具の点検はどうしていますか", circle="parks", field="bridge"
        )
        db.session.commit()

    before = _checklist(app, member.id)
    assert [s.done for s in before.steps] == [False] * 5
    assert set(before.missing_profile) == {"fields", "municipality"}
    # Without fields: the busiest circles; never a private one.
    assert "secret" not in [s.circle.slug for s in before.circles]
    assert len(before.circles) == 3

    with app.app_context():
        from community.profiles.services import update_profile

        user = db.session.get(User, member.id)
        update_profile(
            user,
            user,
            {
                "display_name": "M",
                "fields": ["bridge"],
                "organisation": "美波町",
                "prefecture": "36",
            },
        )
        db.session.commit()
    after = _checklist(app, member.id)
    assert after.step("profile").done
    assert [(s.circle.slug, s.in_my_fields) for s in after.circles] == [
        ("bridges", 2),
        ("parks", 1),
    ], "only circles where questions in the member's fields are asked, the busiest first"
    tunnels = make_user(username="tunnels", fields=["tunnel"])
    fallback = _checklist(app, tunnels.id).circles
    assert [(s.circle.slug, s.in_my_fields) for s in fallback][0] == ("bridges", 0), (
        "no circle matches: the circles with the most questions, not claimed as matching"
    )

    with app.app_context():
        circles.join(db.session.get(User, member.id), db.session.get(Circle, bridges))
        qa_helpers.ask(member.id, "舗装の補修の優先順位の決め方について", circle="bridges")
        db.session.commit()
    later = _checklist(app, member.id)
    assert later.step("circle").done and later.step("ask").done
    assert later.circles == [], "no suggestions once in a circle"

    login(client, "member")
    assert 'data-step="cases"' in client.get("/welcome").get_data(as_text=True)
    client.get("/cases/")
    page = client.get("/welcome").get_data(as_text=True)
    assert re.search(r'class="done" data-step="cases"', page), "opening the casebook ticks it"


def test_the_home_checklist_can_be_hidden_and_shown_again(client, app, make_user, csrf_on):
    make_user(username="member")
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    client.post(
        "/auth/login",
        data={"identifier": "member", "password": "correct horse battery", "csrf_token": token[1]},
    )
    home = client.get("/").get_data(as_text=True)
    assert "home-onboarding" in home
    # Without the CSRF token nothing changes.
    assert client.post("/welcome/dismiss").status_code in (302, 400)
    assert "home-onboarding" in client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', home)[1]
    client.post("/welcome/dismiss", data={"csrf_token": csrf})
    home = client.get("/").get_data(as_text=True)
    assert "home-onboarding" not in home
    page = client.get("/welcome").get_data(as_text=True)
    assert "ホームにまた表示する" in page, "the page stays reachable and can bring it back"
    client.post("/welcome/dismiss", data={"csrf_token": csrf, "show": "1"})
    assert "home-onboarding" in client.get("/").get_data(as_text=True)


def test_welcome_needs_login(client):
    response = client.get("/welcome")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.post("/welcome/dismiss").status_code == 302


def test_ask_button_for_members_and_visitors(client, make_user):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/auth/login?next=/questions/ask"' in home.replace("%2F", "/")
    make_user(username="member")
    login(client, "member")
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/questions/ask"') >= 2, "in the header and on the home page"


def test_site_pages_and_footer(client, app):
    home = client.get("/").get_data(as_text=True)
    for path, title in (
        ("/about", "架け橋について"),
        ("/terms", "利用規約"),
        ("/privacy", "プライバシーポリシー"),
        ("/contact", "お問い合わせ"),
    ):
        assert f'href="{path}"' in home, f"{path} is linked from the footer"
        page = client.get(path)
        assert page.status_code == 200
        assert title in page.get_data(as_text=True)
    about = client.get("/about").get_data(as_text=True)
    assert "人の群マネ事例集（仮称）" in about and "国土交通省" in about
    assert "所属の枠を越えて技術者が「個人」としてつながる" in about, "quoted, not paraphrased"
    terms = client.get("/terms").get_data(as_text=True)
    assert "KAKEHASHI_OPERATOR_NAME" in terms, "an unset operator is shown as unset"
    app.config.update(OPERATOR_NAME="架橋市 建設課（架空）", CONTACT_EMAIL="info@example.jp")
    try:
        terms = client.get("/terms").get_data(as_text=True)
        contact = client.get("/contact").get_data(as_text=True)
    finally:
        app.config.update(OPERATOR_NAME="", CONTACT_EMAIL="")
    assert "架橋市 建設課（架空）" in terms and "KAKEHASHI_OPERATOR_NAME" not in terms
    assert 'href="mailto:info@example.jp"' in contact
    privacy = client.get("/privacy").get_data(as_text=True)
    for stored in (
        "プロフィール",
        "投稿",
        "予約",
        "アクセスログ",
        "Cookie",
        "保存期間",
        "個人情報",
    ):
        assert stored in privacy
    client.post("/lang", data={"lang": "en", "next": "/about"})
    assert "About Kakehashi" in client.get("/about").get_data(as_text=True)


def test_opening_a_question_reads_its_notifications_in_one_update(
    client, app, make_user, count_queries
):
    asker = make_user(username="asker")
    helper = make_user(username="helper")
    with app.app_context():
        q = qa_helpers.ask(asker.id)
        other = qa_helpers.ask(asker.id, "別の質問：下水道の点検頻度はどのくらいか")
        for _ in range(3):
            qa_helpers.answer(helper.id, q)
        qa_helpers.answer(helper.id, other)
        db.session.commit()
        qid, other_id = q.id, other.id
    login(client, "asker")
    assert 'data-unread="4"' in client.get("/").get_data(as_text=True)
    with count_queries() as queries:
        page = client.get(f"/questions/{qid}").get_data(as_text=True)
    assert 'data-unread="1"' in page, "the bell on the question page already counts without it"
    updates = [
        s for s in queries.statements if s.lstrip().upper().startswith("UPDATE NOTIFICATIONS")
    ]
    assert len(updates) == 1
    with app.app_context():
        unread = db.session.scalars(
            select(Notification.question_id).where(
                Notification.user_id == asker.id, Notification.read_at.is_(None)
            )
        ).all()
    assert unread == [other_id], "only this question's notifications are read"
    # A visitor opening it changes nothing and gets the page.
    client.post("/auth/logout")
    assert client.get(f"/questions/{qid}").status_code == 200
