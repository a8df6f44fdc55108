"""Form helpers shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm

from community.errors import ValidationFailed


class EmptyForm(FlaskForm):
    """A POST-only button: nothing but the CSRF token."""


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
