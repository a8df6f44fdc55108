"""`flask seed …` and `flask users …` through Flask's CLI runner."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.auth.models import Role, User, VerifiedDomain
from community.demo import DEMO_DIR, DEMO_PASSWORD
from community.demo_members import USERNAME_PREFIX
from community.extensions import db
from community.profiles.models import Profile
from community.reference.loader import read_yaml
from community.reference.models import Field, PopulationBand, Prefecture, Region, Topic
from tests.conftest import login

GOOD_PASSWORD = "a good long password"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Region, Prefecture, PopulationBand, Field, Topic, User, VerifiedDomain)
        }


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def changes(output: str) -> int:
    match = re.search(r"\((\d+) changes?\)", output)
    assert match, output
    return int(match.group(1))


# --- seed reference ---------------------------------------------------------------------------


def test_seed_reference_is_idempotent(runner, app):
    before = counts(app)
    first = runner.invoke(args=["seed", "reference"])
    assert first.exit_code == 0, first.output
    after_first = counts(app)
    second = runner.invoke(args=["seed", "reference"])
    assert second.exit_code == 0, second.output
    assert changes(second.output) == 0
    assert counts(app) == after_first == before
    assert after_first["prefectures"] == 47
    assert after_first["population_bands"] == 6
    assert after_first["fields"] == 13
    assert after_first["topics"] >= 12


def test_prefecture_codes_are_01_to_47(runner, app):
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    with app.app_context():
        codes = sorted(db.session.scalars(select(Prefecture.code)))
        regions = set(db.session.scalars(select(Region.code)))
        used = set(db.session.scalars(select(Prefecture.region_code)))
    assert codes == [f"{n:02d}" for n in range(1, 48)]
    assert used <= regions


def test_seed_reference_restores_the_default_domain(runner, app):
    with app.app_context():
        db.session.execute(VerifiedDomain.__table__.delete())
        db.session.commit()
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    with app.app_context():
        assert list(db.session.scalars(select(VerifiedDomain.domain))) == ["lg.jp"]
    # A list an admin has edited is left alone.
    with app.app_context():
        db.session.add(VerifiedDomain(domain="example.org"))
        db.session.commit()
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    with app.app_context():
        assert sorted(db.session.scalars(select(VerifiedDomain.domain))) == ["example.org", "lg.jp"]


# --- seed demo --------------------------------------------------------------------------------


def test_seed_demo_loads_a_varied_community_once(runner, app):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        people = db.session.scalar(select(func.count()).select_from(User))
        prefectures = set(
            db.session.scalars(
                select(Profile.prefecture_code).where(Profile.prefecture_code.is_not(None))
            )
        )
        bands = set(
            db.session.scalars(
                select(Profile.population_band_code).where(
                    Profile.population_band_code.is_not(None)
                )
            )
        )
        all_bands = set(db.session.scalars(select(PopulationBand.code)))
        advisers = db.session.scalar(select(func.count()).where(User.role == Role.ADVISER))
        admins = db.session.scalar(select(func.count()).where(User.role == Role.ADMIN))
        unconfirmed = db.session.scalar(
            select(func.count()).where(User.email_confirmed_at.is_(None))
        )
        profiles = db.session.scalar(select(func.count()).select_from(Profile))
    assert people >= 30
    assert len(prefectures) >= 10
    assert bands == all_bands
    assert advisers >= 3
    assert admins >= 1
    assert unconfirmed == 0
    assert profiles == people

    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    assert user_count(app) == people
    assert re.search(r"people 0\b", again.output), again.output


def test_seed_demo_matches_the_yaml(runner, app):
    rows = read_yaml(DEMO_DIR / "people.yaml")
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with app.app_context():
        stored = {u.username: u for u in db.session.scalars(select(User))}
        generated = {n for n in stored if n.startswith(USERNAME_PREFIX)}  # demo_members.py
        assert set(stored) - generated == {r["username"] for r in rows}
        for row in rows:
            user = stored[row["username"]]
            assert user.email == row["email"].lower()
            assert user.role == Role(row.get("role", "member"))
            assert user.verified_staff is bool(row.get("verified_staff")), row["username"]


def test_seed_demo_if_empty_skips_a_database_with_accounts(runner, app, make_user):
    make_user(username="kenji")
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert user_count(app) == 1


def test_seed_demo_if_empty_loads_an_empty_database(runner, app):
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert user_count(app) >= 30


def test_demo_people_can_log_in(runner, app, client):
    rows = read_yaml(DEMO_DIR / "people.yaml")
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    member = next(r for r in rows if r.get("role", "member") == "member")
    assert login(client, member["username"], DEMO_PASSWORD).status_code == 302
    assert client.get("/settings/profile").status_code == 200
    client.post("/auth/logout")
    admin = next(r for r in rows if r.get("role") == "admin")
    assert login(client, admin["email"], DEMO_PASSWORD).status_code == 302
    assert client.get("/settings/profile").status_code == 200
    client.post("/auth/logout")
    assert login(client, member["username"], "not the demo password").status_code == 422


def test_seed_logins_lists_demo_accounts(runner, app):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    result = runner.invoke(args=["seed", "logins"])
    assert result.exit_code == 0
    assert DEMO_PASSWORD in result.output
    rows = read_yaml(DEMO_DIR / "people.yaml")
    admin = next(r for r in rows if r.get("role") == "admin")
    assert admin["username"] in result.output


# --- users create -----------------------------------------------------------------------------


def test_users_create_makes_a_confirmed_admin(runner, app, client):
    result = runner.invoke(
        args=["users", "create", "chief@city.example.lg.jp", "--role", "admin", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "chief@city.example.lg.jp"))
        assert user is not None
        assert user.role == Role.ADMIN
        assert user.is_confirmed
        assert user.verified_staff is True
        assert user.profile is not None
        username = user.username
    assert user_count(app) == 1
    assert login(client, "chief@city.example.lg.jp", GOOD_PASSWORD).status_code == 302
    assert client.get("/settings/profile").status_code == 200
    assert client.post("/admin/domains/999999/delete").status_code == 404, "admin rights"
    client.post("/auth/logout")
    assert login(client, username, GOOD_PASSWORD).status_code == 302


def test_users_create_with_username_and_prompted_password(runner, app, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Kenji@Example.com",
            "--username",
            "kenji",
            "--display-name",
            "Kenji",
        ],
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "kenji"))
        assert user.email == "kenji@example.com" and user.role == Role.MEMBER
        assert user.display_name == "Kenji" and user.is_confirmed
    assert login(client, "kenji", GOOD_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("chief@example.com", "short"),  # weak password
        ("chief@example.com", ""),  # no password
        ("not-an-email", GOOD_PASSWORD),  # bad email
        ("chief@", GOOD_PASSWORD),  # bad email
    ],
)
def test_users_create_refuses_bad_input(runner, app, email, password):
    result = runner.invoke(
        args=["users", "create", email, "--role", "admin", "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code != 0
    assert user_count(app) == 0


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_users_create_refuses_a_duplicate_email(runner, app, email):
    first = runner.invoke(
        args=["users", "create", "taken@example.com", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert first.exit_code == 0, first.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            email,
            "--username",
            "another",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert user_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(User.role)) == Role.MEMBER


def test_users_create_refuses_an_unknown_role(runner, app):
    result = runner.invoke(
        args=["users", "create", "chief@example.com", "--role", "overlord", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert user_count(app) == 0


def test_users_create_derives_a_free_username_from_a_reserved_local_part(app):
    runner = app.test_cli_runner()
    first = runner.invoke(
        args=["users", "create", "admin@city.example.lg.jp", "--role", "admin", "--password-stdin"],
        input="a good long password\n",
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        args=["users", "create", "admin@town.example.lg.jp", "--password-stdin"],
        input="a good long password\n",
    )
    assert second.exit_code == 0, second.output
    with app.app_context():
        from sqlalchemy import select

        from community.auth.models import User
        from community.extensions import db

        names = set(db.session.scalars(select(User.username)))
    assert names == {"admin_1", "admin_2"}
