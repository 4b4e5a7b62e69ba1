"""Schemas for the audit log. Pure."""

from marshmallow import Schema, fields

from aidbridge.schemas import PageQuery


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_name = fields.String(allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    address = fields.String(allow_none=True)


class AuditQuery(PageQuery):
    action = fields.String()
    target_type = fields.String()
