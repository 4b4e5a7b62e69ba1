"""The shared resource pool, as every tenant browses it: search services with filters,
read a service, browse charity projects and the needs they address."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from aidbridge.areas.models import Area, AreaLevel
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.pagination import page_of
from aidbridge.pool import service as pool
from aidbridge.pool import taxonomy
from aidbridge.pool.api import PoolProject, PoolService
from aidbridge.pool.models import Project, Service
from aidbridge.pool.schemas import PoolQuery, ProjectQuery
from aidbridge.tenancy import url_objects
from aidbridge.vocab import AssistanceCategory
from tenants.forms import area_choices
from tenants.portal import make_portal, query_filters

portal = make_portal("pool", None, "/pool")
PAGE_SIZE = 20


def _page(query, page: int):
    return page_of(query, page, PAGE_SIZE)


def _pool_areas() -> list[tuple[str, str]]:
    """The area filter's choices: the districts, streets and communities of the viewer's
    pool (inside the area whose government issued its policy pack, else its jurisdiction)."""
    tenant = current_user.tenant
    issuer = db.session.scalar(select(Area).where(Area.policy_pack == tenant.policy_pack))
    return area_choices(
        (AreaLevel.district, AreaLevel.street, AreaLevel.community),
        inside=issuer or tenant.jurisdiction,
    )


@portal.get("/")
def search():
    filters, errors = query_filters(PoolQuery())
    items, total = [], 0
    if not errors:
        try:
            query = pool.search_pool(current_user.tenant, filters)
        except ServiceError as error:  # an unknown area: a field error, as in the API
            errors = error.errors
        else:
            items, total = _page(query, filters.get("page", 1))
    return render_template(
        "pool/search.html",
        services=items,
        total=total,
        filters=filters,
        errors=errors,
        page=filters.get("page", 1),
        page_size=PAGE_SIZE,
        terms=taxonomy.all_terms(),
        areas=_pool_areas(),
        categories=list(AssistanceCategory),
        args=request.args,
    ), (422 if errors else 200)


@portal.get("/services/<int:service_id>")
@url_objects(service_id=PoolService)
def service_page(service: Service):
    provider = pool.provider_of(service)
    return render_template("pool/service.html", service=service, provider=provider)


@portal.get("/projects")
def projects():
    filters, errors = query_filters(ProjectQuery())
    query = pool.projects_visible_to(current_user.tenant, filters.get("dimension"))
    items, total = ([], 0) if errors else _page(query, filters.get("page", 1))
    return render_template(
        "pool/projects.html",
        projects=items,
        total=total,
        errors=errors,
        dimensions=taxonomy.dimensions(),
        args=request.args,
        page=filters.get("page", 1),
        page_size=PAGE_SIZE,
    ), (422 if errors else 200)


@portal.get("/projects/<int:project_id>")
@url_objects(project_id=PoolProject)
def project_page(project: Project):
    services = pool.project_services(current_user.tenant, project)
    return render_template(
        "pool/project.html", project=project, services=services, provider=pool.provider_of(project)
    )
