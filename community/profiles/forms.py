"""Profile forms; choices come from reference data at request time."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from community.auth.models import DISPLAY_NAME_MAX
from community.forms import REQUIRED, BaseForm, CheckboxesField
from community.profiles.models import BIO_MAX, Visibility


class ProfileForm(BaseForm):
    display_name = StringField(
        _l("Display name"), validators=[DataRequired(REQUIRED), Length(max=DISPLAY_NAME_MAX)]
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[Length(max=120)],
        description=_l("Your municipality or body, e.g. 黒部市, 岐阜大学."),
    )
    prefecture = SelectField(_l("Prefecture"), validators=[Optional()])
    population_band = SelectField(_l("Population of your organisation"), validators=[Optional()])
    department = StringField(_l("Department"), validators=[Length(max=120)])
    job_title = StringField(_l("Job title"), validators=[Length(max=80)])
    years_experience = IntegerField(
        _l("Years of experience"),
        validators=[Optional(), NumberRange(0, 60, _l("Enter a number from 0 to 60."))],
    )
    fields = CheckboxesField(_l("Fields"), validators=[Optional()])
    help_topics = CheckboxesField(_l("Topics I can help with"), validators=[Optional()])
    learn_topics = CheckboxesField(_l("Topics I want to learn"), validators=[Optional()])
    qualifications = StringField(
        _l("Qualifications"),
        validators=[Length(max=300)],
        description=_l("e.g. 技術士(建設部門), 道路橋点検士"),
    )
    bio = TextAreaField(
        _l("About me"),
        validators=[Length(max=BIO_MAX)],
        description=_l(
            "Markdown: **bold**, lists, links. What you look after and what you can share."
        ),
    )
    visibility = RadioField(
        _l("Who can see my profile"),
        choices=[
            (Visibility.MEMBERS.value, _l("Members only")),
            (Visibility.PUBLIC.value, _l("Everyone, including visitors who are not logged in")),
        ],
        default=Visibility.MEMBERS.value,
    )


class DeleteAccountForm(BaseForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
