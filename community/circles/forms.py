"""Circle forms."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from community.circles.models import CircleRole, CircleVisibility
from community.forms import REQUIRED, BaseForm

VISIBILITY_LABELS = {
    CircleVisibility.OPEN: _l("Open: anyone can join"),
    CircleVisibility.REQUEST: _l("By request: a moderator approves each member"),
    CircleVisibility.PRIVATE: _l("Private: invisible to non-members; moderators add members"),
}
VISIBILITY_SHORT = {
    CircleVisibility.OPEN: _l("Open"),
    CircleVisibility.REQUEST: _l("By request"),
    CircleVisibility.PRIVATE: _l("Private"),
}
ROLE_LABELS = {
    CircleRole.OWNER: _l("Owner"),
    CircleRole.MODERATOR: _l("Moderator"),
    CircleRole.MEMBER: _l("Member"),
}


class CircleForm(BaseForm):
    slug = StringField(
        _l("Address"),
        validators=[DataRequired(REQUIRED), Length(max=60)],
        description=_l("Lower-case letters, digits and hyphens: /circles/<address>"),
    )
    name_ja = StringField(
        _l("Name (Japanese)"), validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    rules = TextAreaField(_l("Rules"), validators=[Length(max=5000)])
    visibility = RadioField(
        _l("Who can join"),
        choices=[(v.value, label) for v, label in VISIBILITY_LABELS.items()],
        default=CircleVisibility.OPEN.value,
    )


class JoinForm(BaseForm):
    message = TextAreaField(
        _l("Message to the moderators (optional)"),
        validators=[Length(max=500)],
        description=_l("Who you are and why you want to join."),
    )


class AddMemberForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(REQUIRED), Length(max=30)])


class MemberRoleForm(BaseForm):
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
