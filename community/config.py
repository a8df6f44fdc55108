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
    # Production without MAIL_URL refuses to start unless writing mail to the log is chosen.
    MAIL_TO_LOG = os.environ.get("KAKEHASHI_MAIL_TO_LOG") == "1"
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}  # completed per dialect: engine_options
    # Seconds to open a database connection, and milliseconds a statement may run (PostgreSQL),
    # so that a database that stops answering makes requests fail fast instead of hang.
    DB_CONNECT_TIMEOUT = int(os.environ.get("KAKEHASHI_DB_CONNECT_TIMEOUT", "5"))
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("KAKEHASHI_DB_STATEMENT_TIMEOUT_MS", "15000"))
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none, so that
    # a client cannot choose its own address for the rate limits).
    PROXY_HOPS = int(os.environ.get("KAKEHASHI_PROXY_HOPS", "0"))
    MAX_CONTENT_LENGTH = int(os.environ.get("KAKEHASHI_MAX_CONTENT_LENGTH", str(2 * 1024 * 1024)))
    # One limit for the body and for one text field (Flask's own default for a field is 500 kB).
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    # Seconds for each Redis connect and reply (rate limits, lockout, Socket.IO publishing).
    REDIS_TIMEOUT = float(os.environ.get("KAKEHASHI_REDIS_TIMEOUT", "0.5"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    MAIL_URL = os.environ.get("MAIL_URL") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Kakehashi <no-reply@kakehashi.example.jp>")
    # Who sends the outbox (README "Mail"): `thread` runs a worker inside the app process (the
    # development default, so that `make run` sends mail); `off` leaves it to `flask mail work`.
    MAIL_WORKER = os.environ.get(
        "KAKEHASHI_MAIL_WORKER", "thread" if ENV_NAME == "development" else "off"
    )
    MAIL_MAX_ATTEMPTS = int(os.environ.get("KAKEHASHI_MAIL_MAX_ATTEMPTS", "6"))
    MAIL_SMTP_TIMEOUT = float(os.environ.get("KAKEHASHI_MAIL_SMTP_TIMEOUT", "10"))
    MAIL_POLL_SECONDS = 1.0
    MAIL_DELIVER_ON_COMMIT = False  # tests only: see TestConfig
    # Links in mail and calendar feeds. Unset (development only), links follow the request's
    # host and port, and mail sent outside a request uses DEFAULT_BASE_URL (urls.base_url).
    BASE_URL = os.environ.get("KAKEHASHI_BASE_URL", "").strip().rstrip("/")
    DEFAULT_BASE_URL = "http://127.0.0.1:5000"
    # Bearer token a Prometheus scraper sends to /metrics; unset, /metrics does not exist (404).
    METRICS_TOKEN = os.environ.get("KAKEHASHI_METRICS_TOKEN") or None
    # Who runs this site and how to reach them, shown on /terms, /privacy and /contact.
    # Unset, those pages say plainly that the operator has not filled them in yet.
    OPERATOR_NAME = os.environ.get("KAKEHASHI_OPERATOR_NAME", "").strip()
    CONTACT_EMAIL = os.environ.get("KAKEHASHI_CONTACT_EMAIL", "").strip()

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
    # Redis unreachable: limits fall back to this process's memory (a warning is logged) and
    # any other store error lets the request through: an outage of Redis is not one of the site.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_REGISTER = "5 per minute;20 per hour"
    # Per email or username typed, whatever the address (many clients, one target).
    RATELIMIT_LOGIN_IDENTIFIER = "20 per minute;100 per hour"
    RATELIMIT_REGISTER_IDENTIFIER = "3 per minute;10 per day"
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
    # The 「デモ用の架空データ」 banner on every page: None follows the site setting that
    # `flask seed demo` turns on (community/sitesettings.py); 1 or 0 forces it on or off.
    DEMO_BANNER = (
        None
        if os.environ.get("KAKEHASHI_DEMO_BANNER", "").strip() == ""
        else os.environ["KAKEHASHI_DEMO_BANNER"].strip() == "1"
    )


class TestConfig(Config):
    """Fast, isolated settings for the test suite."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_URL = None
    MAIL_WORKER = "off"
    # One worker pass right after each commit that queued mail, so that a test reads its
    # mailbox as soon as the request (or service call) returns.
    MAIL_DELIVER_ON_COMMIT = True
    REDIS_URL = None
    BASE_URL = "http://localhost"
    TRUST1_DAYS = 0  # test accounts are minutes old; moderation tests set their own value
    # Cheap hashes keep account-heavy tests fast; test_security checks the real default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105


def redis_options(config) -> dict:
    """redis-py client options: short timeouts and one quick retry, never a long backoff."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = config.get("REDIS_TIMEOUT", 0.5)
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        # redis-py's default retries thrice with up to 10 s of backoff: a request would wait.
        "retry": Retry(NoBackoff(), 1),
    }


def _running_a_command() -> bool:
    # `flask db upgrade`, `search reindex` and cron jobs may run statements longer than a
    # request should; the timeout protects the web processes.
    import click

    return click.get_current_context(silent=True) is not None


def engine_options(config) -> dict:
    """SQLAlchemy engine options for the configured database: timeouts on every dialect."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    uri = str(config["SQLALCHEMY_DATABASE_URI"])
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("postgresql"):
        # Instead of a ping on every checkout, pool_check pings only a connection that sat idle
        # or whose socket shows the server closed it (installed by create_app).
        options["pool_pre_ping"] = False
        connect_args.setdefault("connect_timeout", config.get("DB_CONNECT_TIMEOUT", 5))
        if not _running_a_command():
            timeout = int(config.get("DB_STATEMENT_TIMEOUT_MS", 15000))
            connect_args.setdefault("options", f"-c statement_timeout={timeout}")
        # A peer that vanishes without closing (a partition) is noticed within about a minute.
        connect_args.setdefault("keepalives", 1)
        connect_args.setdefault("keepalives_idle", 30)
        connect_args.setdefault("keepalives_interval", 10)
        connect_args.setdefault("keepalives_count", 3)
    elif uri.startswith("sqlite"):
        # Seconds a writer waits for another's lock before "database is locked".
        connect_args.setdefault("timeout", 15)
    options["connect_args"] = connect_args
    return options
