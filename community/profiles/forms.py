"""Profile forms; choices come from reference data at request time."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
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
from community.profiles.models import BIO_MAX, OrganisationKind, Visibility

ORGANISATION_KINDS = [
    ("", _l("Not set")),
    (OrganisationKind.MUNICIPALITY.value, _l("A municipality (市区町村)")),
    (OrganisationKind.PREFECTURE.value, _l("A prefectural government (都道府県庁)")),
    (OrganisationKind.UNIVERSITY.value, _l("A university")),
    (OrganisationKind.KOSEN.value, _l("A KOSEN (高専)")),
    (OrganisationKind.CENTRE.value, _l("A construction technology centre or similar public body")),
    (OrganisationKind.NATIONAL.value, _l("A national body (MLIT and others)")),
    (OrganisationKind.COMPANY.value, _l("A company")),
    (OrganisationKind.OTHER.value, _l("Other")),
]


class ProfileForm(BaseForm):
    display_name = StringField(
        _l("Display name"), validators=[DataRequired(REQUIRED), Length(max=DISPLAY_NAME_MAX)]
    )
    organisation_kind = SelectField(
        _l("Kind of organisation"), choices=ORGANISATION_KINDS, validators=[Optional()]
    )
    municipality = StringField(
        _l("Municipality"),
        validators=[Length(max=60)],
        description=_l(
            "Type the name in kanji or kana (e.g. 高山市, たかやま) and choose from the list; "
            "this also sets your prefecture."
        ),
    )
    municipality_code = HiddenField()
    organisation = StringField(
        _l("Name of the organisation"),
        validators=[Length(max=120)],
        description=_l("For other organisations, e.g. 岐阜大学, 滋賀県建設技術センター."),
    )
    technical_staff = IntegerField(
        _l("Technical staff in your municipality (you included)"),
        validators=[Optional(), NumberRange(1, 10_000, _l("Enter a number from 1 to 10000."))],
        description=_l(
            "Optional. Enter 1 if you are the only one (「技術系職員は私だけ」). "
            "Shown only in aggregate figures, never on your profile."
        ),
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
