"""Schemas for the monitoring measures. Pure: no queries."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from aidbridge.i18n import N_
from aidbridge.referrals.models import CaseOutcome, DeclineReason, ReferralStatus
from aidbridge.schemas import AREA_CODE, ID, InputSchema, PageQuery
from aidbridge.vocab import NeedDimension, Urgency

SHARE = {"as_string": True, "allow_none": True}


class MeasureQuery(InputSchema):
    # Default: the current month to today.
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)
    contract_id = fields.Integer(load_default=None, validate=ID)
    provider_id = fields.Integer(load_default=None, validate=ID)
    dimension = fields.Enum(NeedDimension, load_default=None)
    area_code = fields.String(load_default=None, validate=AREA_CODE)

    @validates_schema(skip_on_field_errors=True)
    def _in_order(self, data, **kwargs):
        if data["since"] and data["until"] and data["until"] < data["since"]:
            raise ValidationError(N_("cannot be before the start"), "until")


class MonitoringPageQuery(MeasureQuery, PageQuery):
    """The monitoring pages' query string: the measures' filters, which of the referrals
    or unmet needs behind a figure a list shows, and its page."""

    status = fields.Enum(ReferralStatus, load_default=None)
    taken_on = fields.Boolean(load_default=False)
    decline_reason = fields.Enum(DeclineReason, load_default=None)
    outcome = fields.Enum(CaseOutcome, load_default=None)
    urgency = fields.Enum(Urgency, load_default=None)


class PercentilesSchema(Schema):
    median = fields.Decimal(**SHARE)
    p90 = fields.Decimal(**SHARE)


class ReferralMeasuresSchema(Schema):
    """The referral funnel of the period (shares from 0 to 1, as decimal strings)."""

    since = fields.Date()
    until = fields.Date()
    offered = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    took_on = fields.Integer()
    declined_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
    outcomes = fields.Dict(keys=fields.String(), values=fields.Integer())
    acceptance_rate = fields.Decimal(**SHARE)
    completion_rate = fields.Decimal(**SHARE)
    loop_closure_rate = fields.Decimal(**SHARE)
    hours_to_accept = fields.Nested(PercentilesSchema)
    days_to_first_service = fields.Nested(PercentilesSchema)
    satisfaction = fields.Decimal(**SHARE)
    rated = fields.Integer()
    severity = fields.Dict(keys=fields.String(), values=fields.Integer())
    re_referral_rate = fields.Decimal(**SHARE)


class TargetSchema(Schema):
    target = fields.Decimal(as_string=True)
    actual = fields.Decimal(**SHARE)
    met = fields.Boolean()


class ContractItemMeasureSchema(Schema):
    item_id = fields.Integer()
    name = fields.String()
    units = fields.Integer()
    delivered = fields.Integer()
    held = fields.Integer()
    unit_price_fen = fields.Integer()


class ContractMeasuresSchema(Schema):
    contract_id = fields.Integer()
    items = fields.List(fields.Nested(ContractItemMeasureSchema))
    units = fields.Integer()
    delivered = fields.Integer()
    budget_fen = fields.Integer()
    spent_fen = fields.Integer()
    held_fen = fields.Integer()
    elapsed_share = fields.Decimal(**SHARE)
    spent_share = fields.Decimal(**SHARE)
    burn = fields.String()  # on_track, behind, ahead
    targets = fields.Dict(keys=fields.String(), values=fields.Nested(TargetSchema, allow_none=True))


class UnmetGroupSchema(Schema):
    street_code = fields.String()
    street_name = fields.String()
    dimension = fields.String()
    urgency = fields.String()
    needs = fields.Integer()
    oldest_days = fields.Integer()
    mean_age_days = fields.Decimal(**SHARE)
    # Why the latest run that considered them could not serve them ("not_matched_yet":
    # no run has yet).
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())


class UnmetNeedsSchema(Schema):
    items = fields.List(fields.Nested(UnmetGroupSchema))
