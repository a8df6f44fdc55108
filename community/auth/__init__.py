"""Accounts: registration, confirmation, login, password and email changes."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

bp = Blueprint("auth", __name__)


def init_login_manager(login_manager: LoginManager) -> None:
    from community.auth.services import load_user_from_session

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_session)


from community.auth import routes  # noqa: E402,F401
