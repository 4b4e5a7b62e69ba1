"""Forms for the roster of posts. Field names follow the schema's so that its messages
land on them; dates left blank are none, for the schema to judge."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from tenants.forms import CheckboxesField, ChoiceField, DateField


class PostForm(FlaskForm):
    title = StringField()
    category = ChoiceField()
    full_time = BooleanField(default=True)
    holder_name = StringField()
    holder_id_number = StringField()
    qualification = ChoiceField()
    certificate_number = StringField()
    certified_on = DateField()
    starts_on = DateField()
    ends_on = DateField()
    contract_ids = CheckboxesField()


class EndPostForm(FlaskForm):
    # The post's last day (its own id: the post's form on the same page has an ends_on).
    ends_on = DateField(id="end-ends_on")
