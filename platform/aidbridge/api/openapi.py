"""The OpenAPI 3 document, generated from the routes declared with ``endpoint``."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from aidbridge.api.framework import ROUTES, Route

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_DESCRIPTIONS = {
    422: "the file cannot be read (nothing was written)",
    403: "refused by a rule (the message and fields say which)",
    409: "conflicts with existing data (the fields say which)",
}
_TYPES = {"int": "integer", None: "string", "string": "string"}


class ErrorResponse(Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "messages per field, by dotted field name"},
    )


def _ref(schema: type[Schema]) -> dict:
    return {"$ref": f"#/components/schemas/{_name(schema)}"}


def _name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def _operation(route: Route) -> dict:
    op: dict = {
        "operationId": route.view,
        "summary": route.summary,
        "tags": [route.tag],
        "responses": {},
    }
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": _TYPES.get(conv, "string")},
        }
        for conv, name in _CONVERTER.findall(route.rule)
    ]
    if route.query is not None:
        op["parameters"] = [*params, {"in": "query", "schema": route.query}]
    elif params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(route.body)}},
        }
    if route.raw is not None:
        binary = {"schema": {"type": "string", "format": "binary"}}
        media = {"schema": {"type": "object"}} if route.raw == "application/json" else binary
        op["responses"][str(route.status)] = {
            "description": "the document",
            "content": {route.raw: media},
        }
    elif route.response is None:
        op["responses"][str(route.status if route.status != 200 else 204)] = {"description": "done"}
    elif route.many:
        op["responses"][str(route.status)] = {
            "description": "one page of results",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": _ref(route.response)},
                            "page": {"type": "integer"},
                            "per_page": {"type": "integer"},
                            "total": {"type": "integer"},
                        },
                    }
                }
            },
        }
    else:
        op["responses"][str(route.status)] = {
            "description": "the resource",
            "content": {"application/json": {"schema": _ref(route.response)}},
        }
    error = {"content": {"application/json": {"schema": _ref(ErrorResponse)}}}
    if not route.public:
        op["security"] = [{"bearerAuth": []}]
        op["responses"]["401"] = {"description": "no valid token", **error}
        op["responses"]["403"] = {"description": "roles do not allow this", **error}
    if _CONVERTER.search(route.rule):
        op["responses"]["404"] = {"description": "no such object in your organisation", **error}
    if route.body is not None or route.query is not None:
        op["responses"]["422"] = {"description": "invalid fields", **error}
    for status in route.errors:
        op["responses"][str(status)] = {"description": ERROR_DESCRIPTIONS[status], **error}
    return op


def build_spec(version: str) -> dict:
    spec = APISpec(
        title="AidBridge API",
        version=version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_name)],
        info={"description": "Social-assistance referral platform. All times are UTC."},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "an API token (abt_…)"}
    )
    schemas = {ErrorResponse}
    for route in ROUTES:
        schemas.update(s for s in (route.body, route.response) if s is not None)
    for schema in sorted(schemas, key=_name):
        # Nested schemas were registered already by the plugin, under the same name.
        if _name(schema) not in spec.components.schemas:
            spec.components.schema(_name(schema), schema=schema)
    paths: dict[str, dict] = {}
    for route in ROUTES:
        path = _CONVERTER.sub(r"{\2}", route.rule)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()
