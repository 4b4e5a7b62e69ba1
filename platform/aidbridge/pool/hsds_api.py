"""The Open Referral HSDS 3.0 read API over the caller's pool, under ``/hsds``.

Paths, parameters and the paginated shape follow ``../shared/hsds/schema/openapi.json``;
objects are the documents of :mod:`aidbridge.pool.hsds`. Like ``/api/v1`` it is JSON
only and takes bearer tokens; a caller sees the published services of its own pool.
"""

from __future__ import annotations

import math
from functools import wraps

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user
from marshmallow import fields, validate

from aidbridge.accounts.models import Tenant
from aidbridge.accounts.permissions import Permission
from aidbridge.api.framework import authorised_url_objects, load_input, page_window
from aidbridge.extensions import db
from aidbridge.pagination import page_of
from aidbridge.pool import hsds
from aidbridge.pool import service as pool
from aidbridge.pool.models import Service, TaxonomyTerm
from aidbridge.pool.taxonomy import all_terms
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup

hsds_api = Blueprint("hsds", __name__, url_prefix="/hsds")
HSDS_VERSION = "3.0"


class HsdsQuery(PageQuery):
    search = fields.String(validate=validate.Length(max=100))
    taxonomy_term_id = fields.UUID()
    organization_id = fields.UUID()


def _find_organization(org_id):
    providers = db.session.scalars(pool.pool_providers(current_user.tenant))
    return next((t for t in providers if hsds.organization_id(t) == str(org_id)), None)


def _find_term(term_id):
    return next((t for t in all_terms() if hsds.term_id(t.code) == str(term_id)), None)


HsdsService = SharedLookup(
    Service, lambda sid: pool.find_visible_by_hsds_id(current_user.tenant, sid), key="hsds_id"
)
HsdsOrganization = SharedLookup(Tenant, _find_organization, key=hsds.organization_id)
# One need taxonomy for every pool.
HsdsTerm = SharedLookup(
    TaxonomyTerm, _find_term, key=lambda term: hsds.term_id(term.code), shared=True
)


def route(rule: str, **objects):
    """A read route: token required, URL objects found through their lookups (as
    ``/api/v1``'s routes: a 401, then a 404 for what the caller may not see, then roles)."""

    def decorator(view):
        @wraps(view)
        def handler(**url_args):
            return jsonify(view(**authorised_url_objects(objects, url_args, Permission.use_api)))

        handler.url_objects = objects
        hsds_api.add_url_rule(rule, endpoint=view.__name__, view_func=handler, methods=["GET"])
        return handler

    return decorator


def _args() -> dict:
    return load_input(HsdsQuery(), request.args.to_dict())


def _page(items_query, args: dict, document) -> dict:
    page, per_page = page_window(args)
    rows, total = page_of(items_query, page, per_page)
    return _envelope(document(rows), total, page, per_page)


def _envelope(contents: list, total: int, page: int, per_page: int) -> dict:
    """HSDS's page: total_items, total_pages, page_number, size, first/last/empty, contents."""
    pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": total == 0,
        "contents": contents,
    }


def _services(rows: list[Service]) -> list[dict]:
    providers, _terms = pool.listing_context(rows)
    areas = hsds.areas_for(rows)
    return [hsds.service(s, providers[s.tenant_id], areas) for s in rows]


@route("/")
def root():
    return {
        "version": HSDS_VERSION,
        "profile": "https://github.com/openreferral/specification",
        # The platform's OpenAPI document (/api/v1); the routes here follow HSDS's own.
        "openapi_url": url_for("api.openapi", _external=True),
    }


@route("/services")
def services():
    args = _args()
    filters = {}
    if args.get("search"):
        filters["q"] = args["search"]
    if "taxonomy_term_id" in args:
        term = _find_term(args["taxonomy_term_id"])
        if term is None:
            return _envelope([], 0, *page_window(args))
        filters["subcategory" if term.parent_code else "dimension"] = term.code
    query = pool.search_pool(current_user.tenant, filters)
    if "organization_id" in args:
        provider = _find_organization(args["organization_id"])
        query = query.where(Service.tenant_id == (provider.id if provider else None))
    return _page(query, args, _services)


@route("/services/<uuid:service_id>", service_id=HsdsService)
def service(service):
    return _services([service])[0]


@route("/organizations")
def organizations():
    return _page(
        pool.pool_providers(current_user.tenant),
        _args(),
        lambda rows: [hsds.organization(t) for t in rows],
    )


@route("/organizations/<uuid:organization_id>", organization_id=HsdsOrganization)
def organization(organization):
    return hsds.organization(organization)


@route("/taxonomies")
def taxonomies():
    # One taxonomy: the need dimensions and their sub-categories.
    return _envelope([hsds.taxonomy()], 1, 1, 1)


@route("/taxonomies/<uuid:taxonomy_id>")
def taxonomy(taxonomy_id):
    if str(taxonomy_id) != hsds.taxonomy_id():
        abort(404)
    return hsds.taxonomy()


@route("/taxonomy_terms")
def taxonomy_terms():
    # The taxonomy is a few dozen terms: a page of it is a slice of them all.
    terms = all_terms()
    page, per_page = page_window(_args())
    rows = terms[(page - 1) * per_page : page * per_page]
    return _envelope([hsds.taxonomy_term(t) for t in rows], len(terms), page, per_page)


@route("/taxonomy_terms/<uuid:term_id>", term_id=HsdsTerm)
def taxonomy_term(term):
    return hsds.taxonomy_term(term)
