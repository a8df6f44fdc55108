"""Office-hour forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from community.forms import REQUIRED, BaseForm, CheckboxesField
from community.idempotency import IdempotentForm
from community.office_hours.models import AGENDA_MAX

MODES = [("online", _l("Online")), ("onsite", _l("On site")), ("phone", _l("Phone"))]
WEEKDAYS = [
    ("0", _l("Monday")),
    ("1", _l("Tuesday")),
    ("2", _l("Wednesday")),
    ("3", _l("Thursday")),
    ("4", _l("Friday")),
    ("5", _l("Saturday")),
    ("6", _l("Sunday")),
]


class BookForm(IdempotentForm, BaseForm):
    agenda = TextAreaField(
        _l("What would you like to discuss?"),
        validators=[DataRequired(REQUIRED), Length(max=AGENDA_MAX)],
        description=_l("A few lines: your situation and what you hope to take away."),
    )
    question_id = SelectField(_l("Link one of your questions (optional)"), validators=[Optional()])
    mode = SelectField(_l("How to meet"))


class CancelForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=500)])


class RescheduleForm(BaseForm):
    start = SelectField(_l("New time"), validators=[DataRequired(REQUIRED)])


class RateForm(BaseForm):
    rating = RadioField(
        _l("How useful was the session?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(REQUIRED)],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=1000)])


class NoteForm(BaseForm):
    note = TextAreaField(
        _l("Private note"),
        validators=[Length(max=20000)],
        description=_l("Only you can see this note."),
    )


class AnswerFromNoteForm(BaseForm):
    body = TextAreaField(
        _l("Answer on the linked question"),
        validators=[DataRequired(REQUIRED), Length(min=10, max=20000)],
    )


class SettingsForm(BaseForm):
    affiliation = StringField(_l("Affiliation"), validators=[Length(max=200)])
    intro = TextAreaField(
        _l("Introduction"), validators=[Length(max=4000)], description=_l("Markdown.")
    )
    regions = CheckboxesField(
        _l("Prefectures covered (none = all of Japan)"), validators=[Optional()]
    )
    modes = CheckboxesField(_l("How sessions are held"), choices=MODES, validators=[Optional()])
    meeting_url = StringField(_l("Meeting link (online)"), validators=[Length(max=500)])
    buffer_minutes = IntegerField(
        _l("Buffer between sessions (minutes)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 120)],
    )
    min_notice_hours = IntegerField(
        _l("Minimum notice (hours)"), validators=[InputRequired(REQUIRED), NumberRange(0, 720)]
    )
    max_days_ahead = IntegerField(
        _l("Bookable up to (days ahead)"), validators=[InputRequired(REQUIRED), NumberRange(1, 180)]
    )
    max_active_per_member = IntegerField(
        _l("Upcoming bookings per member at most"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 10)],
    )
    requires_confirmation = BooleanField(
        _l("I confirm each request (otherwise bookings are instant)")
    )
    paused = BooleanField(_l("Pause new bookings"))


class RuleForm(BaseForm):
    weekday = SelectField(_l("Weekday"), choices=WEEKDAYS)
    start_time = TimeField(_l("From"), validators=[InputRequired(REQUIRED)])
    end_time = TimeField(_l("To"), validators=[InputRequired(REQUIRED)])
    slot_minutes = IntegerField(
        _l("Slot length (minutes)"),
        default=60,
        validators=[InputRequired(REQUIRED), NumberRange(15, 120)],
    )
    mode = SelectField(_l("How"), choices=MODES)


class ExceptionForm(BaseForm):
    day = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    kind = SelectField(
        _l("Kind"), choices=[("off", _l("Day off / time off")), ("extra", _l("Extra hours"))]
    )
    start_time = TimeField(_l("From (optional for a whole day off)"), validators=[Optional()])
    end_time = TimeField(_l("To"), validators=[Optional()])
    slot_minutes = IntegerField(
        _l("Slot length (minutes)"),
        default=60,
        validators=[InputRequired(REQUIRED), NumberRange(15, 120)],
    )
    mode = SelectField(_l("How"), choices=MODES)
