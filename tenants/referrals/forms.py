"""Forms for referrals: the bureau's revocation, the provider's answer, service records
and closing. Numbers stay text for the API's schemas to judge; field names follow the
schemas' so that their messages land on them."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from tenants.forms import ChoiceField, DateField


class RevokeForm(FlaskForm):
    note = TextAreaField()


class AcceptForm(FlaskForm):
    worker_id = ChoiceField()


class DeclineForm(FlaskForm):
    reason = ChoiceField()
    note = TextAreaField()


class RecordForm(FlaskForm):
    kind = ChoiceField()
    served_on = DateField()
    units = StringField(default="1")
    minutes = StringField()
    worker_id = ChoiceField()
    note = TextAreaField()


class CloseForm(FlaskForm):
    status = ChoiceField()
    outcome = ChoiceField()
    satisfaction = ChoiceField()
    severity = ChoiceField()
    note = TextAreaField()
