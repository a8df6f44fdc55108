"""Outgoing mail: written to the outbox in the caller's transaction, sent later by a worker."""

from __future__ import annotations

import re
import unicodedata
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template

from community.mailqueue import worker
from community.mailqueue.outbox import enqueue

# Header values end up one line each: every character Python's email package (or a mail
# server) could take for a line break, and every other control character, becomes a space.
_BREAKS = {"Cc", "Zl", "Zp"}
_SPACES = re.compile(r"\s+")


def header_value(value: str) -> str:
    """One safe header line from any text (titles and display names may hold line breaks)."""
    text = "".join(" " if unicodedata.category(ch) in _BREAKS else ch for ch in str(value or ""))
    return _SPACES.sub(" ", text).strip()


def build_message(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render a plain-text mail from templates/email/<template>.txt."""
    msg = EmailMessage()
    msg["From"] = header_value(current_app.config["MAIL_SENDER"])
    msg["To"] = header_value(to)
    msg["Subject"] = header_value(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="kakehashi.example.jp")
    msg.set_content(render_template(f"email/{template}.txt", **context))
    return msg


def queue(to: str, subject: str, template: str, **context) -> None:
    """Put a mail in the outbox: sent by the worker once the current transaction commits."""
    if current_app.config.get("MAIL_SUPPRESS"):  # demo seeding writes to nobody
        return
    enqueue(build_message(to, subject, template, **context))


def after_commit() -> None:
    """After a request's commit: make sure the in-process worker (development) is running."""
    worker.ensure_started(current_app._get_current_object())
