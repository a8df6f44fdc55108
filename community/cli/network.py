"""`flask network …`: the network view's stored monthly figures (for cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from community.extensions import db
from community.network import kpis

network_cli = AppGroup("network", help="The network view (群マネ): stored monthly figures.")


@network_cli.command("refresh-figures")
@click.option(
    "--months",
    default=kpis.DEFAULT_MONTHS,
    show_default=True,
    type=int,
    help="How many closed months to compute, counting back from last month.",
)
def refresh_figures(months: int):
    """Compute and store the closed months' figures for the national view, each prefecture and
    the open data, so the KPI pages read them instead of computing (run nightly)."""
    if not 1 <= months <= kpis.MAX_MONTHS:
        raise click.BadParameter(f"between 1 and {kpis.MAX_MONTHS}", param_hint="--months")
    stored = kpis.refresh_figures(months)
    db.session.commit()
    click.echo(f"monthly figures stored: {stored}")
