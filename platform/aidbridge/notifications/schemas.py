"""Schemas for notifications. Pure."""

from __future__ import annotations

from flask_babel import gettext
from marshmallow import Schema, fields

from aidbridge.schemas import PageQuery


class NotificationQuery(PageQuery):
    unread = fields.Boolean(load_default=False)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.Function(lambda n: n.text(gettext))
    params = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime()


class MarkedSchema(Schema):
    marked = fields.Integer()
