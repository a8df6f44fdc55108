"""Municipalities (全国地方公共団体コード): loading, lookup, mergers and official populations."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import case, or_, select

from community.errors import ValidationFailed
from community.extensions import db
from community.reference.models import Municipality, Prefecture
from community.text import like_pattern, like_prefix

KINDS = ("都道府県", "市", "町", "村", "特別区")
SEARCH_MAX = 10  # type-ahead answers at most this many
QUERY_MAX = 20  # characters of a type-ahead query that are read
# Population bands (seeds/reference/population_bands.yaml) by their lower bound.
BANDS = ((300_000, "ge300k"), (100_000, "100k-300k"), (50_000, "50k-100k"), (10_000, "10k-50k"))
LABEL_RE = re.compile(r"^(?P<name>[^（(]+?)\s*[（(](?P<pref>[^）)]+)[）)]$")


def check_digit(first5: str) -> int:
    """The JIS X 0402 check digit of a 5-digit code: weights 6…2, the last digit of 11 minus
    the remainder modulo 11 (so 10 → 0 and 11 → 1, e.g. 苫小牧市 012131)."""
    total = sum(int(d) * w for d, w in zip(first5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def valid_code(code: str) -> bool:
    """Six digits whose last is the check digit of the first five."""
    return bool(re.fullmatch(r"\d{6}", code or "")) and check_digit(code[:5]) == int(code[5])


def to_katakana(text: str) -> str:
    """Width-normalised text with hiragana turned into katakana (kana is stored as katakana)."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def band_for(population: int | None) -> str | None:
    """The population band code for an official population (None when unknown)."""
    if population is None:
        return None
    for lower, code in BANDS:
        if population >= lower:
            return code
    return "lt10k"


def band_of(municipality: Municipality) -> str | None:
    """A municipality's band: 都道府県 for prefectures' own offices, else from its population."""
    if municipality.kind == "都道府県":
        return "pref"
    return band_for(municipality.population)


# --- loading --------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    """The shipped table (comment lines start with #)."""
    with path.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


def shipped_rows(path: Path) -> list[dict]:
    """The shipped CSV's rows as Municipality attributes (what `seed reference` upserts by
    code; what admins set — retirement, successor, population — is not among them, so it is
    kept, as are municipalities they added)."""
    fields = ("code", "prefecture_code", "name", "kana", "kind")
    return [{k: row[k] for k in fields} for row in read_csv(path)]


# --- lookup ---------------------------------------------------------------------------------


def search(q: str, prefecture: str = "", limit: int = SEARCH_MAX) -> list[Municipality]:
    """Current municipalities whose name or kana contains `q` (ひらがな, カタカナ or kanji;
    half-width too), names starting with it first; at most `limit`."""
    term = to_katakana(q).strip()[:QUERY_MAX]
    if not term:
        return []
    pattern = like_pattern(term)
    starts = like_prefix(term)
    stmt = select(Municipality).where(
        Municipality.retired_at.is_(None),
        or_(
            Municipality.name.like(pattern, escape="\\"),
            Municipality.kana.like(pattern, escape="\\"),
        ),
    )
    if prefecture:
        stmt = stmt.where(Municipality.prefecture_code == prefecture)
    prefix_first = case(
        (
            or_(
                Municipality.name.like(starts, escape="\\"),
                Municipality.kana.like(starts, escape="\\"),
            ),
            0,
        ),
        else_=1,
    )
    stmt = stmt.order_by(prefix_first, Municipality.code).limit(max(1, min(limit, SEARCH_MAX)))
    return list(db.session.scalars(stmt))


def resolve(text: str, code: str = "", prefecture: str = "") -> Municipality:
    """The municipality a profile form names: the picked `code` when the text still shows it,
    else the typed name (「高山市」, 「高山市（岐阜県）」 or a 6-digit code), within `prefecture`
    when the name recurs. Raises ValidationFailed on the field `municipality`."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if code:
        picked = db.session.get(Municipality, code)
        if picked is not None and picked.retired_at is None and text in (picked.label, picked.name):
            return picked
    if re.fullmatch(r"\d{6}", text):
        found = db.session.get(Municipality, text)
        if found is None or found.retired_at is not None or not valid_code(text):
            raise ValidationFailed.for_field("municipality", _("No municipality has this code."))
        return found
    name, pref_name = text, ""
    m = LABEL_RE.match(text)
    if m:
        name, pref_name = m["name"].strip(), m["pref"].strip()
    stmt = select(Municipality).where(Municipality.name == name, Municipality.retired_at.is_(None))
    if pref_name:
        stmt = stmt.where(
            Municipality.prefecture_code.in_(
                select(Prefecture.code).where(Prefecture.name_ja == pref_name)
            )
        )
    found = list(db.session.scalars(stmt))
    if len(found) > 1 and prefecture:
        found = [f for f in found if f.prefecture_code == prefecture]
    if not found:
        msg = _("No municipality is called 「%(name)s」. Choose one from the list.", name=name)
        raise ValidationFailed.for_field("municipality", msg)
    if len(found) > 1:
        msg = _(
            "There is more than one 「%(name)s」. Choose the prefecture too, e.g. %(example)s.",
            name=name,
            example=found[0].label,
        )
        raise ValidationFailed.for_field("municipality", msg)
    return found[0]


# --- admin: mergers and populations ---------------------------------------------------------


def retire(code: str, successor_code: str, on: date) -> Municipality:
    """Mark a municipality merged into `successor_code` on `on` (it leaves the picker; profiles
    that name it keep it until their member chooses again)."""
    old = db.session.get(Municipality, code)
    if old is None:
        raise ValidationFailed.for_field("code", _("No municipality has this code."))
    successor = db.session.get(Municipality, successor_code)
    if successor is None or successor.code == old.code:
        raise ValidationFailed.for_field("successor", _("No municipality has this code."))
    if successor.retired_at is not None:
        msg = _("The successor is retired itself.")
        raise ValidationFailed.for_field("successor", msg)
    old.retired_at = on
    old.successor_code = successor.code
    db.session.flush()
    return old


def add(code: str, name: str, kana: str, kind: str, prefecture_code: str) -> Municipality:
    """Add a municipality created after the shipped list (a merger's new city, a new 市)."""
    code = (code or "").strip()
    if not valid_code(code):
        msg = _("Enter a 6-digit code whose last digit is its check digit.")
        raise ValidationFailed.for_field("code", msg)
    if db.session.get(Municipality, code) is not None:
        raise ValidationFailed.for_field("code", _("This code is already taken."))
    pref = db.session.get(Prefecture, (prefecture_code or "").zfill(2))
    if pref is None or code[:2] != pref.code:
        msg = _("The code's first two digits must be the prefecture's code.")
        raise ValidationFailed.for_field("prefecture", msg)
    if kind not in KINDS[1:]:
        msg = _("Choose the kind: 市, 町, 村 or 特別区.")
        raise ValidationFailed.for_field("kind", msg)
    name = unicodedata.normalize("NFKC", name or "").strip()
    kana = to_katakana(kana).strip()
    if not name or len(name) > 40:
        raise ValidationFailed.for_field("name", _("Enter the name (at most 40 characters)."))
    if not kana or not re.fullmatch(r"[ァ-ヶー]+", kana) or len(kana) > 80:
        raise ValidationFailed.for_field("kana", _("Enter the reading in kana."))
    town = Municipality(code=code, prefecture_code=pref.code, name=name, kana=kana, kind=kind)
    db.session.add(town)
    db.session.flush()
    return town


def import_populations(text: str) -> int:
    """Store official populations from CSV text (header `code,population,as_of`; as_of
    YYYY-MM-DD). All rows are checked first: one bad row and nothing is stored."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or {"code", "population", "as_of"} - set(reader.fieldnames):
        raise ValidationFailed(_("The CSV needs the columns code, population, as_of."))
    parsed: list[tuple[str, int, date]] = []
    for line, row in enumerate(reader, start=2):
        code = (row["code"] or "").strip()
        try:
            population = int((row["population"] or "").replace(",", "").strip())
            as_of = date.fromisoformat((row["as_of"] or "").strip())
        except ValueError as exc:
            msg = _(
                "Line %(n)d: population must be a whole number and as_of a date (YYYY-MM-DD).",
                n=line,
            )
            raise ValidationFailed(msg) from exc
        if population < 0:
            raise ValidationFailed(_("Line %(n)d: the population cannot be negative.", n=line))
        parsed.append((code, population, as_of))
    towns = {
        m.code: m
        for m in db.session.scalars(
            select(Municipality).where(Municipality.code.in_([c for c, _p, _d in parsed]))
        )
    }
    for line, (code, _population, _as_of) in enumerate(parsed, start=2):
        if code not in towns:
            msg = _("Line %(n)d: no municipality has the code %(code)s.", n=line, code=code)
            raise ValidationFailed(msg)
    for code, population, as_of in parsed:
        towns[code].population = population
        towns[code].population_as_of = as_of
    db.session.flush()
    return len(parsed)
