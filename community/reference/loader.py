"""Idempotent loaders for reference YAML, shared by the CLI, `make run` and tests."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from community.config import ROOT
from community.extensions import db
from community.reference.models import (
    Field,
    Municipality,
    PopulationBand,
    Prefecture,
    Region,
    SupportMenu,
    Topic,
)
from community.reference.municipalities import shipped_rows

REFERENCE_DIR = ROOT / "seeds" / "reference"


def read_yaml(path: Path) -> list[dict]:
    """Read one seed file as a list of mappings."""
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def _upsert(model, rows: list[dict], key: str, to_attrs) -> int:
    """Insert or update rows by primary key; returns how many rows changed."""
    existing = {getattr(o, key): o for o in db.session.scalars(select(model))}
    changed = 0
    for position, row in enumerate(rows):
        attrs = to_attrs(row, position)
        obj = existing.get(attrs[key])
        if obj is None:
            db.session.add(model(**attrs))
            changed += 1
            continue
        for name, value in attrs.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed += 1
    db.session.flush()
    return changed


def _named(row: dict, position: int) -> dict:
    return {"code": row["code"], "name_ja": row["ja"], "name_en": row["en"], "position": position}


def load_reference(directory: Path = REFERENCE_DIR) -> int:
    """Load regions, prefectures, bands, fields, topics and municipalities; running twice changes
    nothing."""
    changed = _upsert(Region, read_yaml(directory / "regions.yaml"), "code", _named)
    changed += _upsert(
        Prefecture,
        read_yaml(directory / "prefectures.yaml"),
        "code",
        lambda r, _p: {
            "code": str(r["code"]).zfill(2),
            "name_ja": r["ja"],
            "name_en": r["en"],
            "region_code": r["region"],
        },
    )
    changed += _upsert(
        PopulationBand, read_yaml(directory / "population_bands.yaml"), "code", _named
    )
    changed += _upsert(Field, read_yaml(directory / "fields.yaml"), "code", _named)
    changed += _upsert(Topic, read_yaml(directory / "topics.yaml"), "code", _named)
    changed += _upsert(
        SupportMenu,
        read_yaml(directory / "support_menus.yaml"),
        "code",
        lambda r, p: {
            **_named(r, p),
            "direction": r["direction"],
            "stages": list(r.get("stages") or []),
            "description_ja": r.get("description_ja", ""),
            "description_en": r.get("description_en", ""),
        },
    )
    changed += _upsert(
        Municipality, shipped_rows(directory / "municipalities.csv"), "code", lambda row, _: row
    )
    return changed
