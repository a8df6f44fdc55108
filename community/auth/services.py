"""Account rules. Routes, the CLI and tests call these; none of them commit.

Registration, confirmation, sign-in, passwords and email changes live here; form-input checks
(validation.py) and verified staff and roles (staff.py) are re-exported, so this module stays
the one entry point."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from community import mail
from community.auth import lockout, tokens
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

# Same parameters as real hashes, so checking it costs the same time.
_DUMMY_HASH = "scrypt:32768:8:1$kakehashi$" + "0" * 128


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


# --- passwords and email --------------------------------------------------------------------


def authenticate(identifier: str, password: str) -> User | None:
    """The account when the credentials match, else None (one message for every failure).

    Raises LoginLocked after too many failures for this identifier, whether or not it names
    an account, and before the password is looked at (auth/lockout.py)."""
    lockout.check(identifier)
    user = find_by_login(identifier)
    if user is None:
        # Spend the same hashing time as a real check so timing does not reveal accounts.
        check_password_hash(_DUMMY_HASH, password or "")
    elif user.check_password(password):
        lockout.clear(identifier)
        return user
    lockout.record_failure(identifier)
    return None


def change_password(user: User, current: str, new: str) -> None:
    """The owner changes the password, giving the current one; other sessions end and a notice
    is mailed."""
    if not user.check_password(current):
        msg = _("Your current password is not correct.")
        raise ValidationFailed.for_field("current_password", msg)
    check_password_strength(new, field="new_password", user_words=(user.username,))
    user.set_password(new)
    user.rotate_session_token()
    mail.queue(
        user.email,
        _("Your password was changed"),
        "password_changed",
        user=user,
        reset_url=absolute_url("auth.reset_request"),
    )


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Mail a link to the new address; the change happens only when it is followed."""
    if not user.check_password(password):
        msg = _("Your current password is not correct.")
        raise ValidationFailed.for_field("password", msg)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        msg = _("That is already your address.")
        raise ValidationFailed.for_field("email", msg)
    if db.session.scalar(select(func.count()).where(User.email == new_email)):
        mail.queue(new_email, _("Someone tried to use your address"), "email_taken")
        return
    token = tokens.make("email", user, old=user.email, new=new_email)
    mail.queue(
        new_email,
        _("Confirm your new email address"),
        "email_change",
        user=user,
        url=absolute_url("auth.confirm_email_change", token=token),
    )


def confirm_email_change(token: str) -> User | None:
    """Apply a mailed change of address once: the link is bound to the old address; None when it
    no longer holds."""
    payload = tokens.read("email", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    # Bound to the old address: a second use, or a link from before another change, fails.
    if user is None or user.is_deleted or user.email != payload.get("old"):
        return None
    new = payload["new"]
    if db.session.scalar(select(func.count()).where(User.email == new)):
        return None
    old = user.email
    user.email = new
    user.email_confirmed_at = utcnow()
    user.rotate_session_token()
    apply_domain_verification(user)
    mail.queue(old, _("Your email address was changed"), "email_changed", user=user, new=new)
    return user


def request_password_reset(identifier: str) -> None:
    """Mail a single-use reset link when the account exists.

    An unknown email address is told that it has no account, so that a known and an unknown
    address both send one mail (neither the page nor its timing differs); an unknown username
    has nowhere to be mailed.
    """
    user = find_by_login(identifier)
    if user is None:
        address = narrow(identifier or "")
        if EMAIL_SHAPE.fullmatch(address):
            mail.queue(
                address,
                _("Password reset requested for an address without an account"),
                "reset_unknown",
                register_url=absolute_url("auth.register"),
            )
        return
    mail.queue(
        user.email,
        _("Reset your password"),
        "reset",
        user=user,
        url=absolute_url("auth.reset", token=tokens.reset_token(user)),
    )


def user_for_reset_token(token: str) -> User | None:
    """The account a password-reset link was made for, while the link is fresh and unused; else
    None."""
    payload = tokens.read("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.is_deleted or not tokens.reset_token_matches(user, payload):
        return None
    return user


def reset_password(token: str, new: str) -> User | None:
    """Set a new password from a reset link; it ends other sessions, clears lockouts and
    confirms the address."""
    user = user_for_reset_token(token)
    if user is None:
        return None
    check_password_strength(new, user_words=(user.username,))
    user.set_password(new)
    user.rotate_session_token()
    # The owner proved the address: a lockout that someone else's guesses caused ends here.
    lockout.clear(user.email)
    lockout.clear(user.username)
    # Following the mailed link proves the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        apply_domain_verification(user)
    return user


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
    "authenticate",
    "change_password",
    "check_password_strength",
    "check_username",
    "confirm_email",
    "confirm_email_change",
    "create_user",
    "email_in_domains",
    "ensure_can_post",
    "find_by_login",
    "load_user_from_session",
    "normalise_email",
    "register",
    "request_email_change",
    "request_password_reset",
    "require_admin",
    "reset_password",
    "send_confirmation",
    "set_locale",
    "set_role",
    "set_verified",
    "user_for_reset_token",
    "verified_domains",
]
