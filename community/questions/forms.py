"""Question, answer and comment forms; the services check every rule again."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from community.forms import REQUIRED, BaseForm, CheckboxesField
from community.idempotency import IdempotentForm
from community.questions.models import (
    ANSWER_MIN,
    BODY_MAX,
    BODY_MIN,
    COMMENT_MAX,
    COMMENT_MIN,
    TITLE_MAX,
    TITLE_MIN,
)

STAGE_CHOICES = [
    ("1", _l("I do not yet know what the problem is")),
    ("2", _l("I know the problem but not how to solve it")),
    ("3", _l("I know the method but lack the know-how to carry it out")),
    ("", _l("Not sure / skip")),
]
STAGE_HELP = {
    "1": _l("For example: something feels wrong with our inspections, but I cannot say what."),
    "2": _l("For example: we must cut repair costs but do not know which approach fits our size."),
    "3": _l("For example: we chose comprehensive outsourcing; how do we write the specification?"),
}


class AskForm(IdempotentForm, BaseForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(REQUIRED), Length(min=TITLE_MIN, max=TITLE_MAX)],
        description=_l("One sentence that says what you want to know."),
    )
    body = TextAreaField(
        _l("Details"),
        validators=[DataRequired(REQUIRED), Length(min=BODY_MIN, max=BODY_MAX)],
        description=_l(
            "Your situation (size of the town, facilities, staff), what you tried, and what you"
            " need. Markdown works. Never write residents' personal information."
        ),
    )
    circle = SelectField(_l("Where to ask"), validators=[Optional()])
    field = SelectField(_l("Field"), validators=[Optional()])
    topics = CheckboxesField(_l("Topics (up to 3)"), validators=[Optional()])
    tags = StringField(
        _l("Tags"),
        validators=[Length(max=200)],
        description=_l("Up to 5 free words, separated by commas or spaces, e.g. 判定区分, 歩掛"),
    )
    stage = RadioField(_l("Where are you with this problem?"), choices=STAGE_CHOICES, default="")


class AnswerForm(IdempotentForm, BaseForm):
    body = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(REQUIRED), Length(min=ANSWER_MIN, max=BODY_MAX)],
        description=_l("Share what worked where you are. Markdown works."),
    )


class CommentForm(IdempotentForm, BaseForm):
    body = TextAreaField(
        _l("Comment"), validators=[DataRequired(REQUIRED), Length(min=COMMENT_MIN, max=COMMENT_MAX)]
    )


class CloseForm(BaseForm):
    reason = SelectField(
        _l("Reason"),
        choices=[
            ("duplicate", _l("Duplicate of another question")),
            ("off_topic", _l("Off-topic")),
        ],
    )
    duplicate_of = IntegerField(_l("Number of the original question"), validators=[Optional()])
