"""Schemas for administrative areas. Pure."""

from marshmallow import Schema, fields

from aidbridge.areas.models import AreaLevel
from aidbridge.schemas import PageQuery


class AreaSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.Enum(AreaLevel)
    parent_code = fields.String(allow_none=True)
    policy_pack = fields.String(allow_none=True)


class AreaQuery(PageQuery):
    parent = fields.String(metadata={"description": "children of this area code"})
    level = fields.Enum(AreaLevel)
