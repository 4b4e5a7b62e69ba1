"""Schemas for households, members, economic facts and decisions. Pure: no queries.

Input money is integer fen, as everywhere in the API; dates not in the future are
judged against the platform's local today.
"""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from aidbridge.clock import local_today
from aidbridge.households.models import (
    ITEM_TYPES,
    ImportMode,
    ItemKind,
    member_rule,
    trace_text,
)
from aidbridge.i18n import N_, translate_errors
from aidbridge.policy.facts import Outcome
from aidbridge.resident_id import ResidentIdError, parse_resident_id
from aidbridge.schemas import (
    AREA_CODE,
    FEN,
    ID,
    CoordinatesSchema,
    InputSchema,
    PageQuery,
    all_optional,
    not_future,
)
from aidbridge.vocab import (
    DisabilityType,
    EmploymentStatus,
    LabourCapacity,
    Relation,
    SchoolStage,
    SelfCare,
    Setting,
    Supporter,
)

MAX_MEMBERS = 30
PHONE = validate.Regexp(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    error=N_("a mobile number of 11 digits or a landline such as 0513-85123456"),
)


class ResidentIdField(fields.String):
    """A resident ID number, loaded as :class:`~aidbridge.resident_id.ResidentId`."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_resident_id(text, local_today())
        except ResidentIdError as exc:
            raise ValidationError(str(exc)) from None


class MemberInputSchema(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    id_number = ResidentIdField(required=True)
    relation = fields.Enum(Relation, required=True)
    labour_capacity = fields.Enum(LabourCapacity, required=True)
    employment = fields.Enum(EmploymentStatus, required=True)
    school_stage = fields.Enum(SchoolStage, load_default=None, allow_none=True)
    disability_type = fields.Enum(DisabilityType, load_default=None, allow_none=True)
    disability_grade = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=4)
    )
    major_illness = fields.Boolean(load_default=False)
    self_care = fields.Enum(SelfCare, load_default=SelfCare.self_care)
    supporter = fields.Enum(Supporter, load_default=Supporter.able)
    institutional_care = fields.Boolean(load_default=False)
    applies_individually = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=True)
    def _disability(self, data, **kwargs):
        if "disability_type" not in data and "disability_grade" not in data:
            return  # a change that leaves the disability alone
        has_type = data.get("disability_type") is not None
        has_grade = data.get("disability_grade") is not None
        if has_type and not has_grade:
            raise ValidationError(
                N_("give the grade with the type of disability"), "disability_grade"
            )
        if has_grade and not has_type:
            raise ValidationError(
                N_("give the type with the grade of disability"), "disability_type"
            )


class IntakeMemberSchema(MemberInputSchema):
    """A member at an emergency intake: the ID number may follow with the paperwork
    (ALL-EM-3); no decision is made until it does."""

    id_number = ResidentIdField(load_default=None, allow_none=True)


# Changing a member: only the fields sent; the disability is changed as a pair.
MemberChangeSchema = all_optional(MemberInputSchema, "MemberChangeSchema")


class _ItemFields(InputSchema):
    kind = fields.Enum(ItemKind, required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=30))
    # Income and expenditure: per month; property: its value.
    amount_fen = fields.Integer(required=True, validate=FEN)
    # Default: the household's registration date.
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema(skip_on_field_errors=True)
    def _type_and_dates(self, data, **kwargs):
        kinds = ITEM_TYPES[data["kind"]]
        if data["type"] not in set(kinds):
            raise ValidationError(f"Must be one of: {', '.join(kinds)}.", "type")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError(N_("cannot be before the start"), "ends_on")


class RegistrationItemSchema(_ItemFields):
    """An item sent with a new household: its member is named by position in ``members``."""

    member = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_MEMBERS - 1)
    )


class ItemInputSchema(_ItemFields):
    member_id = fields.Integer(load_default=None, allow_none=True, validate=ID)


class ItemChangeSchema(InputSchema):
    amount_fen = fields.Integer(validate=FEN)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    note = fields.String(validate=validate.Length(max=200))


class HouseholdFieldsSchema(CoordinatesSchema):
    """A household's own fields, as registered (the home's coordinates when known)."""

    area_code = fields.String(required=True, validate=AREA_CODE)
    address = fields.String(required=True, validate=validate.Length(min=1, max=300))
    setting = fields.Enum(Setting, required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    checks_authorised_on = fields.Date(load_default=None, allow_none=True, validate=not_future)
    emergency = fields.Boolean(load_default=False)
    exit_requested = fields.Boolean(load_default=False)
    # Set by decisions; given by hand when a household comes from an earlier register.
    next_review_on = fields.Date(load_default=None, allow_none=True)


# Changing a household: only the fields sent.
HouseholdChangeSchema = all_optional(HouseholdFieldsSchema, "HouseholdChangeSchema")


class RegistrationSchema(HouseholdFieldsSchema):
    # Default: today.
    registered_on = fields.Date(load_default=None, allow_none=True, validate=not_future)
    members = fields.List(
        fields.Nested(MemberInputSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_MEMBERS),
    )
    items = fields.List(fields.Nested(RegistrationItemSchema), load_default=list)

    @validates_schema(skip_on_field_errors=True)
    def _household(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        members = data["members"]
        if [m["relation"] for m in members].count(Relation.head) != 1:
            errors["members"] = [N_("exactly one member is the head of the household")]
        seen: set[str] = set()
        for index, member in enumerate(members):
            if member["id_number"] is None:  # an emergency intake's, recorded later
                continue
            number = member["id_number"].number
            if number in seen:
                errors[f"members.{index}.id_number"] = [N_("the same person is listed twice")]
            seen.add(number)
        for index, item in enumerate(data["items"]):
            position = item["member"]
            message = member_rule(item["kind"], position is not None)
            if message is None and position is not None and position >= len(members):
                message = N_("no member at this position")
            if message:
                errors[f"items.{index}.member"] = [message]
        registered = data.get("registered_on") or local_today()
        review = data.get("next_review_on")
        if review is not None and review < registered:
            errors["next_review_on"] = [N_("cannot be before the registration")]
        if errors:
            raise ValidationError(errors)


class DecisionInputSchema(InputSchema):
    # Default: today.
    decided_on = fields.Date(load_default=None, allow_none=True, validate=not_future)


class HouseholdQuery(PageQuery):
    area_code = fields.String(load_default=None, validate=AREA_CODE)
    outcome = fields.Enum(Outcome, load_default=None)
    review = fields.String(load_default=None, validate=validate.OneOf(["due", "overdue"]))
    # Exact lookup of a person by ID number (compared by its keyed hash).
    id_number = ResidentIdField(load_default=None)
    # True: households whose record lacks what a decision needs (ID numbers, the
    # authorisation); false: the others.
    incomplete = fields.Boolean(load_default=None)


# --- output --------------------------------------------------------------------------------


class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number = fields.String(attribute="id_number_masked")
    birth_date = fields.Date()
    sex = fields.String()
    relation = fields.String()
    labour_capacity = fields.String()
    employment = fields.String()
    school_stage = fields.String()
    disability_type = fields.String()
    disability_grade = fields.Integer()
    major_illness = fields.Boolean()
    self_care = fields.String()
    supporter = fields.String()
    institutional_care = fields.Boolean()
    applies_individually = fields.Boolean()


class ItemSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    type = fields.String()
    member_id = fields.Integer()
    amount_fen = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    note = fields.String()


class HouseholdSchema(Schema):
    id = fields.Integer()
    jurisdiction = fields.String()
    area_code = fields.String()
    area_name = fields.String(attribute="area.name")
    address = fields.String()
    latitude = fields.Decimal(as_string=True)
    longitude = fields.Decimal(as_string=True)
    setting = fields.String()
    phone = fields.String(attribute="phone_masked")
    head_name = fields.Function(lambda h: h.head.name if h.head else None)
    member_count = fields.Function(lambda h: len(h.members))
    registered_on = fields.Date()
    checks_authorised_on = fields.Date()
    emergency = fields.Boolean()
    exit_requested = fields.Boolean()
    outcomes = fields.Function(lambda h: sorted(h.outcomes))
    benefit_fen = fields.Integer()
    next_review_on = fields.Date()
    # The fields a decision still needs (e.g. after an emergency intake, ALL-EM-3).
    missing_for_decision = fields.Function(lambda h: sorted(h.missing_for_decision))


class HouseholdDetailSchema(HouseholdSchema):
    members = fields.List(fields.Nested(MemberSchema))
    items = fields.List(fields.Nested(ItemSchema))


class StreetReviewsSchema(Schema):
    street_code = fields.String()
    street_name = fields.String()
    households = fields.Integer()
    due = fields.Integer()
    overdue = fields.Integer()


class ReviewsSchema(Schema):
    on = fields.Date()
    # A review is due when its date is within this many days.
    notice_days = fields.Integer()
    streets = fields.List(fields.Nested(StreetReviewsSchema))


class RevealedSchema(Schema):
    """A number in full: given only on its own request, and logged."""

    value = fields.String()


class StepSchema(Schema):
    rule = fields.String()
    held = fields.Boolean(allow_none=True)
    member_id = fields.Function(lambda s: int(s["member"]) if s.get("member") else None)
    text = fields.Function(lambda s: trace_text(s, gettext))


class DecisionSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    pack = fields.String(attribute="pack_version.name")
    decided_on = fields.Date()
    outcomes = fields.Function(lambda d: sorted(d.outcomes))
    benefit_fen = fields.Integer()
    standard_fen = fields.Integer()
    member_count = fields.Integer()
    counted_income_fen = fields.Integer()
    assessed_income_fen = fields.Integer()
    review_months = fields.Integer()
    next_review_on = fields.Date()
    gradual_exit_since = fields.Date()
    member_outcomes = fields.List(fields.Dict())
    entitlements = fields.Function(
        lambda d: [
            {"member_id": e["member_id"], "rule": e["rule"], "text": trace_text(e, gettext)}
            for e in d.entitlements
        ]
    )
    steps = fields.List(fields.Nested(StepSchema))
    decided_at = fields.DateTime()
    decided_by = fields.String(attribute="decided_by.full_name")


# --- cases granted to agencies --------------------------------------------------------------


class CaseGrantInputSchema(InputSchema):
    agency_id = fields.Integer(required=True, validate=ID)
    # Why the agency is asked (e.g. "home visit for the care assessment").
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CaseGrantSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    agency_id = fields.Integer()
    agency_name = fields.String(attribute="agency.name")
    note = fields.String()
    is_open = fields.Boolean()
    granted_at = fields.DateTime()
    granted_by = fields.String(attribute="granted_by.full_name")
    ended_at = fields.DateTime()


class CaseSchema(Schema):
    """A case a bureau has open for the agency: the household (numbers masked) and who
    granted it."""

    grant_id = fields.Integer(attribute="id")
    bureau_id = fields.Integer(attribute="tenant_id")
    bureau_name = fields.String(attribute="bureau.name")
    note = fields.String()
    granted_at = fields.DateTime()
    household = fields.Nested(HouseholdSchema)


class AgencySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    jurisdiction_code = fields.String()
    jurisdiction_name = fields.String(attribute="jurisdiction.name")


# --- bulk import ---------------------------------------------------------------------------


class ImportQuery(InputSchema):
    # Default: a check, which writes nothing.
    mode = fields.Enum(
        ImportMode,
        load_default=ImportMode.check,
        metadata={
            "description": "check: validate only; accepted: write the accepted households; "
            "all_or_nothing: write nothing if any row is rejected"
        },
    )
    file_name = fields.String(load_default="", validate=validate.Length(max=200))


class ImportCountsSchema(Schema):
    read = fields.Integer()
    accepted = fields.Integer()
    rejected = fields.Integer()
    written = fields.Integer()


class RejectedLineSchema(Schema):
    line = fields.Integer(metadata={"description": "as the file shows it: the header is line 1"})
    household_ref = fields.String()
    errors = fields.Function(
        lambda r: translate_errors(r["errors"]),
        metadata={"description": "reasons by column code (_row: the row as a whole)"},
    )


class ImportReportSchema(Schema):
    file_errors = fields.Function(
        lambda r: translate_errors(r["file_errors"]),
        metadata={"description": "why the file as a whole was refused, by column or 'file'"},
    )
    headers = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "column code → its header in the file"},
    )
    households = fields.Nested(ImportCountsSchema)
    members = fields.Nested(ImportCountsSchema)
    rejected = fields.List(fields.Nested(RejectedLineSchema))


class HouseholdImportSummarySchema(Schema):
    id = fields.Integer()
    file_name = fields.String()
    mode = fields.String()
    status = fields.String(
        metadata={"description": "queued, running, checked, imported, refused or failed"}
    )
    created_at = fields.DateTime()
    created_by = fields.String(attribute="created_by.full_name")
    finished_at = fields.DateTime()
    # None until the import has run.
    households = fields.Nested(ImportCountsSchema, attribute="counts.households", allow_none=True)
    members = fields.Nested(ImportCountsSchema, attribute="counts.members", allow_none=True)


class HouseholdImportSchema(HouseholdImportSummarySchema):
    report = fields.Nested(ImportReportSchema, allow_none=True)
