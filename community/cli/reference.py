"""`flask reference …`: municipalities after the shipped list (mergers, populations) and
matching members' free-text organisations."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from community.errors import ValidationFailed
from community.extensions import db
from community.profiles import organisation
from community.reference import municipalities

reference_cli = AppGroup("reference", help="Municipalities: mergers, populations, matching.")


def _fail(err: ValidationFailed) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(
        err.message or "; ".join(m for ms in err.fields.values() for m in ms)
    )


@reference_cli.command("retire-municipality")
@click.argument("code")
@click.option("--successor", required=True, help="Code of the municipality it merged into.")
@click.option("--on", "on", default=None, help="Date of the merger (YYYY-MM-DD; default today).")
def retire_municipality(code: str, successor: str, on: str | None):
    """Retire a merged municipality, naming its successor (it leaves the picker)."""
    try:
        when = date.fromisoformat(on) if on else date.today()
    except ValueError as exc:
        raise click.ClickException("--on の日付は YYYY-MM-DD で指定してください。") from exc
    try:
        town = municipalities.retire(code, successor, when)
    except ValidationFailed as err:
        raise _fail(err) from err
    db.session.commit()
    click.echo(f"retired {town.code} {town.name} on {when} → {successor}")


@reference_cli.command("add-municipality")
@click.argument("code")
@click.argument("name")
@click.argument("kana")
@click.argument("kind", type=click.Choice(["市", "町", "村", "特別区"]))
@click.argument("prefecture")
def add_municipality(code: str, name: str, kana: str, kind: str, prefecture: str):
    """Add a municipality created after the shipped list (code with its check digit)."""
    try:
        town = municipalities.add(code, name, kana, kind, prefecture)
    except ValidationFailed as err:
        raise _fail(err) from err
    db.session.commit()
    click.echo(f"added {town.code} {town.name} ({town.kind})")


@reference_cli.command("import-populations")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_populations(file):
    """Store official populations from a CSV (code,population,as_of); all or nothing."""
    try:
        count = municipalities.import_populations(file.read())
    except ValidationFailed as err:
        raise _fail(err) from err
    db.session.commit()
    click.echo(f"populations stored: {count}")


@reference_cli.command("match-organisations")
def match_organisations():
    """Match free-text organisations to one municipality; flag the rest for their member."""
    matched, flagged = organisation.match_organisations()
    db.session.commit()
    click.echo(f"organisations matched: {matched}, flagged for the member: {flagged}")
