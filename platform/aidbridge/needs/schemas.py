"""Schemas for assessments and needs. Pure: no queries."""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from aidbridge.households.models import trace_text
from aidbridge.households.schemas import (
    MAX_MEMBERS,
    HouseholdDetailSchema,
    IntakeMemberSchema,
    RegistrationSchema,
    StepSchema,
    not_future,
)
from aidbridge.i18n import N_
from aidbridge.needs.models import NeedStatus
from aidbridge.schemas import AREA_CODE, ID, InputSchema, PageQuery
from aidbridge.vocab import NeedDimension, Severity, Urgency

NOTE = validate.Length(max=500)
SUBCATEGORY = validate.Regexp(r"^[a-z_]+\.[a-z_]+$", error=N_("a sub-category code"))
AT_LEAST_MILD = validate.NoneOf([Severity.none], error=N_("a need is at least mild"))


def _check_subcategory(code: str | None, dimension: NeedDimension) -> None:
    """The code's own shape says its dimension (``care.home_visit``); whether the term
    exists is the service's to check."""
    if code is not None and code.partition(".")[0] != dimension:
        raise ValidationError(N_("not a sub-category of this dimension"), "subcategory")


class RatingInputSchema(InputSchema):
    dimension = fields.Enum(NeedDimension, required=True)
    severity = fields.Enum(Severity, required=True)
    urgency = fields.Enum(Urgency, load_default=Urgency.routine)
    note = fields.String(load_default="", validate=NOTE)


class NeedInputSchema(InputSchema):
    dimension = fields.Enum(NeedDimension, required=True)
    # None: any service of the dimension may serve it.
    subcategory = fields.String(load_default=None, allow_none=True, validate=SUBCATEGORY)
    # The member concerned; None for the household as a whole.
    member_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    severity = fields.Enum(Severity, required=True, validate=AT_LEAST_MILD)
    urgency = fields.Enum(Urgency, load_default=Urgency.routine)
    # Default: what the pack asks for (CJ21-JOB-1), if anything.
    yearly_target = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=365)
    )
    note = fields.String(load_default="", validate=NOTE)

    @validates_schema(skip_on_field_errors=True)
    def _subcategory_of_dimension(self, data, **kwargs):
        _check_subcategory(data["subcategory"], data["dimension"])


class AssessmentInputSchema(InputSchema):
    # Default: today.
    assessed_on = fields.Date(load_default=None, allow_none=True, validate=not_future)
    consents_to_share = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    # A dimension is rated at least as hard as its hardest need (none without one).
    ratings = fields.List(fields.Nested(RatingInputSchema), load_default=list)
    needs = fields.List(
        fields.Nested(NeedInputSchema), load_default=list, validate=validate.Length(max=100)
    )

    @validates_schema(skip_on_field_errors=True)
    def _each_once(self, data, **kwargs):
        errors: dict = {}
        rated = set()
        for index, rating in enumerate(data["ratings"]):
            if rating["dimension"] in rated:
                errors.setdefault("ratings", {})[index] = {"dimension": [N_("rated twice")]}
            rated.add(rating["dimension"])
        seen = set()
        for index, need in enumerate(data["needs"]):
            key = (need["dimension"], need["subcategory"], need["member_id"])
            if key in seen:
                errors.setdefault("needs", {})[index] = {"dimension": [N_("the same need twice")]}
            seen.add(key)
        if errors:
            raise ValidationError(errors)


class EmergencyNeedSchema(InputSchema):
    """The emergency need opened at intake (ALL-EM-1): always urgency emergency."""

    # None: any emergency service may serve it.
    subcategory = fields.String(load_default=None, allow_none=True, validate=SUBCATEGORY)
    severity = fields.Enum(Severity, required=True, validate=AT_LEAST_MILD)
    # What happened: the responders read it first.
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema(skip_on_field_errors=True)
    def _emergency_subcategory(self, data, **kwargs):
        _check_subcategory(data["subcategory"], NeedDimension.emergency)


class EmergencyIntakeSchema(RegistrationSchema):
    """A household taken in on an emergency with what is known now (ALL-EM-1, ALL-EM-3):
    ID numbers and the authorisation may follow; its emergency need is open at once."""

    class Meta:
        # An intake is an emergency; asking to leave dibao has no place in it.
        exclude = ("emergency", "exit_requested")

    members = fields.List(
        fields.Nested(IntakeMemberSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_MEMBERS),
    )
    need = fields.Nested(EmergencyNeedSchema, required=True)
    consents_to_share = fields.Boolean(required=True)


class ProposalQuery(InputSchema):
    # Default: today.
    on = fields.Date(load_default=None, validate=not_future)


class NeedQuery(PageQuery):
    status = fields.Enum(NeedStatus, load_default=NeedStatus.open)
    dimension = fields.Enum(NeedDimension, load_default=None)
    urgency = fields.Enum(Urgency, load_default=None)
    area_code = fields.String(load_default=None, validate=AREA_CODE)
    household_id = fields.Integer(load_default=None, validate=ID)


# --- output --------------------------------------------------------------------------------


class RatingSchema(Schema):
    dimension = fields.String()
    severity = fields.String()
    urgency = fields.String()
    note = fields.String()


class _NeedFieldsSchema(Schema):
    """What an assessment says about a need (the model's NeedFields)."""

    member_id = fields.Integer()
    member_name = fields.String(attribute="member.name")
    dimension = fields.String()
    subcategory = fields.String(attribute="subcategory_code")
    severity = fields.String()
    urgency = fields.String()
    yearly_target = fields.Integer()
    target_rule = fields.String()
    note = fields.String()
    basis = fields.Function(lambda n: _basis(n.basis))


class NeedSchema(_NeedFieldsSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    area_code = fields.String()
    status = fields.String()
    opened_on = fields.Date()
    closed_on = fields.Date()
    opened_by_assessment = fields.Integer(attribute="opened_by_id")
    assessment_id = fields.Integer()


def _basis(record: dict | None) -> dict | None:
    if record is None:
        return None
    return {"rule": record["rule"], "text": trace_text(record, gettext)}


class ChangeSchema(Schema):
    dimension = fields.String()
    before = fields.String()
    after = fields.String()
    # "worse", "better" or "same".
    direction = fields.String()


class AssessmentSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    version = fields.Integer()
    assessed_on = fields.Date()
    pack = fields.String(attribute="pack_version.name")
    grade = fields.Integer()
    points = fields.Integer()
    grade_steps = fields.List(fields.Nested(StepSchema))
    consents_to_share = fields.Boolean()
    note = fields.String()
    ratings = fields.List(fields.Nested(RatingSchema))
    assessed_at = fields.DateTime()
    assessed_by = fields.String(attribute="assessed_by_name")
    # The assessor's organisation: the bureau, or the agency it granted the case to.
    assessed_by_organisation = fields.String(attribute="assessed_by_tenant.name")


class AssessedNeedSchema(_NeedFieldsSchema):
    """A need as the assessment confirmed it (the need item may have moved on since)."""

    need_id = fields.Integer()


class AssessmentDetailSchema(AssessmentSchema):
    """An assessment with the needs it confirmed and the change per dimension since the
    previous version."""

    changes = fields.List(fields.Nested(ChangeSchema))
    needs = fields.List(fields.Nested(AssessedNeedSchema))


class ProposedNeedSchema(Schema):
    dimension = fields.String()
    subcategory = fields.String()
    member_id = fields.Function(lambda p: int(p.member) if p.member else None)
    severity = fields.String()
    urgency = fields.String()
    yearly_target = fields.Integer()
    target_rule = fields.String()
    rule = fields.String(attribute="why.rule")
    why = fields.Function(lambda p: p.why.text(gettext))


class IntakeSchema(Schema):
    """The household taken in, its first assessment and its open emergency need."""

    household = fields.Nested(HouseholdDetailSchema)
    assessment = fields.Nested(AssessmentSchema)
    need = fields.Nested(NeedSchema)


class ProposalSchema(Schema):
    """What the facts suggest: the assessor confirms, edits or adds, then posts it."""

    on = fields.Date()
    pack = fields.String()
    ratings = fields.List(fields.Nested(RatingSchema))
    needs = fields.List(fields.Nested(ProposedNeedSchema))
    grade = fields.Integer()
    points = fields.Integer()
    grade_steps = fields.List(fields.Nested(StepSchema))
