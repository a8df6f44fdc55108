"""The public JSON API, version 1, at /api/v1 (flask-smorest: marshmallow schemas, and the
OpenAPI description generated from them at /api/openapi.json, shown at /api/docs)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint

from community.api.v1.schemas import ErrorBody

bp = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Questions and answers, read and written with a personal access token.",
)

OPENAPI_VERSION = "3.1.0"


class PublicApi(Api):
    """flask-smorest's Api without the two things it would add to the whole app: its error
    handler (errors keep the project's one JSON shape: web.py, api/v1/errors.py) and its own
    documentation blueprint (api/v1/docs.py serves the description and the page)."""

    ERROR_SCHEMA = ErrorBody

    def _register_error_handlers(self):
        pass

    def _register_doc_blueprint(self):
        pass


def init_app(app: Flask) -> None:
    """Register /api/v1, its description and its docs page on `app`."""
    from community.api.v1 import docs
    from community.extensions import csrf

    app.config.setdefault("API_TITLE", "Kakehashi API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", OPENAPI_VERSION)
    app.config.setdefault("RATELIMIT_API", "120 per minute")
    api = PublicApi(
        app,
        spec_kwargs={
            "servers": [{"url": "/"}],
            "info": {
                "description": "Kakehashi's JSON API. Authenticate with a personal access "
                "token from /settings/tokens: `Authorization: Bearer kkh_…`."
            },
        },
    )
    api.spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "A personal access token."}
    )
    api.register_blueprint(bp)
    app.register_blueprint(docs.bp, url_prefix="/api")
    # Bearer requests carry no cookie to forge; requests with the session cookie are checked
    # in auth.authenticate (write methods need the CSRF token there).
    csrf.exempt(bp)


from community.api.v1 import auth, cases, circles, errors, questions  # noqa: E402,F401
