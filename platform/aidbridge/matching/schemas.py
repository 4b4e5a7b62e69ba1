"""Schemas for matching runs, instant matches and previews. Pure: no queries."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from aidbridge.i18n import N_
from aidbridge.matching.costs import MAX_WEIGHT
from aidbridge.matching.models import Reason, RunMode, RunStatus
from aidbridge.schemas import AREA_CODE, ID, InputSchema, PageQuery
from aidbridge.vocab import NeedDimension, Urgency

WEIGHT = validate.Range(min=0, max=MAX_WEIGHT, error=N_("a weight from 0 to 100"))
PLACES = validate.Range(min=1, max=100_000, error=N_("from 1 to 100,000 places"))
# A preview changes at most so many things at once.
MAX_CHANGES = 50


class WeightsSchema(InputSchema):
    """How much each part of a pair's cost counts (the settings' weights otherwise)."""

    distance = fields.Integer(validate=WEIGHT)
    performance = fields.Integer(validate=WEIGHT)
    continuity = fields.Integer(validate=WEIGHT)
    price = fields.Integer(validate=WEIGHT)


class RunInputSchema(InputSchema):
    # Default: the bureau's whole jurisdiction.
    area_code = fields.String(load_default=None, allow_none=True, validate=AREA_CODE)
    weights = fields.Nested(WeightsSchema, load_default=dict)


class InstantInputSchema(InputSchema):
    weights = fields.Nested(WeightsSchema, load_default=dict)


class AddedPlacesSchema(InputSchema):
    service_id = fields.Integer(required=True, validate=ID)
    places = fields.Integer(required=True, validate=PLACES)


class AddedServiceSchema(InputSchema):
    dimension = fields.Enum(NeedDimension, required=True)
    subcategory = fields.String(load_default=None, allow_none=True)
    area_code = fields.String(required=True, validate=AREA_CODE)
    places = fields.Integer(required=True, validate=PLACES)


class PreviewInputSchema(RunInputSchema):
    add_places = fields.List(
        fields.Nested(AddedPlacesSchema),
        load_default=list,
        validate=validate.Length(max=MAX_CHANGES),
    )
    add_services = fields.List(
        fields.Nested(AddedServiceSchema),
        load_default=list,
        validate=validate.Length(max=MAX_CHANGES),
    )

    @validates_schema(skip_on_field_errors=True)
    def _something_added(self, data, **kwargs):
        if not data["add_places"] and not data["add_services"]:
            raise ValidationError(
                N_("add places to a service or a service to an area"), "add_places"
            )


class RunQuery(PageQuery):
    status = fields.Enum(RunStatus, load_default=None)
    mode = fields.Enum(RunMode, load_default=None)


class MatchQuery(PageQuery):
    urgency = fields.Enum(Urgency, load_default=None)
    dimension = fields.Enum(NeedDimension, load_default=None)


class UnmatchedQuery(PageQuery):
    reason = fields.Enum(Reason, load_default=None)
    dimension = fields.Enum(NeedDimension, load_default=None)
    urgency = fields.Enum(Urgency, load_default=None)
    area_code = fields.String(load_default=None, validate=AREA_CODE)


# --- output --------------------------------------------------------------------------------


class RunSchema(Schema):
    id = fields.Integer()
    mode = fields.String()
    area_code = fields.String()
    area_name = fields.String(attribute="area.name")
    status = fields.String()
    weights = fields.Dict(keys=fields.String(), values=fields.Integer())
    started_by = fields.String(attribute="started_by.full_name")
    created_at = fields.DateTime()
    started_at = fields.DateTime()
    finished_at = fields.DateTime()
    # {needs, services, pairs, candidates, matched, unmatched, greedy, attempts}
    counts = fields.Dict()
    # Seconds: load, build, greedy, solve, explain, write, total.
    timings = fields.Dict()
    cost = fields.Integer()
    solver = fields.String()
    error = fields.String()


class MatchSchema(Schema):
    """A referral a run proposed, with why."""

    id = fields.Integer()
    run_id = fields.Integer()
    status = fields.String()
    need_id = fields.Integer()
    household_id = fields.Integer()
    member_id = fields.Integer()
    dimension = fields.String(attribute="need.dimension")
    subcategory = fields.String(attribute="need.subcategory_code")
    urgency = fields.String()
    service_id = fields.Integer()
    service_name = fields.String(attribute="service.name")
    provider_id = fields.Integer()
    provider_name = fields.String(attribute="provider.name")
    contract_id = fields.Integer()
    contract_item_id = fields.Integer()
    cost = fields.Integer()
    # {rules, cost: the parts and total, alternatives: next-best services and why not}
    explanation = fields.Dict()
    created_at = fields.DateTime()


class UnmatchedNeedSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    need_id = fields.Integer()
    household_id = fields.Integer()
    area_code = fields.String()
    area_name = fields.String(attribute="area.name")
    dimension = fields.String()
    urgency = fields.String()
    reason = fields.String()
    # Services of the dimension covering the area, and how many each rule set aside.
    considered = fields.Integer()
    removed = fields.Dict(keys=fields.String(), values=fields.Integer())


class UnmatchedGroupSchema(Schema):
    area_code = fields.String()
    area_name = fields.String()
    dimension = fields.String()
    reason = fields.String()
    needs = fields.Integer()


class UnmatchedSummarySchema(Schema):
    """A run's unmatched needs by street, dimension and reason, largest first."""

    run_id = fields.Integer()
    groups = fields.List(fields.Nested(UnmatchedGroupSchema))


class InstantSchema(Schema):
    """An instant match: its run, and the referral or why there is none."""

    run = fields.Nested(RunSchema)
    match = fields.Nested(MatchSchema, allow_none=True)
    unmatched = fields.Nested(UnmatchedNeedSchema, allow_none=True)


class NeedMatchingSchema(Schema):
    """What matching last said of a need: its latest referral, or why it is unmatched."""

    need_id = fields.Integer(attribute="need.id")
    match = fields.Nested(MatchSchema, attribute="referral", allow_none=True)
    unmatched = fields.Nested(UnmatchedNeedSchema, allow_none=True)


class ServedSchema(Schema):
    total = fields.Integer()
    by_urgency = fields.Dict(keys=fields.String(), values=fields.Integer())


class DimensionServedSchema(Schema):
    dimension = fields.String()
    needs = fields.Integer()
    now = fields.Integer()
    with_more = fields.Integer()


class AddedUseSchema(Schema):
    service_id = fields.Integer(allow_none=True)
    dimension = fields.String()
    subcategory = fields.String(allow_none=True)
    area_code = fields.String()
    places = fields.Integer()
    now = fields.Integer()
    with_more = fields.Integer()


class PreviewSchema(Schema):
    """What more places would serve, against the capacity there is now."""

    area_code = fields.String()
    needs = fields.Integer()
    now = fields.Nested(ServedSchema)
    with_more = fields.Nested(ServedSchema)
    more_served = fields.Integer()
    by_dimension = fields.List(fields.Nested(DimensionServedSchema))
    added = fields.List(fields.Nested(AddedUseSchema))
