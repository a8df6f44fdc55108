"""Account forms; the services re-check every rule."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from community.auth.models import DISPLAY_NAME_MAX
from community.auth.validation import narrow, password_problem
from community.forms import REQUIRED, BaseForm

# The services check all of these again; the form repeats them so that every problem
# is reported at once instead of one per submission.
EMAIL = Email(_l("Enter a valid email address."), check_deliverability=False)
USERNAME = Regexp(
    r"^[A-Za-z0-9_]{3,30}$", message=_l("Use 3–30 characters: lower-case letters, digits and _.")
)
# Addresses, usernames and login names typed with the IME in full-width mode are converted
# (NFKC) before any validator sees them; passwords never are.
NARROW = (narrow,)


class StrongPassword:
    """The service's password rules, with a message that says what is wrong (not the hint
    again). `user_fields` name fields of the same form the password must not contain."""

    def __init__(self, user_fields=()):
        self.user_fields = user_fields

    def __call__(self, form, field):
        words = []
        for name in self.user_fields:
            value = form[name].data or ""
            words.append(value.partition("@")[0] if "@" in value else value)
        problem = password_problem(field.data, words)
        if problem:
            raise ValidationError(problem)


class RegisterForm(BaseForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(REQUIRED), Length(max=254), EMAIL], filters=NARROW
    )
    username = StringField(
        _l("Username"),
        validators=[DataRequired(REQUIRED), USERNAME],
        filters=NARROW,
        description=_l(
            "3–30 characters: lower-case letters, digits and _. Shown in your profile URL."
        ),
    )
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(REQUIRED), Length(max=DISPLAY_NAME_MAX)],
        description=_l("Usually your full name, e.g. 田中 健一."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), StrongPassword(("username", "email"))],
        description=_l("At least 10 characters."),
    )
    password_confirm = PasswordField(
        _l("Password (again)"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
    )


class LoginForm(BaseForm):
    identifier = StringField(
        _l("Email or username"), validators=[DataRequired(REQUIRED)], filters=NARROW
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ResetRequestForm(BaseForm):
    identifier = StringField(
        _l("Email or username"), validators=[DataRequired(REQUIRED)], filters=NARROW
    )


class ResetForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), StrongPassword()],
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
        validators=[DataRequired(REQUIRED), StrongPassword()],
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
    email = EmailField(
        _l("New email"),
        validators=[DataRequired(REQUIRED), Length(max=254), EMAIL],
        filters=NARROW,
    )
    password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
