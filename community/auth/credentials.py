"""Credentials: signing in, changing a password or an email address, and password resets.

Only the owner of an account changes these: each change asks for the current password or a
mailed single-use link, ends other sessions where the old credential could be known, and mails
a notice to the address that could have been taken over."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from community import mail
from community.auth import lockout, tokens
from community.auth.models import User
from community.auth.services import EMAIL_SHAPE, absolute_url, find_by_login
from community.auth.staff import apply_domain_verification
from community.auth.validation import check_password_strength, narrow, normalise_email
from community.db import utcnow
from community.errors import ValidationFailed
from community.extensions import db

# Same parameters as real hashes, so checking it costs the same time.
_DUMMY_HASH = "scrypt:32768:8:1$kakehashi$" + "0" * 128


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
