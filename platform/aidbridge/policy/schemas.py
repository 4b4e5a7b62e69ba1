"""Schemas for policy-pack versions. Pure: the views hand in the parsed pack."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from aidbridge.schemas import InputSchema, PageQuery

# A pack file is small (the largest shipped is under 6 kB); this leaves room.
MAX_PACK_CHARS = 200_000


class RuleSchema(Schema):
    id = fields.String()
    source = fields.String()
    title_zh = fields.String()
    title_en = fields.String()


class StandardSchema(Schema):
    effective_from = fields.Date()
    urban_fen = fields.Integer()
    rural_fen = fields.Integer()


class PackVersionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    jurisdiction = fields.String()
    version = fields.String()
    title = fields.String()
    starts_on = fields.Date()
    published_at = fields.DateTime()


class PackVersionDetailSchema(PackVersionSchema):
    text = fields.String(metadata={"description": "the pack as published (TOML)"})
    source = fields.String(attribute="pack.source")
    supersedes = fields.Dict(attribute="pack.supersedes")
    local_settings = fields.List(fields.String(), attribute="pack.local_settings")
    standards = fields.List(fields.Nested(StandardSchema), attribute="pack.standards")
    rules = fields.List(fields.Nested(RuleSchema), metadata={"description": "rules it applies"})


class PackVersionQuery(PageQuery):
    jurisdiction = fields.String(validate=validate.Regexp(r"^[a-z][a-z_]{1,39}$"))


class PackPublishSchema(InputSchema):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_PACK_CHARS),
        metadata={"description": "the new version's pack file (TOML)"},
    )
