"""Configuration read from the environment (DESIGN.md: Environment contract)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused outside development, see create_app


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'kakehashi.db'}")
    # Heroku-style URLs and plain postgresql:// should both use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Settings for a real deployment; every value can come from the environment."""

    ENV_NAME = os.environ.get("KAKEHASHI_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    MAIL_URL = os.environ.get("MAIL_URL") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Kakehashi <no-reply@kakehashi.example.jp>")
    BASE_URL = os.environ.get("KAKEHASHI_BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; long forms must not expire

    RATELIMIT_ENABLED = True
    # Several deployments (or test runs) may share one Redis: keep their counters apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("KAKEHASHI_RATELIMIT_PREFIX", "kakehashi")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_REGISTER = "5 per minute;20 per hour"
    RATELIMIT_MAIL = "5 per minute;20 per hour"
    RATELIMIT_PREVIEW = "60 per minute"
    RATELIMIT_POST = "10 per minute;200 per day"  # questions, answers, comments per user
    RATELIMIT_EDIT = "10 per minute;200 per day"  # edits of questions and answers per user
    # Failed passwords for one email or username (from any address) before its logins are
    # refused, until the oldest failure leaves the window (auth/lockout.py).
    LOGIN_LOCKOUT = "10 per 15 minutes"

    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    CONFIRM_TOKEN_MAX_AGE = 60 * 60 * 24 * 3
    RESET_TOKEN_MAX_AGE = 60 * 60
    PEOPLE_PER_PAGE = 20
    # Search ranks the newest this many matching sections of each kind (search/window.py).
    SEARCH_WINDOW = int(os.environ.get("KAKEHASHI_SEARCH_WINDOW", "1000"))
    BOOKING_CANCEL_CUTOFF_HOURS = 12
    FLAG_HIDE_THRESHOLD = 3  # distinct trust-1+ members whose flags hide a post until review
    TRUST1_DAYS = 3  # days after confirmation before a member reaches trust level 1
    TRUST2_ACCEPTED_ANSWERS = 3
    RATELIMIT_POST_NEW = "3 per minute;20 per day"  # trust level 0
    DEFAULT_VERIFIED_DOMAINS = ("lg.jp",)


class TestConfig(Config):
    """Fast, isolated settings for the test suite."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_URL = None
    REDIS_URL = None
    BASE_URL = "http://localhost"
    TRUST1_DAYS = 0  # test accounts are minutes old; moderation tests set their own value
    # Cheap hashes keep account-heavy tests fast; test_security checks the real default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
