"""`flask seed …` and `flask users …`."""

from __future__ import annotations

import signal
import sys
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from community import demo, fragments, idempotency, rendered
from community.admin.services import ensure_default_domains
from community.auth.models import Role
from community.auth.services import create_user
from community.cli.network import network_cli
from community.cli.reference import reference_cli
from community.errors import ValidationFailed
from community.extensions import db
from community.mailqueue import worker
from community.notifications import services as notifications
from community.office_hours import services as office_hours
from community.reference.loader import load_reference
from community.search.index import reindex_all

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage accounts.")
office_hours_cli = AppGroup("office-hours", help="Office hours (for cron).")
search_cli = AppGroup("search", help="The full-text search index.")
notifications_cli = AppGroup("notifications", help="Notification mail (for cron).")
forms_cli = AppGroup("forms", help="One-time form tokens (for cron).")
mail_cli = AppGroup("mail", help="The mail outbox: the worker that sends it.")
markdown_cli = AppGroup("markdown", help="Stored HTML rendered from Markdown.")
cache_cli = AppGroup("cache", help="Cached question pages and answers.")


@cache_cli.command("clear")
def cache_clear():
    """Forget every cached page and answer (after restoring a backup: the restored questions'
    versions may be reached again with other content)."""
    store = fragments.store()
    if store is not None:
        store.clear()
    click.echo("cache cleared")


@mail_cli.command("work")
def mail_work():
    """Send queued mail until stopped (SIGTERM or Ctrl-C finish the current mail first)."""
    app = current_app._get_current_object()
    stop = threading.Event()

    def finish(signum, frame):
        stop.set()
        worker.wakeup_event(app).set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    click.echo("mail worker started")
    worker.run(app, stop)
    click.echo("mail worker stopped")


@mail_cli.command("send-due")
def mail_send_due():
    """One pass over the outbox: send every mail that is due (for cron or by hand)."""
    result = worker.send_due()
    click.echo(f"mail sent: {result.sent}, to retry: {result.retry}, failed: {result.failed}")


@forms_cli.command("prune-tokens")
def prune_tokens():
    """Delete one-time form tokens older than a day (a resent form older than that is new)."""
    removed = idempotency.prune()
    db.session.commit()
    click.echo(f"form tokens removed: {removed}")


@notifications_cli.command("send-digest")
def send_digest():
    """Queue each person's digest mail; never the same item twice (`flask mail work` sends)."""
    sent = notifications.send_digest()
    db.session.commit()
    click.echo(f"digests sent: {sent} (queued for the mail worker)")


@search_cli.command("reindex")
def search_reindex():
    """Rebuild the whole search index."""
    count = reindex_all()
    db.session.commit()
    click.echo(f"search index rebuilt: {count} documents")


@markdown_cli.command("rerender")
def markdown_rerender():
    """Render again the HTML an older renderer stored (after an upgrade that changed it)."""
    count = rendered.rerender_stale()
    db.session.commit()
    click.echo(f"rendered again: {count}")


@office_hours_cli.command("send-reminders")
def send_reminders():
    """Queue reminders for sessions in the next 24 hours; never the same reminder twice."""
    sent = office_hours.send_reminders()
    db.session.commit()
    click.echo(f"reminders sent: {sent} (queued for the mail worker)")


@seed_cli.command("reference")
def seed_reference():
    """Load prefectures, population bands, fields, topics and default staff domains."""
    changed = load_reference()
    ensure_default_domains(current_app.config["DEFAULT_VERIFIED_DOMAINS"])
    db.session.commit()
    click.echo(f"reference data loaded ({changed} changes)")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no accounts yet.")
def seed_demo(if_empty: bool):
    """Load the demo people, circles, questions, cases and office hours (seeds/demo/)."""
    if if_empty and not demo.database_is_empty():
        click.echo("database has accounts; demo data not loaded")
        return
    current_app.config["MAIL_SUPPRESS"] = True  # demo bookings notify fictional people
    try:
        counts = demo.load_demo()
        db.session.commit()
    finally:
        current_app.config["MAIL_SUPPRESS"] = False
    click.echo("demo data loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@seed_cli.command("logins")
def seed_logins():
    """Print a few demo logins."""
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, username, email in demo.demo_logins():
        click.echo(f"  {role:8} {username:20} {email}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value)
@click.option("--username", default=None)
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    email: str, role: str, username: str | None, display_name: str | None, password_stdin: bool
):
    """Create a confirmed account (e.g. the first admin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            email, password, Role(role), username=username, display_name=display_name
        )
    except ValidationFailed as err:
        db.session.rollback()
        raise click.ClickException(
            err.message or "; ".join(m for ms in err.fields.values() for m in ms)
        ) from err
    db.session.commit()
    click.echo(f"created {user.username} <{user.email}> as {user.role.value}")


def register_commands(app: Flask) -> None:
    """Add the command groups to `flask`."""
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(office_hours_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(forms_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(markdown_cli)
    app.cli.add_command(cache_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(network_cli)
