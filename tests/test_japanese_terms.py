"""The Japanese wording the review settled on, kept from coming back: the terms
(解決した回答, お断り, 確認中, 回答状況, 技術系職員 and 所属の枠 as the plan writes them, no fixed
"1時間" consultation) and the typography (no Latin space between a number and Japanese text,
full-width brackets and colon in Japanese text). Checked on every msgstr of the ja catalogue, on
the Japanese static pages and on the demo seeds."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from tests.test_casebook import make_case, people  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "community" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"

# Hiragana, katakana (with ・ and ー), kanji, CJK punctuation and full-width forms.
JP = "[\u3040-\u30ff\u3400-\u9fff\u3000-\u303f\uff01-\uff60]"
# What is not prose: format placeholders, URLs, the #case: mention syntax, clock times,
# Markdown link targets and inline code.
NOT_PROSE = re.compile(
    r"%\(\w+\)[sdif]|%[sd]|\{\w*\}|https?://[^\s)）」]*|#case:|\d+:\d\d|\]\([^)\s]*\)|`[^`]*`"
)
NUMBER = r"(?:\d|%\(\w+\)d)"


def typography_faults(text: str) -> list[str]:
    """The typography rules broken by one piece of Japanese text (none for other text)."""
    if not re.search(JP, text):
        return []
    # Number placeholders (%(num)d) stay: a space beside them is a space beside a number.
    numbers_kept = NOT_PROSE.sub(
        lambda m: m.group(0) if m.group(0).endswith(")d") else "\x00", text
    )
    prose = NOT_PROSE.sub("\x00", text)
    faults = []
    if re.search(rf"{JP} +{NUMBER}|{NUMBER} +{JP}", numbers_kept):
        faults.append("Latin space between a number and Japanese text")
    # A half-width bracket after Japanese text, or holding Japanese text and not set off by a
    # space as in an English sentence ("assessment (災害査定)").
    for m in re.finditer(r"(^|.)\(([^()]*)\)?", prose):
        before, inside = m.group(1), m.group(2)
        if re.match(JP, before) or (re.search(JP, inside) and before != " "):
            faults.append("half-width bracket in Japanese text")
            break
    if "(" not in prose and re.search(rf"{JP}\)", prose):  # a closing bracket left alone
        faults.append("half-width bracket in Japanese text")
    if re.search(rf"{JP} ?:|[*)）」] ?: *{JP}", prose):
        faults.append("half-width colon in Japanese text (use ：)")
    return sorted(set(faults))


BANNED = {
    "ベストアンサー": "解決した回答 (consistent with 解決済み)",
    "レビュー中": "確認中",
    "辞退": "お断り (an adviser declines a booking, a moderator a join request)",
    "1時間の相談": "a consultation time: slots are 30 to 120 minutes",
    "技術職員": "技術系職員, as the plan writes it",
    "自治体の枠": "所属の枠, as the plan writes it",
}


def catalogue_strings() -> list[tuple[str, str]]:
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(ids[0], s) for s in strings if s]
    return pairs


def test_the_rules_flag_what_they_should_and_leave_the_rest():
    assert typography_faults("全 5 回") and typography_faults("%(num)d 件")
    assert typography_faults("あと%(n)d文字必要です(%(n)d文字以上)。")
    assert typography_faults("(日本時間)") and typography_faults("技術士(建設部門)")
    assert typography_faults("理由: %(reason)s") and typography_faults("**幹事部局**:工事の発注")
    for fine in (
        "全5回",
        "%(num)d件",
        "理由：%(reason)s",
        "技術士（建設部門）",
        "リンクは http:// または https:// で始まるURLを入力してください。",
        "本文に #case:<アドレス> と書いてひも付けます。",
        "毎月18:00から1時間程度",
        "[国土交通省の資料](https://www.mlit.go.jp/) を読む",
        "assessment (災害査定) in English prose",
        "Version %(n)d",
        "%(email)s に送信しました。",
    ):
        assert typography_faults(fine) == [], fine


def test_catalogue_has_none_of_the_retired_terms():
    found = [
        (msgid, term, instead)
        for msgid, s in catalogue_strings()
        for term, instead in BANNED.items()
        if term in s
    ]
    assert found == []


def test_declining_is_お断り_in_every_declining_string():
    declining = [(i, s) for i, s in catalogue_strings() if "declin" in i.lower()]
    assert len(declining) >= 8
    assert [(i, s) for i, s in declining if "却下" in s or "辞退" in s] == []
    by_id = dict(catalogue_strings())
    assert by_id["Decline"] == "お断りする" and by_id["Declined"] == "お断り"


def test_question_list_filter_is_回答状況_beside_課題ステータス():
    by_id = dict(catalogue_strings())
    assert by_id["Answer status"] == "回答状況"
    assert by_id["Problem stage"] == "課題ステータス"
    assert by_id["Accepted answer"] == "解決した回答"


# 自治体の課題ステータス: the plan's three wordings, and the English that says the same.
PLAN_STAGES = {
    "Don't even know what the problem is": "何が課題かも分からない",
    "Don't know how to solve the problem": "課題への解決手法が分からない",
    "Lack the know-how to carry out the solution": "解決手法の実施ノウハウが不足している",
}


def test_stage_labels_are_the_plans_three_stages_in_both_languages(client):
    by_id = dict(catalogue_strings())
    assert {msgid: by_id.get(msgid) for msgid in PLAN_STAGES} == PLAN_STAGES
    for lang, labels in (("ja", PLAN_STAGES.values()), ("en", PLAN_STAGES)):
        client.set_cookie("lang", lang)
        page = html.unescape(client.get("/questions/").get_data(as_text=True))
        assert [label for label in labels if label not in page] == [], lang


def test_no_english_string_books_a_fixed_hour():
    """Slots are 30 to 120 minutes: an adviser is booked for a consultation, not an hour."""
    hour = re.compile(r"\bbook an hour\b|\ban hour with\b", re.IGNORECASE)
    assert [msgid for msgid, _ in catalogue_strings() if hour.search(msgid)] == []


def test_catalogue_typography():
    faults = [(msgid, s, typography_faults(s)) for msgid, s in catalogue_strings()]
    assert [f for f in faults if f[2]] == []


def test_japanese_pages_use_the_plans_terms_and_typography():
    faults = []
    for page in sorted((ROOT / "templates" / "core" / "pages").glob("*.ja.html")):
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]+>", " ", line)
            problems = typography_faults(text) + [t for t in BANNED if t in text]
            if problems:
                faults.append((page.name, number, problems))
    assert faults == []


def strings_in(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)


@pytest.mark.parametrize(
    "seed",
    sorted(f"{p.parent.name}/{p.name}" for p in (ROOT / "seeds").glob("*/*.yaml")),
)
def test_seed_typography(seed):
    data = yaml.safe_load((ROOT / "seeds" / seed).read_text(encoding="utf-8"))
    faults = []
    for text in strings_in(data):
        for line in text.splitlines():
            if problems := typography_faults(line):
                faults.append((line[:80], problems))
    assert faults == []


def test_support_menus_sit_in_the_plans_chapters():
    """The plan's 第3章「外」からのレベルアップ術（研修、アドバイザー派遣等） and
    第4章「内」からのレベルアップ術（人材育成、交流等）: a menu that a chapter's sections list
    has that chapter's direction."""
    menus = yaml.safe_load((ROOT / "seeds" / "reference" / "support_menus.yaml").read_text("utf-8"))
    direction = {m["code"]: m["direction"] for m in menus}
    book = yaml.safe_load(
        (ROOT / "community" / "casebook" / "chapters.yaml").read_text(encoding="utf-8")
    )
    placed = {
        code: chapter["direction"]
        for chapter in book["chapters"]
        if chapter.get("direction")
        for section in chapter["sections"]
        for code in section.get("menus", [])
    }
    assert {code: direction[code] for code in placed} == placed
    assert direction["exchange"] == direction["staff_exchange"] == "inside"


def test_casebook_heading_and_costs_read_as_japanese(app, people):  # noqa: F811
    """事例集 once in the Japanese heading (the English one keeps it beside "Casebook"), amounts
    as 1,500,000円, a cost row as 初期：item (the item still escaped) and a source's dates in
    full-width brackets."""
    make_case(
        app,
        "typography-costs",
        cost_initial="1,500,000",
        costs=[{"kind": "initial", "item": "研修<教材>", "amount": "1,200,000"}],
        sources=[
            {
                "title": "テスト用の出典",
                "url": "https://example.jp/source",
                "as_of": "テスト時点",
                "accessed_on": "2026-12-01",
                "supports": "1,500,000 1,200,000",
            }
        ],
    )
    c = app.test_client()
    heading = re.search(r"<h1>(.*?)</h1>", c.get("/cases/").get_data(as_text=True), re.S)
    assert re.sub(r"<[^>]+>", "", heading.group(1)).split() == ["事例集"]
    page = c.get("/cases/typography-costs").get_data(as_text=True)
    assert "1,500,000円" in page and "1,200,000円" in page and " 円" not in page
    assert "<td>初期：研修&lt;教材&gt;</td>" in page
    assert "（時点：テスト時点、閲覧日：2026/12/01）" in page
    c.set_cookie("lang", "en")
    assert "Initial: 研修&lt;教材&gt;" in c.get("/cases/typography-costs").get_data(as_text=True)
    english = re.search(r"<h1>(.*?)</h1>", c.get("/cases/").get_data(as_text=True), re.S)
    assert "Casebook" in english.group(1) and "事例集" in english.group(1)
