"""Forms of the network view: appointing a coordinator."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from community.forms import REQUIRED, BaseForm


class AppointForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(REQUIRED)])
    prefecture = SelectField(_l("Prefecture"), choices=[], validate_choice=False)
