"""Demo data loader (seeds/demo/*.yaml), shared by `flask seed demo`, `make run` and tests.

People are loaded here; circles, questions, the casebook and office hours in demo_qa.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from community.auth.models import Role, User
from community.auth.services import apply_domain_verification
from community.db import utcnow
from community.demo_members import load_network_members
from community.demo_qa import (
    DEMO_DIR,
    load_casebook,
    load_circles,
    load_office_hours,
    load_questions,
)
from community.extensions import db
from community.profiles import organisation
from community.profiles.models import Visibility
from community.profiles.services import codes_to_rows, ensure_profile, set_bio
from community.reference.loader import read_yaml
from community.reference.models import Field, Topic
from community.sitesettings import DEMO_BANNER, ON, set_setting

DEMO_PASSWORD = "kakehashi-demo"  # noqa: S105 - printed by `make run`; demo data only


def password_hash(password: str = DEMO_PASSWORD) -> str:
    """One hash for every demo account: hashing 150 passwords with scrypt would take seconds."""
    template = User()
    template.set_password(password)
    return template.password_hash


def load_people(
    path: Path = DEMO_DIR / "people.yaml",
    password: str = DEMO_PASSWORD,
    hashed: str | None = None,
) -> list[User]:
    """Create the demo people that do not exist yet (matched by username)."""
    rows = read_yaml(path)
    existing = set(db.session.scalars(select(User.username)))
    hashed = hashed or password_hash(password)
    now = utcnow()
    created = []
    for row in rows:
        if row["username"] in existing:
            continue
        user = User(
            email=row["email"].lower(),
            username=row["username"],
            display_name=row["display_name"],
            role=Role(row.get("role", "member")),
            locale=row.get("locale"),
            password_hash=hashed,
            email_confirmed_at=now - timedelta(days=90),
            created_at=now - timedelta(days=120),
            last_seen_at=now
            - timedelta(days=int(row.get("last_active_days_ago", 0)), hours=len(created)),
        )
        db.session.add(user)
        db.session.flush()
        apply_domain_verification(user)
        if row.get("verified_staff") and not user.verified_staff:
            user.verified_staff = True
            user.verified_manually = True
        p = ensure_profile(user)
        p.organisation = row.get("organisation", "")
        p.organisation_kind = row.get("organisation_kind")  # else matched to a municipality below
        p.prefecture_code = str(row["prefecture"]).zfill(2) if row.get("prefecture") else None
        p.population_band_code = row.get("population_band")
        p.department = row.get("department", "")
        p.job_title = row.get("job_title", "")
        p.years_experience = row.get("years_experience")
        p.qualifications = row.get("qualifications", "") or ""
        p.visibility = Visibility(row.get("visibility", "members"))
        p.fields = codes_to_rows(Field, row.get("fields"), "fields")
        p.help_topics = codes_to_rows(Topic, row.get("help_topics"), "help_topics")
        p.learn_topics = codes_to_rows(Topic, row.get("learn_topics"), "learn_topics")
        set_bio(p, row.get("bio", "") or "")
        created.append(user)
    db.session.flush()
    organisation.match_organisations()  # 黒部市 → 162078 (fictional people at real codes)
    return created


def load_demo() -> dict[str, int]:
    """Load every demo file; returns counts of what was created."""
    hashed = password_hash()
    counts = {"people": len(load_people(hashed=hashed))}
    # Generated members at real municipality codes fill the network view's map.
    counts["members on the map"] = load_network_members(hashed)
    counts["support organisations"], counts["cases"] = load_casebook()
    counts["circles"] = len(load_circles())
    counts["questions"] = len(load_questions())
    counts["advisers with office hours"] = load_office_hours()
    # Every page now serves fictional people: say so on every page.
    set_setting(DEMO_BANNER, ON)
    return counts


def demo_logins(limit_per_role: int = 2) -> list[tuple[str, str, str]]:
    """(role, username, email) of a few demo accounts per role, for `make run` to print."""
    out = []
    for role in (Role.ADMIN, Role.EDITOR, Role.ADVISER, Role.MEMBER):
        users = db.session.scalars(
            select(User)
            .where(User.role == role, User.deleted_at.is_(None))
            .order_by(User.id)
            .limit(limit_per_role)
        )
        out.extend((role.value, u.username, u.email) for u in users)
    return out


def database_is_empty() -> bool:
    """No account yet: `flask seed demo --if-empty` (make run) loads the demo only then."""
    return not db.session.scalar(select(func.count()).select_from(User))
