"""What every input schema shares. Pure: no queries, no request."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    missing,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from aidbridge.clock import local_today
from aidbridge.i18n import N_
from aidbridge.tenancy import MAX_ID

# C0 control characters other than tab, newline and carriage return, and DEL:
# never meaningful in a form or JSON field, and PostgreSQL text cannot hold NUL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InputSchema(Schema):
    """Base of every schema that loads client input."""

    @pre_load
    def _refuse_control_characters(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        errors = {}
        for name, value in data.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in values):
                errors[name] = [N_("contains control characters")]
        if errors:
            raise ValidationError(errors)
        return data


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow nests the messages of nested schemas; name each field by its dotted
    path ("members.0.id_number"). A nested schema's own message names the nested field."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if key == "_schema":
            path = prefix or "_schema"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for name, reasons in flatten_messages(value, path).items():
            flat.setdefault(name, []).extend(reasons)
    return flat


def all_optional(schema: type[Schema], name: str) -> type[Schema]:
    """The same schema with every field optional and no defaults: for changes (PATCH),
    which name only what changes. Validators and hooks are inherited."""
    fields = {}
    for field_name, field in schema._declared_fields.items():
        optional = copy.deepcopy(field)
        optional.required = False
        optional.load_default = missing
        fields[field_name] = optional
    return type(name, (schema,), fields)


MAX_PAGE = 100_000
# Any id a client sends: a number no row can have is refused before it reaches the
# database (whose integer keys are 32-bit on PostgreSQL).
ID = validate.Range(min=1, max=MAX_ID, error=N_("not an id"))
AREA_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$", error=N_("an area code has 6, 9 or 12 digits"))
# Money in fen, as every API takes it (stored in BIGINT columns).
FEN = validate.Range(min=0, max=10**13, error=N_("an amount in fen, not negative"))


def not_future(day) -> None:
    """A date that has happened: judged against the platform's local today."""
    if day > local_today():
        raise ValidationError(N_("cannot be in the future"))


class PageQuery(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    # Larger pages are cut to the configured maximum page size.
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_PAGE))


class CoordinatesSchema(InputSchema):
    """A point in degrees (WGS 84): both parts, or neither. Kept as NUMERIC(9, 6): about
    0.1 m, more than any address needs."""

    latitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90)
    )
    longitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180)
    )

    @validates_schema(skip_on_field_errors=True)
    def _both_or_neither(self, data, **kwargs):
        given = {name for name in ("latitude", "longitude") if data.get(name) is not None}
        sent = {name for name in ("latitude", "longitude") if name in data}
        if len(given) == 1 or (sent and len(sent) == 1):
            other = "longitude" if "latitude" in (given or sent) else "latitude"
            raise ValidationError(N_("give both latitude and longitude, or neither"), other)

    @post_load
    def _as_decimals(self, data, **kwargs):
        for name in ("latitude", "longitude"):
            if data.get(name) is not None:
                data[name] = Decimal(str(data[name])).quantize(Decimal("0.000001"))
        return data
