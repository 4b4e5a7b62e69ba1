"""Forms for the organisation pages. Rules live in the core's schemas, not here."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField

from tenants.forms import CheckboxesField, IntegerField


class UserCreateForm(FlaskForm):
    username = StringField()
    full_name = StringField()
    email = EmailField()
    password = PasswordField()
    roles = CheckboxesField()


class UserEditForm(FlaskForm):
    full_name = StringField()
    email = EmailField()
    roles = CheckboxesField()


class PasswordResetForm(FlaskForm):
    password = PasswordField()


class TokenCreateForm(FlaskForm):
    name = StringField()
    expires_in_days = IntegerField()
