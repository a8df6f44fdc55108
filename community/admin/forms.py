"""Admin forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from community.auth.models import Role
from community.forms import REQUIRED, BaseForm

ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.ADVISER: _l("Adviser"),
    Role.EDITOR: _l("Editor (casebook)"),
    Role.ADMIN: _l("Administrator"),
}


class RoleForm(BaseForm):
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])


class VerificationForm(BaseForm):
    verified = SelectField(
        _l("Verified staff"),
        choices=[
            ("auto", _l("By email domain")),
            ("yes", _l("Verified (by hand)")),
            ("no", _l("Not verified (by hand)")),
        ],
    )


class DomainForm(BaseForm):
    domain = StringField(_l("Domain"), validators=[DataRequired(REQUIRED)])
