"""Demo people cannot be mistaken for fact: they and their institutions are fictional, and what
they write makes no specific claim about the real municipality they sit at.

Real organisations appear only in the sourced cases (cases.yaml) and the support catalogue
(support_organisations.yaml); the other demo files name none of them, and no bio or post
presents a programme, a staffing figure or a named project as a real municipality's own."""

from __future__ import annotations

import re

import pytest

from community.demo_qa import DEMO_DIR
from community.reference.loader import read_yaml

PEOPLE = read_yaml(DEMO_DIR / "people.yaml")
# Files written in fictional people's voices (or describing them).
VOICES = ("people.yaml", "questions.yaml", "circles.yaml", "office_hours.yaml")
# Real institutions, programmes and people of the sourced cases, and the programmes the old
# demo data presented as real municipalities' own.
REAL_NAMES = (
    "岐阜大学",
    "愛媛大学",
    "舞鶴工業",
    "舞鶴高専",
    "KOSEN-REIM",
    "四国ME",
    "四国 ME",
    "滋賀県建設技術センター",
    "都市整備技術センター",
    "ハンズオン",
    "モデル自治体",
    "橋梁トリアージ",
    "植野",
    "そらゑ",
    "DX 人材認定",
    "DX人材認定",
    "准橋梁点検技術者",
)
# A head count of the member's own team ("技術職は私を入れて 2 人", "2 人体制").
STAFFING = re.compile(r"私を入れて|\d+\s*人(?:体制|で担当)|と私だけ")


@pytest.mark.parametrize("name", VOICES)
def test_demo_voices_name_no_real_organisation(name):
    text = (DEMO_DIR / name).read_text(encoding="utf-8")
    found = [real for real in REAL_NAMES if real in text]
    assert found == [], f"{name} names {found}"


def test_no_staffing_figures_presented_as_a_municipality_own():
    for name in ("people.yaml", "questions.yaml"):
        text = (DEMO_DIR / name).read_text(encoding="utf-8")
        assert STAFFING.findall(text) == [], name


def test_advisers_work_at_visibly_fictional_institutions():
    advisers = [p for p in PEOPLE if p.get("role") == "adviser"]
    assert len(advisers) >= 3
    for person in advisers:
        org = person.get("organisation", "")
        assert org.startswith("架空") or org.startswith("個人"), (person["username"], org)
    for row in read_yaml(DEMO_DIR / "office_hours.yaml"):
        aff = row.get("affiliation", "")
        assert aff.startswith("架空") or aff.startswith("元 "), (row["adviser"], aff)


def test_demo_emails_cannot_reach_anyone():
    assert all(".example." in p["email"] for p in PEOPLE)


def test_the_word_list_would_catch_the_old_data():
    """The checks above can fail: the bios the content review flagged trip them."""
    old_bios = (
        "ハンズオン支援では点検データの整理から始めました。",
        "岐阜大学の ME 養成講座で講師を務めています。",
        "村の土木は、ほぼ全部この係で回しています。技術職は私を入れて 2 人です。",
    )
    assert all(any(real in bio for real in REAL_NAMES) or STAFFING.search(bio) for bio in old_bios)
