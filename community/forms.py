"""Form helpers shared by every feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from community.errors import ValidationFailed
from community.text import clean_multiline, one_line

# The one message for an empty required field, whichever form it is on.
REQUIRED = _l("This field is required.")


class CleanTextMeta:
    """Adds a filter to every text field: one-line fields lose line breaks and control
    characters, multi-line fields lose control characters; passwords are left as typed."""

    def bind_field(self, form, unbound_field, options):
        cls = unbound_field.field_class
        clean = None
        if issubclass(cls, TextAreaField):
            clean = clean_multiline
        elif issubclass(cls, StringField) and not issubclass(cls, PasswordField):
            clean = one_line
        if clean is not None:
            options = dict(options, filters=(clean, *unbound_field.kwargs.get("filters", ())))
        return unbound_field.bind(form=form, **options)


class BaseForm(FlaskForm):
    """Every page form: CSRF (Flask-WTF) and clean text (CleanTextMeta)."""

    class Meta(CleanTextMeta):
        pass


class BaseSubForm(Form):
    """Repeating rows inside a BaseForm (FormField): the same text cleaning, no CSRF."""

    class Meta(CleanTextMeta):
        pass


class EmptyForm(BaseForm):
    """A POST-only button: nothing but the CSRF token."""


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def apply_errors(form: FlaskForm, err: ValidationFailed) -> None:
    """Show a service's field errors next to the form's fields (others on the form itself)."""
    placed = False
    for name, messages in err.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
            placed = True
    if not placed and err.message:
        form.form_errors.append(err.message)


def status_for(form: FlaskForm) -> int:
    """200 for a fresh form, 422 when a submitted form has errors."""
    return 422 if form.is_submitted() and (form.errors or form.form_errors) else 200
