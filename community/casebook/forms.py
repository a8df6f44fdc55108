"""The case form: repeating parts as lists of sub-forms that work without JavaScript."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from community.forms import BaseForm, BaseSubForm, CheckboxesField
from community.idempotency import IdempotentForm


class ScheduleRow(BaseSubForm):
    period = StringField(_l("Period"))
    content = StringField(_l("What happened"))


class CostRow(BaseSubForm):
    kind = SelectField(_l("Kind"), choices=[("initial", _l("Initial")), ("running", _l("Running"))])
    item = StringField(_l("Item"))
    amount = StringField(_l("Amount (yen)"))


class InterviewRow(BaseSubForm):
    question = TextAreaField(_l("Question"))
    answer = TextAreaField(_l("Answer"))


class SourceRow(BaseSubForm):
    title = StringField(_l("Title"))
    url = StringField(_l("Link"))
    as_of = StringField(_l("As of (時点)"))
    accessed_on = StringField(_l("Date read"))
    supports = StringField(_l("Figures and facts it supports"))


class FigureRow(BaseSubForm):
    label = StringField(_l("Figure"))
    value = StringField(_l("Value"))


STAGE_CHOICES = [
    ("1", _l("I do not yet know what the problem is")),
    ("2", _l("I know the problem but not how to solve it")),
    ("3", _l("I know the method but lack the know-how to carry it out")),
]


class CaseForm(BaseForm):
    slug = StringField(
        _l("Address"),
        description=_l(
            "Lower-case letters, digits and hyphens: /cases/<address>. "
            "Leave empty to make one from the case name."
        ),
    )
    title = StringField(_l("Case name"))
    summary_points = TextAreaField(_l("Points"), description=_l("One point per line."))
    overview = TextAreaField(_l("Overview"), description=_l("Markdown."))
    organisations = StringField(_l("Organisations involved"))
    prefecture = SelectField(_l("Prefecture"), validators=[Optional()])
    population_band = SelectField(_l("Population"), validators=[Optional()])
    direction = RadioField(
        _l("Direction"),
        choices=[
            ("outside", _l("From outside (外から): support by organisations and advisers")),
            ("inside", _l("From inside (内から): talent development and staff exchange")),
        ],
    )
    menus = CheckboxesField(_l("Support menus"), validators=[Optional()])
    stages = CheckboxesField(
        _l("Problem stages it serves"), choices=STAGE_CHOICES, validators=[Optional()]
    )
    fields = CheckboxesField(_l("Fields"), validators=[Optional()])
    topics = CheckboxesField(_l("Topics"), validators=[Optional()])
    effects = TextAreaField(_l("Effects"), description=_l("Markdown."))
    effect_figures = FieldList(FormField(FigureRow), label=_l("Figures"))
    cost_initial = StringField(_l("Initial cost (yen)"))
    cost_running = StringField(_l("Running cost per year (yen)"))
    costs = FieldList(FormField(CostRow), label=_l("Cost breakdown"))
    schedule = FieldList(FormField(ScheduleRow), label=_l("Schedule"))
    participants = TextAreaField(_l("Providers and other participants"))
    contact_department = StringField(_l("Contact department"))
    interview_kind = RadioField(
        _l("Questions and answers"),
        choices=[
            ("summary", _l("Editors' summary (written by us from the sources)")),
            ("published", _l("A published interview (cite who, when and where)")),
        ],
        default="summary",
    )
    interview_source = StringField(
        _l("Interview source"),
        description=_l("Who was interviewed, when, and where it was published."),
    )
    interview_url = StringField(_l("Link to the interview"))
    interview = FieldList(FormField(InterviewRow), label=_l("Interview"))
    sources = FieldList(FormField(SourceRow), label=_l("Sources"))
    section = SelectField(
        _l("Chapter section"),
        description=_l("Leave unset to place the case by its direction and menus."),
        validators=[Optional()],
        validate_choice=False,
    )
    case_type = RadioField(
        _l("Type of case"),
        choices=[
            ("standard", _l("Support that was carried out")),
            ("not_pursued", _l("Support that was declined or did not work (見送り・不調)")),
        ],
        default="standard",
        validators=[Optional()],
        validate_choice=False,
    )
    is_model = BooleanField(_l("☆ Model case (モデル事例)"))
    consent = SelectField(
        _l("Consent to publish (掲載承諾)"),
        choices=[
            ("none", _l("Consent not requested")),
            ("requested", _l("Consent requested")),
            ("granted", _l("Consent granted")),
        ],
        default="none",
        validators=[Optional()],
        validate_choice=False,
    )
    # Only editors see this field; members' suggestions are always "in review" (the service
    # decides), so a missing value must not fail the form.
    status = SelectField(
        _l("Status"),
        choices=[
            ("draft", _l("Draft")),
            ("review", _l("In review")),
            ("published", _l("Published")),
        ],
        default="draft",
        validators=[Optional()],
        validate_choice=False,
    )

    REPEATING = ("effect_figures", "costs", "schedule", "interview", "sources")

    def pad(self, extra: int = 2, minimum: int = 3) -> None:
        """Blank rows to fill in: `extra` more, and at least `minimum` per list."""
        for name in self.REPEATING:
            lst = getattr(self, name)
            for _ in range(max(extra, minimum - len(lst.entries))):
                lst.append_entry()


class CloseEditionForm(BaseForm):
    """Close the open edition: its number as the editor saw it, and an optional note."""

    edition = HiddenField()
    note = StringField(
        _l("Note for this edition"),
        description=_l("Optional, e.g. 「令和8年12月版」. Shown in the list of editions."),
    )


class SuggestionForm(IdempotentForm, BaseForm):
    """A member's short suggestion: the editors write the case from it."""

    title = StringField(
        _l("Case name"), description=_l("A short name, e.g. 「○○市の橋梁点検研修」.")
    )
    what = TextAreaField(
        _l("What happened?"),
        description=_l("The support, the problem it met and what came of it."),
    )
    place = StringField(_l("Where"), description=_l("The municipality or organisation."))
    people = StringField(_l("Who was involved"), description=_l("People or organisations."))
    source_url = StringField(
        _l("Link (optional)"), description=_l("A page about it, starting with https://.")
    )
    contact = StringField(
        _l("How the editors may reach you (optional)"),
        description=_l("Only editors see this."),
    )


class DeclineForm(BaseForm):
    """Decline a suggestion: the reason is sent to the member."""

    reason = TextAreaField(_l("Reason for the member"))
