"""Forms for the organisation pages. Rules live in the core's schemas, not here."""

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget


class RolesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)  # the schema judges, in the user's language
        super().__init__(*args, **kwargs)


class UserCreateForm(FlaskForm):
    username = StringField()
    full_name = StringField()
    email = EmailField()
    password = PasswordField()
    roles = RolesField()


class UserEditForm(FlaskForm):
    full_name = StringField()
    email = EmailField()
    roles = RolesField()


class PasswordResetForm(FlaskForm):
    password = PasswordField()


class TokenCreateForm(FlaskForm):
    name = StringField()
    expires_in_days = IntegerField()


class ConfirmForm(FlaskForm):
    """A POST with nothing but the CSRF token (deactivate, revoke…)."""
