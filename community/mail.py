"""Outgoing mail: queued during a request, sent only after its transaction commits."""

from __future__ import annotations

import re
import smtplib
import unicodedata
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlparse

from flask import current_app, g, has_request_context, render_template

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
    """Send after the request commits (or at once outside a request, e.g. in the CLI)."""
    if current_app.config.get("MAIL_SUPPRESS"):  # demo seeding writes to nobody
        return
    msg = build_message(to, subject, template, **context)
    if has_request_context():
        g.setdefault("outbox", []).append(msg)
    else:
        deliver(msg)


def flush_outbox() -> None:
    """Deliver what this request queued; called after a successful commit."""
    for msg in g.pop("outbox", []):
        try:
            deliver(msg)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a mail server hiccup must not turn it into a 500.
            current_app.logger.exception("mail to %s failed", msg["To"])


def discard_outbox() -> None:
    g.pop("outbox", None)


def deliver(msg: EmailMessage) -> None:
    """Send through SMTP when MAIL_URL is set, otherwise write the whole mail to the log."""
    url = current_app.config.get("MAIL_URL")
    if not url:
        current_app.logger.info(
            "mail (MAIL_URL unset, not sent)\nTo: %s\nSubject: %s\n\n%s",
            msg["To"],
            msg["Subject"],
            msg.get_content(),
        )
        return
    parsed = urlparse(url)
    with smtplib.SMTP(parsed.hostname or "localhost", parsed.port or 25, timeout=10) as smtp:
        if parsed.scheme == "smtp+starttls":
            smtp.starttls()
        if parsed.username:
            smtp.login(parsed.username, parsed.password or "")
        smtp.send_message(msg)
