"""Schemas for referrals: the bureau's and the provider's answers, and a referral as
each side sees it. Pure: no queries (what a side may see is the service's ``view``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from aidbridge.i18n import N_
from aidbridge.referrals.models import CaseOutcome, DeclineReason, RecordKind, ReferralStatus
from aidbridge.schemas import ID, InputSchema, PageQuery
from aidbridge.vocab import NeedDimension, Severity, Urgency

NOTE = validate.Length(max=1000)


class ReferralQuery(PageQuery):
    status = fields.Enum(ReferralStatus, load_default=None)
    # Taken on and not closed: the loop-closure list, the longest waiting first.
    waiting = fields.Boolean(load_default=False)
    urgency = fields.Enum(Urgency, load_default=None)
    dimension = fields.Enum(NeedDimension, load_default=None)


class AcceptInputSchema(InputSchema):
    # The provider's social worker who will serve the household.
    worker_id = fields.Integer(required=True, validate=ID)


class DeclineInputSchema(InputSchema):
    reason = fields.Enum(DeclineReason, required=True)
    # Required when the reason is "other".
    note = fields.String(load_default="", validate=NOTE)


class RevokeInputSchema(InputSchema):
    note = fields.String(load_default="", validate=NOTE)


class RecordInputSchema(InputSchema):
    kind = fields.Enum(RecordKind, required=True)
    served_on = fields.Date(required=True)
    # Visits, sessions, hours of training or pieces of goods: what a contract counts.
    units = fields.Integer(
        load_default=1, strict=True,
        validate=validate.Range(min=1, max=1000, error=N_("from 1 to 1,000 units")),
    )  # fmt: skip
    minutes = fields.Integer(
        load_default=None, allow_none=True, strict=True,
        validate=validate.Range(min=1, max=24 * 60, error=N_("from 1 minute to a day")),
    )  # fmt: skip
    worker_id = fields.Integer(required=True, validate=ID)
    note = fields.String(load_default="", validate=NOTE)


class CloseInputSchema(InputSchema):
    status = fields.Enum(ReferralStatus, required=True)
    outcome = fields.Enum(CaseOutcome, required=True)
    note = fields.String(load_default="", validate=NOTE)
    # The household's satisfaction, 1 (not at all) to 5 (fully), when it gave one.
    satisfaction = fields.Integer(
        load_default=None, allow_none=True, strict=True,
        validate=validate.Range(min=1, max=5, error=N_("from 1 to 5")),
    )  # fmt: skip
    # The need's severity re-assessed at closing.
    severity = fields.Enum(Severity, load_default=None, allow_none=True)


class ServiceRecordSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    served_on = fields.Date()
    units = fields.Integer()
    minutes = fields.Integer(allow_none=True)
    worker = fields.Nested(lambda: ReferralWorkerSchema())
    note = fields.String()
    delivery_id = fields.Integer(allow_none=True)
    recorded_by_name = fields.String()
    recorded_at = fields.DateTime()


class ReferralPartySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ReferralWorkerSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()


class ReferralMemberSchema(Schema):
    """A member as the provider sees the household before accepting: no name."""

    relation = fields.String()
    age = fields.Integer(allow_none=True)
    concerned = fields.Boolean()  # the member the need is for


class ReferralHouseholdSchema(Schema):
    """What a side may see of the household (``referrals.service.view``): the area, the
    members without names and the masked phone; the address and the head's name for
    the bureau and, once accepted, for the provider."""

    id = fields.Integer(allow_none=True)
    area_code = fields.String()
    area_name = fields.String()
    members = fields.List(fields.Nested(ReferralMemberSchema))
    phone_masked = fields.String(allow_none=True)
    head_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class ReferralAssessmentSchema(Schema):
    """What the latest assessment says of the need (the bureau's; the provider's once it
    accepted)."""

    assessed_on = fields.Date()
    rating = fields.String(allow_none=True)
    rating_note = fields.String()
    need_note = fields.String()
    yearly_target = fields.Integer(allow_none=True)


class ReferralEventSchema(Schema):
    from_status = fields.String()
    to_status = fields.String()
    at = fields.DateTime()
    by_name = fields.String()
    by_tenant_id = fields.Integer(allow_none=True)
    note = fields.String()


class ReferralSchema(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    status = fields.String()
    status_changed_at = fields.DateTime()
    urgency = fields.String()
    need_id = fields.Integer()
    dimension = fields.String()
    subcategory = fields.String(allow_none=True)
    severity = fields.String()
    service = fields.Nested(ReferralPartySchema)
    provider = fields.Nested(ReferralPartySchema)
    bureau = fields.Nested(ReferralPartySchema)
    contract_id = fields.Integer(allow_none=True)
    household = fields.Nested(ReferralHouseholdSchema)
    assessment = fields.Nested(ReferralAssessmentSchema, allow_none=True)
    offered_at = fields.DateTime(allow_none=True)
    respond_by = fields.DateTime(allow_none=True)
    respond_rule = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    worker = fields.Nested(ReferralWorkerSchema, allow_none=True)
    decline_reason = fields.String(allow_none=True)
    decline_note = fields.String()
    events = fields.List(fields.Nested(ReferralEventSchema))
    records = fields.List(fields.Nested(ServiceRecordSchema))
    closed_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    outcome_note = fields.String()
    satisfaction = fields.Integer(allow_none=True)
    severity_before = fields.String(allow_none=True)
    severity_after = fields.String(allow_none=True)
    # Why the engine chose it (the bureau's only: it names other providers).
    explanation = fields.Dict(allow_none=True)


class OfferedSchema(Schema):
    """A run's proposed referrals offered at once: how many, and those left proposed
    (the household did not consent to share with that provider)."""

    offered = fields.Integer()
    left = fields.List(fields.Integer())
