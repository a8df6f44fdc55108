"""Accounts: users, roles and the admin-managed list of verified staff domains."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from community.db import UTCDateTime, str_enum, utcnow
from community.extensions import db

DISPLAY_NAME_MAX = 80  # characters; the column, the forms and the services read this


class Role(enum.StrEnum):
    MEMBER = "member"
    ADVISER = "adviser"
    EDITOR = "editor"
    ADMIN = "admin"


def _new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20), default=Role.MEMBER)
    locale: Mapped[str | None] = mapped_column(String(5))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_staff: Mapped[bool] = mapped_column(default=False)
    # When an admin decides by hand, the email domain no longer changes the badge.
    verified_manually: Mapped[bool] = mapped_column(default=False)
    # Rotated on password change, email change and deletion: logs out every other session
    # and invalidates "remember me" cookies.
    session_token: Mapped[str] = mapped_column(String(32), default=_new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Suspended accounts read but cannot post anywhere until this time.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspension_reason: Mapped[str] = mapped_column(String(500), default="")
    # Closing the getting-started checklist hides it from the home page (the page stays).
    onboarding_dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Named by string, unannotated: accounts sit below profiles and never import them (the
    # Profile class is found in the registry when the mappers are configured).
    profile = relationship(
        "Profile", back_populates="user", uselist=False, cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        # Flask-Login stores this in the session and the remember cookie; including the
        # token makes both stale as soon as it rotates.
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        """Hash and store a new password (scrypt unless the config says otherwise)."""
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """True when the password matches (always False for deleted accounts)."""
        return self.deleted_at is None and check_password_hash(self.password_hash, password)

    def rotate_session_token(self) -> None:
        """Invalidate every existing session and remember cookie."""
        self.session_token = _new_session_token()

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_active(self) -> bool:  # Flask-Login: deleted accounts cannot log in
        return self.deleted_at is None

    @property
    def initials(self) -> str:
        """One or two characters for the avatar."""
        name = (self.display_name or self.username or "?").strip()
        parts = name.split()
        if len(parts) >= 2 and parts[0].isascii():
            return (parts[0][0] + parts[1][0]).upper()
        return name[:1].upper()

    @property
    def avatar_hue(self) -> int:
        """One of 12 colour classes (inline styles are barred by the CSP)."""
        return (self.id or 0) % 12

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class VerifiedDomain(db.Model):
    """A mail domain whose confirmed addresses mark municipal staff (lg.jp and its subdomains)."""

    __tablename__ = "verified_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
