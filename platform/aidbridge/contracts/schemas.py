"""Schemas for the purchase list, contracts and deliveries. Pure: no queries.

Money is integer fen, as everywhere in the API; shares are fractions (0.9 = 90 %).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from aidbridge.contracts.models import ContractStatus, FundingSource, ItemStatus, ServiceUnit
from aidbridge.i18n import N_
from aidbridge.schemas import AREA_CODE, ID, InputSchema, PageQuery, all_optional, not_future
from aidbridge.vocab import NeedDimension
from aidbridge.workforce.schemas import ComplianceSchema

# Prices and budgets: at least one fen, at most a hundred million yuan.
POSITIVE_FEN = validate.Range(min=1, max=10**13, error=N_("an amount in fen, more than 0"))
POSITIVE_UNITS = validate.Range(min=1, max=10**9, error=N_("a number of units, more than 0"))


def _between(low: int, high: int, reason: str):
    """A range check for a Decimal field, documented as numbers (apispec would write a
    Range's bounds of a Decimal field as strings, which OpenAPI refuses)."""

    def check(value) -> None:
        if not low <= value <= high:
            raise ValidationError(reason)

    return {"validate": check, "metadata": {"minimum": low, "maximum": high}}


SHARE = _between(0, 1, N_("a share between 0 and 1"))


class PurchaseItemInputSchema(InputSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    dimension = fields.Enum(NeedDimension, required=True)
    subcategory = fields.String(load_default=None, allow_none=True)
    unit = fields.Enum(ServiceUnit, required=True)
    unit_price_fen = fields.Integer(required=True, strict=True, validate=POSITIVE_FEN)
    # 质量要求: what a delivered unit must be to count.
    quality = fields.String(load_default="", validate=validate.Length(max=2000))


PurchaseItemChangeSchema = all_optional(PurchaseItemInputSchema, "PurchaseItemChangeSchema")


class ItemStatusInputSchema(InputSchema):
    status = fields.Enum(ItemStatus, required=True)


class PurchaseItemSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    dimension = fields.String()
    subcategory = fields.String(attribute="subcategory_code")
    unit = fields.String()
    unit_price_fen = fields.Integer()
    quality = fields.String()
    status = fields.String()
    published_on = fields.Date()


class PurchaseItemQuery(PageQuery):
    status = fields.Enum(ItemStatus, load_default=None)


class ContractItemInputSchema(InputSchema):
    purchase_item_id = fields.Integer(required=True, strict=True, validate=ID)
    # Default: the purchase list's standard unit price.
    unit_price_fen = fields.Integer(load_default=None, strict=True, validate=POSITIVE_FEN)
    units = fields.Integer(required=True, strict=True, validate=POSITIVE_UNITS)


class ContractInputSchema(InputSchema):
    provider_id = fields.Integer(required=True, strict=True, validate=ID)
    number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    budget_fen = fields.Integer(required=True, strict=True, validate=POSITIVE_FEN)
    funding_source = fields.Enum(FundingSource, required=True)
    areas = fields.List(
        fields.String(validate=AREA_CODE),
        required=True,
        validate=validate.Length(min=1, max=200, error=N_("give 1 to 200 areas")),
    )
    items = fields.List(
        fields.Nested(ContractItemInputSchema),
        required=True,
        validate=validate.Length(min=1, max=100, error=N_("give 1 to 100 items")),
    )
    target_accepted_share = fields.Decimal(load_default=None, allow_none=True, **SHARE)
    target_completed_share = fields.Decimal(load_default=None, allow_none=True, **SHARE)
    target_satisfaction = fields.Decimal(
        load_default=None,
        allow_none=True,
        **_between(1, 5, N_("a mean satisfaction from 1 to 5")),
    )

    @validates_schema
    def _period(self, data, **kwargs):
        if "starts_on" in data and "ends_on" in data and data["ends_on"] < data["starts_on"]:
            raise ValidationError(N_("cannot be before the start"), "ends_on")


ContractChangeSchema = all_optional(ContractInputSchema, "ContractChangeSchema")


class ContractStatusInputSchema(InputSchema):
    status = fields.Enum(ContractStatus, required=True)


class ContractQuery(PageQuery):
    status = fields.Enum(ContractStatus, load_default=None)


class ContractItemSchema(Schema):
    id = fields.Integer()
    purchase_item_id = fields.Integer()
    code = fields.String(attribute="purchase_item.code")
    name = fields.String(attribute="purchase_item.name")
    dimension = fields.String(attribute="purchase_item.dimension")
    subcategory = fields.String(attribute="purchase_item.subcategory_code")
    unit = fields.String(attribute="purchase_item.unit")
    unit_price_fen = fields.Integer()
    units = fields.Integer()
    units_delivered = fields.Integer()
    # Held by referrals matched to the services it funds, until they are delivered.
    units_reserved = fields.Integer()
    units_remaining = fields.Integer()


class ContractSchema(Schema):
    id = fields.Integer()
    bureau_id = fields.Integer(attribute="tenant_id")
    bureau_name = fields.String(attribute="bureau.name")
    provider_id = fields.Integer()
    provider_name = fields.String(attribute="provider.name")
    number = fields.String()
    title = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    budget_fen = fields.Integer()
    spent_fen = fields.Integer()
    reserved_fen = fields.Integer()
    remaining_fen = fields.Integer()
    funding_source = fields.String()
    status = fields.String()
    target_accepted_share = fields.Decimal(as_string=True)
    target_completed_share = fields.Decimal(as_string=True)
    target_satisfaction = fields.Decimal(as_string=True)
    areas = fields.Function(lambda c: [a.area_code for a in c.areas])
    items = fields.List(fields.Nested(ContractItemSchema))
    activated_at = fields.DateTime()
    closed_at = fields.DateTime()


class ContractDetailSchema(ContractSchema):
    # Shown on every contract (a warning where the pack says warn, NT21-SW-1…): the
    # provider's organisation-level standing today, and that of the staff on this contract.
    provider_compliance = fields.Nested(ComplianceSchema, allow_none=True)
    staff_compliance = fields.Nested(ComplianceSchema, allow_none=True)


class DeliveryInputSchema(InputSchema):
    contract_item_id = fields.Integer(required=True, strict=True, validate=ID)
    units = fields.Integer(required=True, strict=True, validate=POSITIVE_UNITS)
    delivered_on = fields.Date(required=True, validate=not_future)
    household_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class DeliverySchema(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    contract_item_id = fields.Integer()
    item_name = fields.String(attribute="item.purchase_item.name")
    units = fields.Integer()
    amount_fen = fields.Integer()
    delivered_on = fields.Date()
    household_id = fields.Integer()
    referral_id = fields.Integer()
    note = fields.String()
    recorded_by = fields.String(attribute="recorded_by_name")
    recorded_at = fields.DateTime()


class FundingInputSchema(InputSchema):
    # null: the service is no longer funded by a contract.
    contract_id = fields.Integer(required=True, allow_none=True, strict=True, validate=ID)


class ProviderSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    type = fields.String()
