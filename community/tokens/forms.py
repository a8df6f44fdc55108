"""The form that creates a token (revoking is a POST-only button: forms.EmptyForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from community.forms import REQUIRED, BaseForm
from community.tokens.models import NAME_MAX, Scope


class CreateTokenForm(BaseForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(REQUIRED), Length(max=NAME_MAX)],
        description=_l("What the token is for, e.g. the chat bot of your prefecture."),
    )
    scope = RadioField(
        _l("Scope"),
        choices=[
            (Scope.READ.value, _l("Read: list and read questions")),
            (Scope.WRITE.value, _l("Read and write: also ask and answer")),
        ],
        default=Scope.READ.value,
        validators=[DataRequired(REQUIRED)],
    )
