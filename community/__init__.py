"""Kakehashi (架け橋): a peer network for Japan's municipal engineers."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from community.config import DEV_SECRET, Config, engine_options, redis_options


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Application factory: the only place an app is made (wsgi.py and tests call it)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_object(config or Config)
    app.config.update(overrides)
    if app.config["SECRET_KEY"] == DEV_SECRET and app.config["ENV_NAME"] not in (
        "development",
        "test",
    ):
        raise RuntimeError("SECRET_KEY must be set outside development (KAKEHASHI_ENV).")
    if app.config["ENV_NAME"] == "production" and not (
        app.config.get("MAIL_URL") or app.config.get("MAIL_TO_LOG")
    ):
        raise RuntimeError(
            "MAIL_URL must be set in production (or KAKEHASHI_MAIL_TO_LOG=1 to log mail instead)."
        )
    if app.config["ENV_NAME"] == "production" and not app.config.get("BASE_URL"):
        # Without it, mailed links would follow the Host header a client sends.
        raise RuntimeError("KAKEHASHI_BASE_URL must be set in production.")
    if app.config["BASE_URL"].startswith("https://"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)

    # Mail is written to the log when MAIL_URL is unset: the log must show INFO.
    if not app.logger.level:
        app.logger.setLevel(logging.INFO)

    # Inside the factory: these import the feature packages, which import `community` (this file).
    from community import inputs, metrics, templating, web
    from community.cli import register_commands

    register_extensions(app)
    # Before the blueprints: the `int` converter applies to rules as they are added.
    inputs.register(app)
    register_blueprints(app)
    metrics.register(app)
    web.register_errorhandlers(app)
    web.register_request_hooks(app)
    templating.register(app)
    register_commands(app)
    if app.config["PROXY_HOPS"]:
        # Outermost, around Socket.IO too: remote_addr becomes the client behind the proxies.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    # Imports inside the factory's functions: every module below imports `community` (this file).
    from community import async_mode, auth, fragments, i18n
    from community.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
    from community.extensions import socketio_queue as queue_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from community import pool_check

        with app.app_context():
            pool_check.install(db.engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_fast_gettext(app)
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options(app.config))
    limiter.init_app(app)
    login_manager.init_app(app)
    auth.init_login_manager(login_manager)
    # Socket.IO handlers must be declared before the first init_app: Flask-SocketIO only copies
    # handlers it knew of at that moment onto each new app's server.
    import community.notifications.events  # noqa: F401

    # With REDIS_URL, a queue whose publishing has short timeouts (extensions.RedisQueue).
    queue = queue_options(app.config)
    mode = async_mode.select(app.config)  # threads; gevent under deploy/gunicorn.conf.py
    socketio.init_app(app, message_queue=redis_url, async_mode=mode, **queue)
    fragments.init_app(app)
    import_models()


def import_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    import community.auth.models  # noqa: F401
    import community.casebook.models  # noqa: F401
    import community.circles.models  # noqa: F401
    import community.idempotency  # noqa: F401
    import community.limits  # noqa: F401 - column limits checked before every flush
    import community.mailqueue.outbox  # noqa: F401 - the outbox table and its commit hook
    import community.moderation.models  # noqa: F401
    import community.notifications.models  # noqa: F401
    import community.office_hours.models  # noqa: F401
    import community.profiles.models  # noqa: F401
    import community.questions.models  # noqa: F401
    import community.reference.models  # noqa: F401
    import community.search.index  # noqa: F401 - session hooks that keep the index current
    import community.search.models  # noqa: F401
    import community.sitesettings  # noqa: F401 - site-wide settings (the demo banner)
    import community.tokens.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprint (imported here: each feature imports `community`)."""
    from community.admin import bp as admin_bp
    from community.api import bp as api_bp
    from community.auth import bp as auth_bp
    from community.casebook import bp as casebook_bp
    from community.circles import bp as circles_bp
    from community.core import bp as core_bp
    from community.moderation import bp as moderation_bp
    from community.network import bp as network_bp
    from community.notifications import bp as notifications_bp
    from community.office_hours import bp as office_hours_bp
    from community.profiles import bp as profiles_bp
    from community.questions import bp as questions_bp
    from community.search import bp as search_bp
    from community.support import bp as support_bp
    from community.tokens import bp as tokens_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(circles_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(casebook_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(office_hours_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(network_bp, url_prefix="/network")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(tokens_bp)
    from community.api import v1 as api_v1

    api_v1.init_app(app)
