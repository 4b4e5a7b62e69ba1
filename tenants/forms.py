"""Form pieces every portal uses. Rules live in the core's schemas, not here."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        # The schema and the services judge the values, and say why in the user's language.
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class ConfirmForm(FlaskForm):
    """A POST with nothing but the CSRF token (deactivate, revoke, publish…)."""
