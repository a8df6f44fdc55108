"""Reference tables loaded from seeds/reference/*.yaml."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.extensions import db


class Named:
    """Bilingual name; `name` follows the viewer's language."""

    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_ja


class Region(Named, db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class Prefecture(Named, db.Model):
    __tablename__ = "prefectures"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # JIS X 0401
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region: Mapped[Region] = relationship(lazy="joined")


class PopulationBand(Named, db.Model):
    __tablename__ = "population_bands"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class Field(Named, db.Model):
    """An infrastructure field (橋梁, 下水道 …)."""

    __tablename__ = "fields"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class Topic(Named, db.Model):
    """A topic engineers ask about (定期点検, 包括的民間委託 …)."""

    __tablename__ = "topics"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class SupportMenu(Named, db.Model):
    """支援メニュー: training, exchange, accompanying support, adviser dispatch …"""

    __tablename__ = "support_menus"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    direction: Mapped[str] = mapped_column(String(10))  # outside (外から) | inside (内から)
    stages: Mapped[list[int]] = mapped_column(JSON, default=list)  # problem stages it serves
    description_ja: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")

    @property
    def description(self) -> str:
        locale = get_locale()
        en = locale is not None and locale.language == "en"
        return self.description_en if en else self.description_ja


class Municipality(db.Model):
    """A local government by its 全国地方公共団体コード: a prefecture's own office (kind 都道府県),
    a 市, 町, 村 or 特別区 (seeds/reference/municipalities.csv; mergers by CLI)."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # JIS X 0402, check digit
    prefecture_code: Mapped[str] = mapped_column(ForeignKey("prefectures.code"), index=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    kana: Mapped[str] = mapped_column(String(80), default="")  # full-width katakana
    kind: Mapped[str] = mapped_column(String(10))  # 都道府県 | 市 | 町 | 村 | 特別区
    retired_at: Mapped[date | None] = mapped_column(Date)
    successor_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    population: Mapped[int | None]
    population_as_of: Mapped[date | None] = mapped_column(Date)

    prefecture: Mapped[Prefecture] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        """「高山市（岐阜県）」: unique across Japan (the same name recurs in other prefectures)."""
        if self.kind == "都道府県":
            return self.name
        return f"{self.name}（{self.prefecture.name_ja}）"
