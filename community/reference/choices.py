"""Reference rows for filters and form choices, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from community.extensions import db
from community.reference.models import Field, PopulationBand, Prefecture, Topic


@dataclass(frozen=True)
class Reference:
    prefectures: list[Prefecture]
    bands: list[PopulationBand]
    fields: list[Field]
    topics: list[Topic]


def all_reference() -> Reference:
    """All reference lists (four small queries, at most once per request)."""
    if "reference" not in g:
        g.reference = Reference(
            prefectures=list(db.session.scalars(select(Prefecture).order_by(Prefecture.code))),
            bands=list(
                db.session.scalars(select(PopulationBand).order_by(PopulationBand.position))
            ),
            fields=list(db.session.scalars(select(Field).order_by(Field.position))),
            topics=list(db.session.scalars(select(Topic).order_by(Topic.position))),
        )
    return g.reference
