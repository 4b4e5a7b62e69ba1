"""Forms for the operator console. Rules live in the core's schemas."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField


class TenantCreateForm(FlaskForm):
    type = SelectField()
    name = StringField()
    credit_code = StringField()
    jurisdiction_code = SelectField()
    admin_username = StringField()
    admin_full_name = StringField()
    admin_email = EmailField()
    admin_password = PasswordField()
