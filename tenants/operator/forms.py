"""Forms for the operator console. Rules live in the core's schemas."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField

from tenants.forms import ChoiceField


class TenantCreateForm(FlaskForm):
    type = ChoiceField()
    name = StringField()
    credit_code = StringField()
    jurisdiction_code = ChoiceField()
    admin_username = StringField()
    admin_full_name = StringField()
    admin_email = EmailField()
    admin_password = PasswordField()
