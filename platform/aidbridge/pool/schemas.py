"""Schemas for services and their search. Pure: no queries, no request."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from aidbridge.i18n import N_, translate_errors
from aidbridge.pool.models import CapacityPeriod, Funding, ProjectStatus, ServiceStatus
from aidbridge.schemas import (
    AREA_CODE,
    FEN,
    ID,
    CoordinatesSchema,
    InputSchema,
    PageQuery,
    all_optional,
)
from aidbridge.vocab import AssistanceCategory, DisabilityType, TargetGroup

CODE = validate.Regexp(r"^[a-z_.]{2,60}$", error=N_("not a taxonomy code"))
AGE = validate.Range(min=0, max=150, error=N_("an age between 0 and 150"))
UNITS = validate.Range(min=0, max=10_000_000)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class LocationSchema(CoordinatesSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    area_code = fields.String(required=True, validate=AREA_CODE)
    address = fields.String(required=True, validate=validate.Length(min=1, max=300))


class ScheduleSchema(InputSchema):
    byday = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), load_default=list)
    opens_at = fields.Time(load_default=None, allow_none=True)
    closes_at = fields.Time(load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=300))

    @validates_schema(skip_on_field_errors=False)
    def _hours(self, data, **kwargs):
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            raise ValidationError(N_("must be after the opening time"), "closes_at")

    @post_load
    def _join_days(self, data, **kwargs):
        data["byday"] = ",".join(data["byday"])
        return data


class CapacitySchema(InputSchema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    period = fields.Enum(CapacityPeriod, required=True)
    per_period = fields.Integer(required=True, validate=UNITS)
    available = fields.Integer(required=True, validate=UNITS)

    @validates_schema(skip_on_field_errors=False)
    def _available(self, data, **kwargs):
        if data.get("available", 0) > data.get("per_period", 0):
            raise ValidationError(N_("cannot exceed the units per period"), "available")


class ServiceInputSchema(InputSchema):
    """Creating a service."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    dimension = fields.String(required=True, validate=CODE)
    subcategory = fields.String(load_default=None, allow_none=True, validate=CODE)
    target_groups = fields.List(fields.Enum(TargetGroup), load_default=list)
    categories = fields.List(
        fields.Enum(AssistanceCategory),
        load_default=list,
        metadata={"description": "assistance categories admitted; empty: any"},
    )
    min_age = fields.Integer(load_default=None, allow_none=True, validate=AGE)
    max_age = fields.Integer(load_default=None, allow_none=True, validate=AGE)
    requires_disability = fields.Boolean(load_default=False)
    disability_types = fields.List(fields.Enum(DisabilityType), load_default=list)
    eligibility_notes = fields.String(load_default="", validate=validate.Length(max=2000))
    areas = fields.List(
        fields.String(validate=AREA_CODE),
        required=True,
        validate=validate.Length(min=1, max=500, error=N_("give at least one coverage area")),
    )
    locations = fields.List(fields.Nested(LocationSchema), load_default=list)
    schedules = fields.List(fields.Nested(ScheduleSchema), load_default=list)
    capacity = fields.Nested(CapacitySchema, required=True)
    funding = fields.Enum(Funding, required=True)
    project_id = fields.Integer(load_default=None, allow_none=True, validate=ID)

    @validates_schema(skip_on_field_errors=False)
    def _ages(self, data, **kwargs):
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise ValidationError(N_("must not be below the minimum age"), "max_age")

    @post_load
    def _sets(self, data, **kwargs):
        for name in ("target_groups", "categories", "disability_types"):
            if name in data:
                data[name] = frozenset(data[name])
        return data


ServiceChangeSchema = all_optional(ServiceInputSchema, "ServiceChangeSchema")


class StatusInputSchema(InputSchema):
    status = fields.Enum(ServiceStatus, required=True)


class CapacityUpdateSchema(InputSchema):
    available = fields.Integer(required=True, validate=UNITS)
    per_period = fields.Integer(load_default=None, allow_none=True, validate=UNITS)


class PoolQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "words"})
    dimension = fields.String(validate=CODE)
    subcategory = fields.String(validate=CODE)
    area = fields.String(validate=AREA_CODE, metadata={"description": "the household's area"})
    category = fields.Enum(AssistanceCategory)
    age = fields.Integer(validate=AGE)
    has_capacity = fields.Boolean()
    provider = fields.Integer(validate=ID)


# --- output -------------------------------------------------------------------------------------


class LocationOutSchema(Schema):
    name = fields.String()
    area_code = fields.String()
    address = fields.String()
    latitude = fields.Decimal(as_string=True, allow_none=True)
    longitude = fields.Decimal(as_string=True, allow_none=True)


class ScheduleOutSchema(Schema):
    byday = fields.Function(lambda s: [d for d in s.byday.split(",") if d])
    opens_at = fields.Time(allow_none=True)
    closes_at = fields.Time(allow_none=True)
    description = fields.String()


class CapacityOutSchema(Schema):
    unit = fields.String(attribute="capacity_unit")
    period = fields.Enum(CapacityPeriod, attribute="capacity_period")
    per_period = fields.Integer(attribute="capacity_per_period")
    available = fields.Integer(attribute="capacity_available")
    updated_at = fields.AwareDateTime(attribute="capacity_updated_at", allow_none=True)


CAPACITY_OUT = CapacityOutSchema()


def _sorted(values) -> list[str]:
    return sorted(str(v) for v in values)


class ServiceSchema(Schema):
    id = fields.Integer()
    hsds_id = fields.String()
    provider_id = fields.Integer(attribute="tenant_id")
    name = fields.String()
    description = fields.String()
    dimension = fields.String(attribute="dimension_code")
    subcategory = fields.String(attribute="subcategory_code", allow_none=True)
    target_groups = fields.Function(lambda s: _sorted(s.target_groups))
    categories = fields.Function(lambda s: _sorted(s.categories))
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    requires_disability = fields.Boolean()
    disability_types = fields.Function(lambda s: _sorted(s.disability_types))
    eligibility_notes = fields.String()
    areas = fields.Function(lambda s: [a.area_code for a in s.areas])
    locations = fields.List(fields.Nested(LocationOutSchema))
    schedules = fields.List(fields.Nested(ScheduleOutSchema))
    capacity = fields.Function(lambda s: CAPACITY_OUT.dump(s))
    funding = fields.Enum(Funding)
    contract_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    status = fields.Enum(ServiceStatus)
    published_at = fields.AwareDateTime(allow_none=True)
    assured_date = fields.Date(allow_none=True)
    updated_at = fields.AwareDateTime()


# --- charity projects ---------------------------------------------------------------------------


class ProjectInputSchema(InputSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    aims = fields.String(load_default="", validate=validate.Length(max=5000))
    dimensions = fields.List(
        fields.String(validate=CODE),
        required=True,
        validate=validate.Length(min=1, max=10, error=N_("name the needs the project addresses")),
    )
    target_groups = fields.List(fields.Enum(TargetGroup), load_default=list)
    areas = fields.List(
        fields.String(validate=AREA_CODE),
        required=True,
        validate=validate.Length(min=1, max=500, error=N_("give at least one area")),
    )
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    funding_target_fen = fields.Integer(required=True, validate=FEN)
    funds_raised_fen = fields.Integer(load_default=0, validate=FEN)

    @validates_schema(skip_on_field_errors=False)
    def _period(self, data, **kwargs):
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError(N_("must not be before the start date"), "ends_on")

    @post_load
    def _groups(self, data, **kwargs):
        if "target_groups" in data:
            data["target_groups"] = frozenset(data["target_groups"])
        return data


ProjectChangeSchema = all_optional(ProjectInputSchema, "ProjectChangeSchema")


class ProjectStatusSchema(InputSchema):
    status = fields.Enum(ProjectStatus, required=True)


class ProjectQuery(PageQuery):
    dimension = fields.String(validate=CODE)


class ProjectServiceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    dimension = fields.String(attribute="dimension_code")
    status = fields.Enum(ServiceStatus)
    capacity_available = fields.Integer()


class ProjectSchema(Schema):
    id = fields.Integer()
    provider_id = fields.Integer(attribute="tenant_id")
    title = fields.String()
    aims = fields.String()
    dimensions = fields.Function(lambda p: [d.dimension_code for d in p.dimensions])
    target_groups = fields.Function(lambda p: _sorted(p.target_groups))
    areas = fields.Function(lambda p: [a.area_code for a in p.areas])
    starts_on = fields.Date()
    ends_on = fields.Date()
    funding_target_fen = fields.Integer()
    funds_raised_fen = fields.Integer()
    funding_progress_percent = fields.Decimal(
        attribute="funding_progress", as_string=True, allow_none=True
    )
    status = fields.Enum(ProjectStatus)


class ProjectDetailSchema(ProjectSchema):
    # Set by the view: the project's services as far as the caller may see them.
    services = fields.List(fields.Nested(ProjectServiceSchema), attribute="visible_services")


class ExportQuery(InputSchema):
    provider = fields.Integer(validate=ID, metadata={"description": "only this provider's part"})


class RejectedSchema(Schema):
    where = fields.String(metadata={"description": "file and row, or JSON path"})
    errors = fields.Function(
        lambda r: translate_errors(r.errors),
        metadata={"description": "reasons by field of the service input (_schema: the record)"},
    )


class ImportReportSchema(Schema):
    created = fields.List(fields.String(), metadata={"description": "HSDS ids"})
    updated = fields.List(fields.String())
    unchanged = fields.List(fields.String())
    rejected = fields.List(fields.Nested(RejectedSchema))
