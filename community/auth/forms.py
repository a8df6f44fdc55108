"""Account forms; the services re-check every rule."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from community.forms import BaseForm

REQUIRED = _l("This field is required.")
# The services check all of these again; the form repeats them so that every problem
# is reported at once instead of one per submission.
EMAIL = Email(_l("Enter a valid email address."), check_deliverability=False)
USERNAME = Regexp(
    r"^[A-Za-z0-9_]{3,30}$", message=_l("Use 3–30 characters: lower-case letters, digits and _.")
)
PASSWORD_LENGTH = Length(min=10, max=200, message=_l("Use at least %(n)d characters.", n=10))


class RegisterForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    username = StringField(
        _l("Username"),
        validators=[DataRequired(REQUIRED), USERNAME],
        description=_l(
            "3–30 characters: lower-case letters, digits and _. Shown in your profile URL."
        ),
    )
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(REQUIRED), Length(max=80)],
        description=_l("Usually your full name, e.g. 田中 健一."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), PASSWORD_LENGTH],
        description=_l("At least 10 characters."),
    )
    password_confirm = PasswordField(
        _l("Password (again)"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
    )


class LoginForm(BaseForm):
    identifier = StringField(_l("Email or username"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ResetRequestForm(BaseForm):
    identifier = StringField(_l("Email or username"), validators=[DataRequired(REQUIRED)])


class ResetForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), PASSWORD_LENGTH],
        description=_l("At least 10 characters."),
    )
    password_confirm = PasswordField(
        _l("New password (again)"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
    )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), PASSWORD_LENGTH],
        description=_l("At least 10 characters."),
    )
    new_password_confirm = PasswordField(
        _l("New password (again)"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", _l("The passwords do not match.")),
        ],
    )


class ChangeEmailForm(BaseForm):
    email = EmailField(_l("New email"), validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
