"""Schemas for the roster of posts and the social-work post share. Pure: no queries."""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from aidbridge.households.schemas import ResidentIdField, not_future
from aidbridge.schemas import ID, InputSchema, PageQuery, all_optional
from aidbridge.workforce.models import PostCategory, Qualification, roster_problems

MAX_CONTRACTS = 50
CERTIFICATE_LENGTH = 40


class CertificateNumberField(fields.String):
    """A certificate number as printed, spaces and case aside (so the same certificate is
    recognised however it is typed); empty is none."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = "".join(text.split()).upper()
        if len(text) > CERTIFICATE_LENGTH:
            raise ValidationError(f"Longer than maximum length {CERTIFICATE_LENGTH}.")
        return text or None


class PostInputSchema(InputSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    category = fields.Enum(PostCategory, required=True)
    full_time = fields.Boolean(load_default=True)
    # Empty (and no ID number) while the post is vacant.
    holder_name = fields.String(load_default="", validate=validate.Length(max=100))
    holder_id_number = ResidentIdField(load_default=None, allow_none=True)
    qualification = fields.Enum(Qualification, load_default=None, allow_none=True)
    # 社会工作者职业水平证书: its number and date go together, with the qualification.
    certificate_number = CertificateNumberField(load_default=None, allow_none=True)
    certified_on = fields.Date(load_default=None, allow_none=True, validate=not_future)
    starts_on = fields.Date(required=True)
    # The post's last day; none while it lasts.
    ends_on = fields.Date(load_default=None, allow_none=True)
    # The purchase-of-service contracts the post serves (each must name your organisation).
    contract_ids = fields.List(
        fields.Integer(validate=ID), load_default=list, validate=validate.Length(max=MAX_CONTRACTS)
    )

    @validates_schema(skip_on_field_errors=True)
    def _together(self, data, **kwargs):
        problems = roster_problems(data)
        if problems:
            raise ValidationError(problems)


# Changing a post: only the fields sent (the service judges the post as it would become).
PostChangeSchema = all_optional(PostInputSchema, "PostChangeSchema")


class PostEndSchema(InputSchema):
    # The post's last day.
    ends_on = fields.Date(required=True)


class PostQuery(PageQuery):
    active_on = fields.Date(load_default=None)
    category = fields.Enum(PostCategory, load_default=None)
    contract_id = fields.Integer(load_default=None, validate=ID)


class ComplianceQuery(InputSchema):
    # Default: today.
    on = fields.Date(load_default=None)


# --- output --------------------------------------------------------------------------------


class PostSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    full_time = fields.Boolean()
    vacant = fields.Boolean()
    holder_name = fields.String()
    holder_id_number = fields.String(attribute="holder_id_number_masked", allow_none=True)
    qualification = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    certified_on = fields.Date(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    contract_ids = fields.List(fields.Integer())
    created_at = fields.DateTime()


class ComplianceSchema(Schema):
    on = fields.Date()
    rule = fields.String(metadata={"description": "the pack's rule, e.g. NT21-SW-1"})
    of = fields.String(metadata={"description": "all_posts or professional_technical"})
    min_share = fields.Decimal(places=4, as_string=True)
    certified_required = fields.Boolean()
    numerator = fields.Integer(metadata={"description": "the qualifying social-work posts"})
    denominator = fields.Integer(metadata={"description": "the posts the share is of"})
    share = fields.Decimal(
        places=4,
        as_string=True,
        allow_none=True,
        metadata={"description": "to four places, rounded down; null without posts"},
    )
    compliant = fields.Boolean()
    enforcement = fields.String(metadata={"description": "block or warn, as the pack says"})
    blocked = fields.Boolean(
        metadata={"description": "the pack blocks new contracts and matches, and it falls short"}
    )
    posts_needed = fields.Integer(
        allow_none=True,
        metadata={
            "description": "qualifying social-work posts to add to comply; null when adding "
            "cannot (a share of 100 % with posts that do not qualify)"
        },
    )
    uncertified = fields.Integer(
        metadata={
            "description": "counted social-work posts whose holders lack a certificate the "
            "rule asks for (CJ21-SW-1): certifying them restores the share too"
        }
    )
    trace = fields.Function(
        lambda c: {"rule": c.rule, "held": c.compliant, "text": c.text(gettext)},
        metadata={"description": "the comparison in words, as the policy engine's steps"},
    )


class ContractComplianceSchema(Schema):
    contract_id = fields.Integer()
    number = fields.String()
    title = fields.String()
    compliance = fields.Nested(ComplianceSchema, allow_none=True)


class ComplianceChangeSchema(Schema):
    on = fields.Date()
    compliant = fields.Boolean(
        allow_none=True, metadata={"description": "null: the pack then in force has no rule"}
    )
    compliance = fields.Nested(ComplianceSchema, allow_none=True)


class OrganisationComplianceSchema(Schema):
    on = fields.Date()
    compliance = fields.Nested(
        ComplianceSchema,
        allow_none=True,
        metadata={"description": "null: your pack has no social-work post rule"},
    )
    contracts = fields.List(
        fields.Nested(ContractComplianceSchema),
        metadata={"description": "each of your contracts in force, for the posts serving it"},
    )
    changes = fields.List(
        fields.Nested(ComplianceChangeSchema),
        metadata={"description": "the days the status changed in the twelve months to `on`"},
    )


class ProviderComplianceSchema(Schema):
    provider_id = fields.Integer(attribute="provider.id")
    provider_name = fields.String(attribute="provider.name")
    provider_type = fields.String(attribute="provider.type")
    compliance = fields.Nested(ComplianceSchema, allow_none=True)


class ProvidersComplianceSchema(Schema):
    on = fields.Date()
    providers = fields.List(fields.Nested(ProviderComplianceSchema))


class ComplianceSnapshotSchema(Schema):
    month = fields.Date(metadata={"description": "the first day of the month"})
    computed_on = fields.Date()
    rule = fields.String()
    of = fields.String()
    min_share = fields.Decimal(places=4, as_string=True)
    numerator = fields.Integer()
    denominator = fields.Integer()
    share = fields.Decimal(places=4, as_string=True, allow_none=True)
    compliant = fields.Boolean()
