"""Generated demo members spread over real municipality codes, so that the network view's
coverage map and figures mean something on `make run` (seeds/demo/people.yaml holds the few
dozen people who write the demo's posts; these only fill the map).

Every generated person is visibly fictional: the display name ends in 「（架空）」, the address is
at an .example. domain, and nothing is said about the municipality beyond the member's code —
no department, no bio, no population band. The same database always gets the same members.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from community.auth.models import Role, User
from community.auth.staff import email_in_domains, verified_domains
from community.db import utcnow
from community.extensions import db
from community.profiles.models import OrganisationKind, Profile, Visibility
from community.reference.models import Field, Municipality

USERNAME_PREFIX = "demo_net_"
# Generated members per prefecture (JIS X 0401). 秋田, 群馬, 福井, 鳥取, 香川, 佐賀 and 宮崎 get
# none, here or in people.yaml, so the map shows prefectures the network has not reached; a few
# small prefectures (富山, 滋賀, 島根, 徳島, 大分) get many, so every colour of the map is used.
PLAN: dict[str, int] = {
    "01": 9, "02": 2, "03": 3, "04": 2, "06": 2, "07": 4, "08": 2, "09": 1, "11": 3, "12": 2,
    "13": 3, "14": 1, "15": 5, "16": 16, "17": 3, "19": 2, "20": 8, "21": 12, "22": 2, "23": 3,
    "24": 2, "25": 12, "26": 2, "27": 1, "28": 2, "29": 4, "30": 3, "32": 12, "33": 1, "34": 2,
    "35": 1, "36": 12, "38": 4, "39": 5, "40": 2, "42": 2, "43": 4, "44": 14, "46": 3, "47": 3,
}  # fmt: skip
# Kinds taken in turn, small places first: the map must show whether villages are reached.
KIND_TURNS = ("村", "町", "市", "町", "村", "市", "特別区")
SURNAMES = (
    "青木", "石川", "上田", "江口", "大野", "加藤", "木下", "久保", "小池", "斉藤", "佐野",
    "島田", "杉本", "高木", "谷口", "中野", "西川", "野口", "橋本", "原田", "平野", "福田",
    "堀", "松尾",
)  # fmt: skip
GIVEN = (
    "彩", "篤", "歩", "勲", "海斗", "一輝", "楓", "健太", "光", "沙織", "翔", "晋",
    "聡子", "拓海", "千尋", "司", "智也", "菜々", "遥", "瞳", "誠", "美咲", "悠", "涼子",
)  # fmt: skip
JOB_TITLES = ("技師", "主事", "主任", "係長", "主査", "")
FIELD_SETS = (
    ("road", "bridge"),
    ("bridge",),
    ("sewer", "water"),
    ("road",),
    ("river", "sabo"),
    ("park", "road"),
    ("bridge", "tunnel"),
)


def _order(code: str) -> str:
    """A fixed shuffle: municipalities in the order of a hash of their code."""
    return hashlib.sha1(code.encode(), usedforsecurity=False).hexdigest()


def pick_towns(towns: list[Municipality], count: int) -> list[Municipality]:
    """`count` member places in one prefecture: kinds in turn (villages and towns first), about
    one in four places shared by a second member."""
    by_kind: dict[str, list[Municipality]] = {}
    for town in sorted(towns, key=lambda t: _order(t.code)):
        by_kind.setdefault(town.kind, []).append(town)
    distinct = max(1, (count * 3 + 3) // 4)
    chosen: list[Municipality] = []
    turn = 0
    while len(chosen) < distinct and any(by_kind.values()):
        kind = KIND_TURNS[turn % len(KIND_TURNS)]
        turn += 1
        if by_kind.get(kind):
            chosen.append(by_kind[kind].pop(0))
    return [chosen[i % len(chosen)] for i in range(count)] if chosen else []


def load_network_members(password_hash: str) -> int:
    """Create the generated members that do not exist yet; returns how many were created."""
    if db.session.scalar(select(User.id).where(User.username.like(f"{USERNAME_PREFIX}%")).limit(1)):
        return 0
    towns: dict[str, list[Municipality]] = {}
    current = select(Municipality).where(
        Municipality.retired_at.is_(None), Municipality.kind != "都道府県"
    )
    for town in db.session.scalars(current):
        towns.setdefault(town.prefecture_code, []).append(town)
    fields = {f.code: f for f in db.session.scalars(select(Field))}
    domains = verified_domains()
    now = utcnow()
    n = 0
    for pref in sorted(PLAN):
        for town in pick_towns(towns.get(pref, []), PLAN[pref]):
            n += 1
            # Two in three sign up with their office's address (the staff badge), the rest
            # with another; activity spread over half a year (the view counts the last 90 days).
            host = "town.example.lg.jp" if n % 3 else "mail.example.com"
            email = f"{USERNAME_PREFIX}{n:03d}@{host}"
            name = f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[(n * 5 + n // 24) % len(GIVEN)]}（架空）"
            user = User(
                email=email,
                username=f"{USERNAME_PREFIX}{n:03d}",
                display_name=name,
                role=Role.MEMBER,
                password_hash=password_hash,
                email_confirmed_at=now - timedelta(days=200),
                created_at=now - timedelta(days=200 - n % 150),
                last_seen_at=now - timedelta(days=(n * 37) % 180, hours=n % 24),
                verified_staff=email_in_domains(email, domains),
            )
            user.profile = Profile(
                organisation=town.name,
                organisation_kind=OrganisationKind.MUNICIPALITY,
                municipality_code=town.code,
                prefecture_code=town.prefecture_code,
                job_title=JOB_TITLES[n % len(JOB_TITLES)],
                years_experience=(n * 7) % 30 + 1,
                visibility=Visibility.PUBLIC if n % 4 == 0 else Visibility.MEMBERS,
                fields=[fields[c] for c in FIELD_SETS[n % len(FIELD_SETS)] if c in fields],
            )
            db.session.add(user)
    db.session.flush()
    return n
