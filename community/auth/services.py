"""Account rules. Routes, the CLI and tests call these; none of them commit.

Lookups, registration and confirmation, the right to post and account creation live here
(sign-in, passwords and email changes in credentials.py); form-input checks
(validation.py) and verified staff and roles (staff.py) are re-exported, so this module stays
the one entry point."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from community import mail
from community.auth import tokens
from community.auth.lockout import LoginLocked
from community.auth.models import Role, User
from community.auth.staff import (
    apply_domain_verification,
    email_in_domains,
    require_admin,
    set_role,
    set_verified,
    verified_domains,
)
from community.auth.validation import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    RESERVED_USERNAMES,
    USERNAME_RE,
    check_password_strength,
    check_username,
    narrow,
    normalise_email,
)
from community.db import savepoint, utcnow
from community.errors import PermissionDenied, ValidationFailed
from community.extensions import db
from community.urls import base_url

# --- lookups --------------------------------------------------------------------------------


# Loose on purpose: only to tell an address from a username before mailing it.
EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s.]{1,63}")


def find_by_login(identifier: str) -> User | None:
    """Find a live account by email or username (case-insensitive)."""
    ident = narrow(identifier or "").lower()
    if not ident:
        return None
    column = User.email if "@" in ident else User.username
    return db.session.scalar(select(User).where(column == ident, User.deleted_at.is_(None)))


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: `<id>:<session token>`; a rotated token logs the session out."""
    user_id, _sep, token = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_deleted or user.session_token != token:
        return None
    return user


# --- registration and confirmation ----------------------------------------------------------


def register(
    *, email: str, username: str, display_name: str, password: str, locale: str | None = None
) -> User | None:
    """Create an unconfirmed account and mail a confirmation link.

    When the email is already registered nothing is created and the owner of that address
    is told by mail instead: the caller shows the same message either way, so the form
    never reveals who has an account.
    """
    email = normalise_email(email)
    username = check_username(username)
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 80:
        msg = _("Enter a display name of up to 80 characters.")
        raise ValidationFailed.for_field("display_name", msg)
    check_password_strength(password, user_words=(username, email.partition("@")[0]))
    if db.session.scalar(select(func.count()).where(User.username == username)):
        raise _username_taken()
    # The password is hashed (the slow part) before we know whether the address is free, so
    # that both answers take the same time; each sends one mail.
    user = User(email=email, username=username, display_name=display_name, locale=locale)
    user.set_password(password)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        _tell_already_registered(existing)
        return None
    try:
        with savepoint(db.session):
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        # A concurrent registration won the race: say which constraint it took. Only the
        # savepoint is undone; the next statement sees the winner's committed row.
        if db.session.scalar(select(func.count()).where(User.username == username)):
            raise _username_taken() from exc
        existing = db.session.scalar(select(User).where(User.email == email))
        if existing is None:
            raise
        _tell_already_registered(existing)
        return None
    # why: profiles' package loads its routes, which reach back here (questions import us)
    from community.profiles.services import ensure_profile

    ensure_profile(user)
    send_confirmation(user)
    return user


def _username_taken() -> ValidationFailed:
    msg = _("That username is taken.")
    return ValidationFailed.for_field("username", msg)


def _tell_already_registered(existing: User) -> None:
    """Mail the owner of an address that someone tried to register again."""
    mail.queue(
        existing.email,
        _("Someone tried to register with your address"),
        "already_registered",
        user=existing,
        login_url=absolute_url("auth.login"),
        reset_url=absolute_url("auth.reset_request"),
    )


def absolute_url(endpoint: str, **values) -> str:
    """A link for mail, built on KAKEHASHI_BASE_URL when set (see urls.base_url)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # CLI and cron jobs: no request to borrow a URL adapter from
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url() + path


def send_confirmation(user: User) -> None:
    """Mail the account's address a signed link that confirms it (through the outbox)."""
    token = tokens.make("confirm", user, email=user.email)
    mail.queue(
        user.email,
        _("Confirm your email address"),
        "confirm",
        user=user,
        url=absolute_url("auth.confirm", token=token),
    )


def confirm_email(token: str) -> User | None:
    """Confirm the address a token was issued for; None when the link is invalid or stale."""
    payload = tokens.read("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.is_deleted or user.email != payload.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        apply_domain_verification(user)
    return user


def ensure_can_post(user) -> None:
    """Every posting service calls this: signed in, confirmed, not deleted."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    if not user.is_confirmed:
        raise PermissionDenied(_("Confirm your email address before posting."))
    if user.is_suspended:
        from flask_babel import format_datetime

        raise PermissionDenied(
            _(
                "Your account is suspended until %(until)s: %(reason)s",
                until=format_datetime(user.suspended_until, "yyyy/MM/dd HH:mm"),
                reason=user.suspension_reason,
            )
        )


def set_locale(user: User, locale: str) -> None:
    """Remember the interface language the member chose."""
    user.locale = locale


def _username_from_email(email: str) -> str:
    """A free, valid username from the address (admin@… becomes admin_1, not a refusal)."""
    base = re.sub(r"[^a-z0-9_]", "_", email.partition("@")[0])[:26].ljust(3, "_")
    candidate, n = base, 0
    while (
        candidate in RESERVED_USERNAMES
        or candidate.startswith("deleted")
        or db.session.scalar(select(func.count()).where(User.username == candidate))
    ):
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def create_user(
    email: str,
    password: str,
    role: Role = Role.MEMBER,
    *,
    username: str | None = None,
    display_name: str | None = None,
    confirmed: bool = True,
) -> User:
    """CLI and seeds: an account that is confirmed at once."""
    email = normalise_email(email)
    username = check_username(username) if username else _username_from_email(email)
    check_password_strength(password)
    if db.session.scalar(
        select(func.count()).where((User.email == email) | (User.username == username))
    ):
        raise ValidationFailed(_("An account with that email or username exists."))
    user = User(email=email, username=username, display_name=display_name or username, role=role)
    user.set_password(password)
    if confirmed:
        user.email_confirmed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    apply_domain_verification(user)
    # why: profiles' package loads its routes, which reach back here (questions import us)
    from community.profiles.services import ensure_profile

    ensure_profile(user)
    return user


__all__ = [
    "LoginLocked",
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "RESERVED_USERNAMES",
    "USERNAME_RE",
    "absolute_url",
    "apply_domain_verification",
    "check_password_strength",
    "check_username",
    "confirm_email",
    "create_user",
    "email_in_domains",
    "ensure_can_post",
    "find_by_login",
    "load_user_from_session",
    "normalise_email",
    "register",
    "require_admin",
    "send_confirmation",
    "set_locale",
    "set_role",
    "set_verified",
    "verified_domains",
]
