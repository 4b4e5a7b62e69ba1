"""Forms for households. Field names follow the API's schemas (a member's fields are
``members_0_…`` in registration) so that the schema's messages land on them."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from aidbridge.vocab import Severity
from tenants.forms import ChoiceField, DateField, enum_choices
from tenants.labels import SEVERITY


def _member_fields(prefix: str = "") -> dict:
    return {
        f"{prefix}name": StringField(),
        f"{prefix}id_number": StringField(),
        f"{prefix}relation": ChoiceField(),
        f"{prefix}labour_capacity": ChoiceField(),
        f"{prefix}employment": ChoiceField(),
        f"{prefix}school_stage": ChoiceField(),
        f"{prefix}disability_type": ChoiceField(),
        f"{prefix}disability_grade": ChoiceField(),
        f"{prefix}major_illness": BooleanField(),
        f"{prefix}self_care": ChoiceField(),
        f"{prefix}supporter": ChoiceField(),
        f"{prefix}institutional_care": BooleanField(),
        f"{prefix}applies_individually": BooleanField(),
    }


class HouseholdForm(FlaskForm):
    area_code = ChoiceField()
    address = StringField()
    setting = ChoiceField()
    phone = StringField()
    checks_authorised_on = DateField()
    emergency = BooleanField()
    exit_requested = BooleanField()
    next_review_on = DateField()


RegistrationForm = type(
    "RegistrationForm",
    (HouseholdForm,),
    {"registered_on": DateField(), **_member_fields("members_0_")},
)
MemberForm = type("MemberForm", (FlaskForm,), _member_fields())


class EmergencyIntakeForm(FlaskForm):
    """What is known on an emergency (ALL-EM-1): the place, the person, what happened."""

    area_code = ChoiceField()
    address = StringField()
    setting = ChoiceField()
    phone = StringField()
    members_0_name = StringField()
    members_0_id_number = StringField()
    members_0_labour_capacity = ChoiceField()
    members_0_employment = ChoiceField()
    need_subcategory = ChoiceField()
    need_severity = ChoiceField()
    need_note = TextAreaField()
    consents_to_share = BooleanField()


class ItemForm(FlaskForm):
    # "kind:type", e.g. "income:wages" (one list, grouped by kind).
    type = ChoiceField()
    member_id = ChoiceField()
    amount = StringField()
    starts_on = DateField()
    ends_on = DateField()
    note = StringField()


class DecisionForm(FlaskForm):
    decided_on = DateField()


class CaseGrantForm(FlaskForm):
    agency_id = ChoiceField()
    note = StringField()


class AssessmentForm(FlaskForm):
    assessed_on = DateField()
    consents_to_share = BooleanField()
    note = TextAreaField()
    # How many need rows the page has (proposed ones, then blank ones to add).
    rows = HiddenField()


def assessment_form(dimensions: int, rows: int, **kwargs) -> AssessmentForm:
    """The assessment form with a rating per dimension (``ratings_<i>_…``, in the order of
    NeedDimension) and ``rows`` need rows (``needs_<j>_…``), named as the API's fields."""
    fields = {}
    for i in range(dimensions):
        for name in ("severity", "urgency"):
            fields[f"ratings_{i}_{name}"] = ChoiceField()
        fields[f"ratings_{i}_note"] = StringField()
    for j in range(rows):
        fields[f"needs_{j}_include"] = BooleanField()
        # A sub-category code, or a dimension's code for any service of it.
        for name in ("subcategory", "member_id", "severity", "urgency"):
            fields[f"needs_{j}_{name}"] = ChoiceField()
        fields[f"needs_{j}_yearly_target"] = StringField()
        fields[f"needs_{j}_note"] = StringField()
    return type("AssessmentRowsForm", (AssessmentForm,), fields)(**kwargs)


def need_severities() -> list[tuple[str, str]]:
    """The severities a need may have: at least mild (as the schema's AT_LEAST_MILD)."""
    return [choice for choice in enum_choices(Severity, SEVERITY) if choice[0] != Severity.none]
