"""Forms for a provider's services and projects. Rules live in the core's schemas; field
names follow the schema's nesting (capacity_unit, locations_0_name…) so that its
messages land on the right field."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField

from tenants.forms import (
    CheckboxesField,
    ChoiceField,
    DateField,
    DecimalField,
    FloatField,
    IntegerField,
    TimeField,
)


class ServiceForm(FlaskForm):
    name = StringField()
    description = TextAreaField()
    dimension = ChoiceField()
    subcategory = ChoiceField()
    target_groups = CheckboxesField()
    categories = CheckboxesField()
    min_age = IntegerField()
    max_age = IntegerField()
    requires_disability = BooleanField()
    disability_types = CheckboxesField()
    eligibility_notes = TextAreaField()
    areas = CheckboxesField()
    capacity_unit = StringField()
    capacity_period = ChoiceField()
    capacity_per_period = IntegerField()
    capacity_available = IntegerField()
    funding = ChoiceField()
    project_id = ChoiceField()
    locations_0_name = StringField()
    locations_0_area_code = ChoiceField()
    locations_0_address = StringField()
    locations_0_latitude = FloatField()
    locations_0_longitude = FloatField()
    schedules_0_byday = CheckboxesField()
    schedules_0_opens_at = TimeField()
    schedules_0_closes_at = TimeField()
    schedules_0_description = StringField()


class ImportForm(FlaskForm):
    file = FileField()


class ProjectForm(FlaskForm):
    title = StringField()
    aims = TextAreaField()
    dimensions = CheckboxesField()
    target_groups = CheckboxesField()
    areas = CheckboxesField()
    starts_on = DateField()
    ends_on = DateField()
    funding_target_yuan = DecimalField(places=2)
    funds_raised_yuan = DecimalField(places=2)
