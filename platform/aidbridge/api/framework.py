"""One decorator per API route: authenticate, authorise, parse, call, dump, document.

Views stay thin: they receive validated data and return model objects (or a
``select`` for lists, which is paginated here). Every route declared with
:func:`endpoint` appears in the OpenAPI document with its schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from marshmallow import Schema, ValidationError
from sqlalchemy import Select

from aidbridge.accounts.permissions import Permission, can
from aidbridge.errors import Forbidden, InvalidInput, ServiceError
from aidbridge.i18n import N_
from aidbridge.pagination import page_of
from aidbridge.schemas import PageQuery, flatten_messages
from aidbridge.tenancy import load_url_objects

api = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class Route:
    rule: str
    method: str
    view: str
    summary: str
    tag: str
    body: type[Schema] | None
    query: type[Schema] | None
    response: type[Schema] | None
    many: bool
    status: int
    permission: Permission | None
    public: bool
    errors: tuple[int, ...] = ()
    raw: str | None = None


ROUTES: list[Route] = []


class Unauthorized(ServiceError):
    status = 401


def load_input(schema: Schema, payload) -> dict:
    """Load client input; invalid fields are a 422 naming each by its dotted path."""
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise InvalidInput(
            N_("the request has invalid fields"), flatten_messages(exc.messages)
        ) from exc


def _json_body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidInput(
            N_("the body must be a JSON object"), {"_body": [N_("expected a JSON object")]}
        )
    return payload


def page_window(args: dict) -> tuple[int, int]:
    """The page asked for and its size, within the configured maximum."""
    config = current_app.config
    per_page = min(args.get("per_page") or config["API_PAGE_SIZE"], config["API_MAX_PAGE_SIZE"])
    return args.get("page", 1), per_page


def authorised_url_objects(
    objects: dict, url_args: dict, permission: Permission | None, public: bool = False
) -> dict:
    """The URL's arguments with the objects they name loaded (see ``load_url_objects``),
    for a caller allowed to have them. Checked in this order: a caller without a valid
    token is a 401; then an object of another tenant (or none) is a 404, whatever the
    caller's roles, so that roles never tell whether it exists; only then may the roles
    refuse (403). ``public``: no token needed, no roles checked."""
    if public:
        return load_url_objects(objects, url_args)
    if not current_user.is_authenticated:
        raise Unauthorized(N_("send a valid API token: 'Authorization: Bearer <token>'"))
    loaded = load_url_objects(objects, url_args)
    if permission is not None and not can(current_user, permission):
        raise Forbidden(N_("your roles do not allow this"))
    return loaded


def _paginate(query: Select, args: dict) -> tuple[list, dict]:
    page, per_page = page_window(args)
    items, total = page_of(query, page, per_page)
    return items, {"page": page, "per_page": per_page, "total": total}


def endpoint(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    many: bool = False,
    status: int = 200,
    permission: Permission | None = Permission.use_api,
    public: bool = False,
    load: dict[str, type] | None = None,
    errors: tuple[int, ...] = (),
    raw: str | None = None,
    present: Callable | None = None,
):
    """Declare an API route.

    ``load={"user_id": User}`` fetches the object through the tenant scope and passes
    it as ``user`` (a foreign id is a 404, decided before any permission check: see
    :func:`authorised_url_objects`). The view is called as
    ``view(**objects, data=..., args=...)``.
    ``errors`` lists further statuses the service may answer (e.g. 409), for the document.
    ``raw`` names the media type of a view that returns a document or file of its own
    shape (an HSDS package, a zip). ``present`` turns each object of a list's page into
    what ``response`` dumps (what the caller may see of it).
    """
    load = load or {}

    def decorator(view: Callable):
        query_schema = query
        if many and query_schema is None:
            query_schema = PageQuery

        @wraps(view)
        def handler(**url_args):
            kwargs = authorised_url_objects(load, url_args, permission, public)
            if body is not None:
                kwargs["data"] = load_input(body(), _json_body())
            if query_schema is not None:
                kwargs["args"] = load_input(query_schema(), request.args.to_dict())
            result = view(**kwargs)
            if isinstance(result, Response):  # a file, already made
                return result
            if response is None:
                return ("", 204) if raw is None else (jsonify(result), status)
            if many:
                items, meta = _paginate(result, kwargs["args"])
                if present is not None:
                    items = [present(item) for item in items]
                return jsonify({"items": response(many=True).dump(items), **meta}), status
            return jsonify(response().dump(result)), status

        handler.url_objects = load
        api.add_url_rule(rule, endpoint=view.__name__, view_func=handler, methods=[method])
        ROUTES.append(
            Route(
                rule,
                method,
                view.__name__,
                summary,
                tag,
                body,
                query_schema,
                response,
                many,
                status,
                permission,
                public,
                errors,
                raw,
            )
        )
        return handler

    return decorator
