"""What every portal shares: the blueprint guard, forms checked by the core's schemas."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, g, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, missing

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission, can
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.i18n import translate


def make_portal(
    name: str, tenant_types: set[TenantType] | None, url_prefix: str, home: bool = True
) -> Blueprint:
    """A blueprint whose pages exist only for signed-in users of the given tenant types.

    For anyone else the pages do not exist (404), as another tenant's objects don't.
    ``home``: for a single tenant type, this portal's ``home`` page is where its users land.
    """
    portal = Blueprint(name, __name__, url_prefix=url_prefix)
    # Read by register_portals.
    portal.tenant_types = tenant_types
    portal.is_home = home

    @portal.before_request
    @login_required
    def _guard():
        # login_required lets OPTIONS through; nobody signed in has a portal.
        if not current_user.is_authenticated:
            abort(404)
        if tenant_types is not None and current_user.tenant.type not in tenant_types:
            abort(404)

    return portal


def requires(permission: Permission):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def load_form(form, schema: Schema, fields: list[str] | None = None) -> dict | None:
    """Validate a submitted form with the same schema the API uses.

    Returns the loaded data, or None after putting each message on its field.
    """
    return load_values(form, schema, form_values(form, schema, names=fields))


def load_values(form, schema: Schema, values: dict, fields: dict | None = None) -> dict | None:
    """Load values gathered from a form (nested, renamed…); messages go on its fields,
    ``fields`` naming the form's field for a schema field it calls otherwise."""
    try:
        return schema.load(values)
    except ValidationError as exc:
        renamed = fields or {}
        put_errors(form, {renamed.get(name, name): m for name, m in exc.messages.items()})
        return None


def query_filters(schema: Schema) -> tuple[dict, dict]:
    """The query string checked by the API's schema: (filters, errors by field)."""
    raw = {k: v for k, v in request.args.items() if v != ""}
    try:
        return schema.load(raw), {}
    except ValidationError as exc:
        return {}, exc.messages


def form_values(form, schema: Schema, prefix: str = "", names: list[str] | None = None) -> dict:
    """The form's fields ``prefix + name`` for the schema's fields, as the API would send
    them. A blank field is a missing value where the schema requires one or has a default
    of its own (an empty note), and null elsewhere, so the schema decides: clearing an
    optional e-mail clears it, blanking a name is refused."""
    values = {}
    for name, field in schema.fields.items():
        key = prefix + name
        if key not in form or (names is not None and name not in names):
            continue
        value = form[key].data
        if value == "" or value is None:
            if field.required or field.load_default not in (missing, None):
                continue
            value = None
        values[name] = value
    return values


def typed_number(value: str | None):
    """A number typed or chosen in a form, for a schema that takes integers: digits as
    an int, blank as None, anything else (also "²", which ``isdigit`` accepts) as sent,
    for the schema to refuse on its field."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else value or None


def put_errors(form, messages: dict) -> None:
    for name, reasons in messages.items():
        if isinstance(reasons, dict):  # nested: "admin" → admin_username, "areas" → areas_0
            put_errors(form, {f"{name}_{k}": v for k, v in reasons.items()})
            continue
        target = _field(form, str(name).replace(".", "_"))
        reasons = [translate(str(r)) for r in reasons]
        if target is None:
            flash("; ".join(reasons), "error")
        else:
            target.errors = [*target.errors, *reasons]


def _field(form, name: str):
    """The form field a message is about: ``areas_1`` falls back to ``areas``."""
    while name:
        if name in form:
            return form[name]
        name, _, tail = name.rpartition("_")
        if not tail.isdigit():
            return None
    return None


def apply_service_error(form, error: ServiceError) -> None:
    """Undo the refused request's writes; show the refusal on its fields, or as a message.
    The page then answers with the refusal's status (see :func:`form_status`)."""
    db.session.rollback()
    g.refusal_status = error.status
    if error.errors:
        put_errors(form, error.errors)
    else:
        flash(translate(error.message), "error")


def form_status(form) -> int:
    """The status of a form page: a refusal's own (409, 422…), 422 for field errors,
    else 200. A refusal that names no form field still fails the request."""
    return g.get("refusal_status") or (422 if form.errors else 200)


def require_confirmed() -> None:
    """A button's POST carries its CSRF token, or it is a bad request (400)."""
    from tenants.forms import ConfirmForm

    if not ConfirmForm().validate():
        abort(400)


def posted_status(enum):
    """The ``status`` a button posted, as a member of ``enum``; a bad value or a missing
    CSRF token is a 400."""
    require_confirmed()
    status = request.form.get("status")
    if status not in set(enum):
        abort(400)
    return enum(status)


def flash_done(message: str) -> None:
    flash(message, "success")


__all__ = ["_", "apply_service_error", "flash_done", "load_form", "make_portal", "requires"]
