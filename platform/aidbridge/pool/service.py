"""The resource pool's rules and writes: publishing services, keeping capacity and
verification current, and the one place where tenants read each other's services.

Writes flush but never commit: the request (or job) that called them commits once,
so several of them make one transaction (an import, a page doing two things).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import joinedload

from aidbridge.accounts.models import Tenant, TenantStatus, TenantType, User
from aidbridge.areas.models import Area
from aidbridge.areas.service import get_area
from aidbridge.audit import service as audit
from aidbridge.clock import local_today, utcnow
from aidbridge.contracts.coverage import check_funding
from aidbridge.contracts.models import Contract, ContractStatus
from aidbridge.db import has_flag
from aidbridge.errors import Forbidden, InvalidInput
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.lifecycle import change_status
from aidbridge.pool import search
from aidbridge.pool.models import (
    Project,
    ProjectArea,
    ProjectDimension,
    ProjectStatus,
    Service,
    ServiceArea,
    ServiceLocation,
    ServiceSchedule,
    ServiceStatus,
    TaxonomyTerm,
    new_hsds_id,
)
from aidbridge.pool.taxonomy import all_terms, check_dimension, check_subcategory

# The status a service may move to from each status.
TRANSITIONS: dict[ServiceStatus, frozenset[ServiceStatus]] = {
    ServiceStatus.draft: frozenset({ServiceStatus.published, ServiceStatus.retired}),
    ServiceStatus.published: frozenset({ServiceStatus.paused, ServiceStatus.retired}),
    ServiceStatus.paused: frozenset({ServiceStatus.published, ServiceStatus.retired}),
    ServiceStatus.retired: frozenset(),
}


# --- validation against reference data and the tenant --------------------------------------


def _check_taxonomy(dimension: str, subcategory: str | None) -> None:
    check_dimension(dimension, "dimension")
    check_subcategory(dimension, subcategory, "subcategory")


def areas_inside(
    tenant: Tenant, codes: list[str], field: str, known: dict[str, Area] | None = None
) -> list[Area]:
    """The areas named by ``codes``, each of which must lie in the tenant's jurisdiction.
    ``field`` names the i-th code's field, as marshmallow does: "locations.{}.area_code".
    ``known``: areas the caller has already loaded, by code (an import loads those of all
    its documents at once); only the others are read."""
    if not codes:
        return []
    found = dict(known or {})
    unread = set(codes) - found.keys()
    if unread:
        found.update(
            (a.code, a) for a in db.session.scalars(select(Area).where(Area.code.in_(unread)))
        )
    jurisdiction = tenant.jurisdiction
    errors: dict[str, list[str]] = {}
    for index, code in enumerate(codes):
        area = found.get(code)
        if area is None:
            errors[field.format(index)] = [N_("unknown administrative area code")]
        elif not jurisdiction.contains(area):
            errors[field.format(index)] = [N_("outside your organisation's jurisdiction")]
    if errors:
        raise InvalidInput(N_("the request has invalid fields"), errors)
    return [found[c] for c in codes]


def _check_project(project_id: int | None) -> None:
    # A scoped read: another tenant's project is simply not found.
    if project_id is not None and not db.session.scalar(
        select(Project.id).where(Project.id == project_id)
    ):
        raise InvalidInput.field("project_id", N_("no such project in your organisation"))


def _apply(
    tenant: Tenant, service: Service, data: dict, known_areas: dict[str, Area] | None
) -> None:
    """Copy validated input onto the service, checking what only the database knows."""
    dimension = data.get("dimension", service.dimension_code)
    subcategory = data.get("subcategory", service.subcategory_code)
    _check_taxonomy(dimension, subcategory)
    service.dimension_code, service.subcategory_code = dimension, subcategory
    if "areas" in data:
        areas = areas_inside(tenant, data["areas"], "areas.{}", known_areas)
        service.areas = [ServiceArea(tenant_id=tenant.id, area_code=a.code) for a in areas]
    if "locations" in data:
        codes = [loc["area_code"] for loc in data["locations"]]
        areas_inside(tenant, codes, "locations.{}.area_code", known_areas)
        service.locations = [
            ServiceLocation(tenant_id=tenant.id, **loc) for loc in data["locations"]
        ]
    if "schedules" in data:
        service.schedules = [
            ServiceSchedule(tenant_id=tenant.id, **sched) for sched in data["schedules"]
        ]
    if "project_id" in data:
        _check_project(data["project_id"])
    if "capacity" in data:
        capacity = data["capacity"]
        service.capacity_unit = capacity["unit"]
        service.capacity_period = capacity["period"]
        service.capacity_per_period = capacity["per_period"]
        service.capacity_available = capacity["available"]
        service.capacity_updated_at = utcnow()
    for name in (
        "name",
        "description",
        "target_groups",
        "categories",
        "min_age",
        "max_age",
        "requires_disability",
        "disability_types",
        "eligibility_notes",
        "funding",
        "project_id",
    ):
        if name in data:
            setattr(service, name, data[name])


# --- writes --------------------------------------------------------------------------------------


def create_service(
    tenant: Tenant,
    data: dict,
    hsds_id: str | None = None,
    known_areas: dict[str, Area] | None = None,
) -> Service:
    """A new draft service; ``hsds_id`` keeps the id an imported document gave it.
    ``known_areas``: areas already loaded by code, so that an import reads them once."""
    service = Service(
        tenant_id=tenant.id,
        pool=tenant.policy_pack,
        status=ServiceStatus.draft,
        hsds_id=hsds_id or new_hsds_id(),
    )
    _apply(tenant, service, data, known_areas)
    db.session.add(service)
    db.session.flush()
    search.reindex(service)
    audit.record(
        "service.created",
        "service",
        service.id,
        tenant_id=tenant.id,
        after={"name": service.name, "status": str(service.status)},
    )
    db.session.flush()
    return service


def update_service(
    tenant: Tenant, service: Service, data: dict, known_areas: dict[str, Area] | None = None
) -> Service:
    """``known_areas`` as for :func:`create_service`."""
    if service.status == ServiceStatus.retired:
        raise InvalidInput.field("status", N_("a retired service cannot be changed"))
    _apply(tenant, service, data, known_areas)
    if service.contract_id is not None:
        check_funding(service)
    if {"name", "description"} & data.keys():
        db.session.flush()
        search.reindex(service)
    audit.record(
        "service.updated",
        "service",
        service.id,
        tenant_id=tenant.id,
        after={"fields": sorted(data)},
    )
    db.session.flush()
    return service


def set_status(service: Service, status: ServiceStatus, user: User) -> Service:
    if status == ServiceStatus.published and not service.areas:
        raise InvalidInput.field("areas", N_("give at least one coverage area before publishing"))
    if change_status(service, status, TRANSITIONS, "service") and status == ServiceStatus.published:
        service.published_at = utcnow()
        _mark_verified(service, user)
    db.session.flush()
    return service


def update_capacity(service: Service, available: int, per_period: int | None) -> Service:
    per_period = service.capacity_per_period if per_period is None else per_period
    if available > per_period:
        raise InvalidInput.field("available", N_("cannot exceed the units per period"))
    before = {"available": service.capacity_available, "per_period": service.capacity_per_period}
    service.capacity_available, service.capacity_per_period = available, per_period
    service.capacity_updated_at = utcnow()
    audit.record(
        "service.capacity_updated",
        "service",
        service.id,
        tenant_id=service.tenant_id,
        before=before,
        after={"available": available, "per_period": per_period},
    )
    db.session.flush()
    return service


def verify(service: Service, user: User) -> Service:
    """The provider confirms the listing is still accurate (HSDS assured_date)."""
    if service.status == ServiceStatus.retired:
        raise InvalidInput.field("status", N_("a retired service cannot be verified"))
    _mark_verified(service, user)
    audit.record("service.verified", "service", service.id, tenant_id=service.tenant_id)
    db.session.flush()
    return service


def _mark_verified(service: Service, user: User) -> None:
    service.assured_date = local_today()
    service.assured_by_id = user.id


# --- reads across tenants: the pool --------------------------------------------------------------


def own_services() -> list[Service]:
    """The current tenant's services, newest change first, with their taxonomy terms
    loaded (a list page names each service's need)."""
    return list(
        db.session.scalars(
            select(Service)
            .options(joinedload(Service.dimension), joinedload(Service.subcategory))
            .order_by(Service.updated_at.desc())
        )
    )


def stale(services: list[Service]) -> set[int]:
    """The published ones not verified within POOL_STALE_AFTER_DAYS: flagged to the owner."""
    before = local_today() - timedelta(days=current_app.config["POOL_STALE_AFTER_DAYS"])
    return {
        s.id
        for s in services
        if s.status == ServiceStatus.published
        and (s.assured_date is None or s.assured_date < before)
    }


def own_projects() -> list[tuple[Project, int]]:
    """The current tenant's projects, newest first, each with its number of services."""
    count = select(func.count(Service.id)).where(Service.project_id == Project.id).scalar_subquery()
    query = select(Project, count).order_by(Project.starts_on.desc(), Project.id.desc())
    return [(project, n) for project, n in db.session.execute(query)]


def visible_to(viewer: Tenant):
    """Services a tenant may see: its own, and those published into its pool by an
    active tenant. The only cross-tenant read of services."""
    return (
        select(Service)
        .join(Tenant, Tenant.id == Service.tenant_id)
        .where(
            or_(
                Service.tenant_id == viewer.id,
                and_(
                    Service.pool == viewer.policy_pack,
                    Service.status == ServiceStatus.published,
                    Tenant.status == TenantStatus.active,
                    offered_by_contract(local_today()),
                ),
            )
        )
        .execution_options(all_tenants=True)
    )


def find_visible(viewer: Tenant, service_id: int) -> Service | None:
    return db.session.scalar(visible_to(viewer).where(Service.id == service_id))


def published_in_pool(viewer: Tenant):
    """The published services of the viewer's pool (its own included: they are in its
    pool), by active providers, offered today. A plain conjunction, so indexes can
    drive it."""
    return (
        select(Service)
        .join(Tenant, Tenant.id == Service.tenant_id)
        .where(
            Service.pool == viewer.policy_pack,
            Service.status == ServiceStatus.published,
            Tenant.status == TenantStatus.active,
            offered_by_contract(local_today()),
        )
        .execution_options(all_tenants=True)
    )


def offered_by_contract(today):
    """Services offered today as far as their funding goes: not contract-funded, or
    funded by a contract active and in its period (a contract-funded service is offered
    only inside its contract's period; its areas and need are checked when it is linked,
    see ``contracts.service.fund_service``)."""
    offered = select(Contract.id).where(
        Contract.status == ContractStatus.active,
        Contract.starts_on <= today,
        Contract.ends_on >= today,
    )
    return or_(Service.contract_id.is_(None), Service.contract_id.in_(offered))


def search_pool(viewer: Tenant, filters: dict):
    """Published services of the viewer's pool matching the filters, best first."""
    query = published_in_pool(viewer)
    if "dimension" in filters:
        query = query.where(Service.dimension_code == filters["dimension"])
    if "subcategory" in filters:
        query = query.where(Service.subcategory_code == filters["subcategory"])
    if "provider" in filters:
        query = query.where(Service.tenant_id == filters["provider"])
    if "area" in filters:
        area = get_area(filters["area"])
        if area is None:
            raise InvalidInput.field("area", N_("unknown administrative area code"))
        # A service covering the area or any area above it serves the whole area.
        query = query.where(
            Service.id.in_(
                select(ServiceArea.service_id).where(ServiceArea.area_code.in_(area.lineage))
            )
        )
    if "category" in filters:
        query = query.where(
            or_(
                Service.categories == frozenset(), has_flag(Service.categories, filters["category"])
            )
        )
    if "age" in filters:
        age = filters["age"]
        query = query.where(
            or_(Service.min_age.is_(None), Service.min_age <= age),
            or_(Service.max_age.is_(None), Service.max_age >= age),
        )
    if filters.get("has_capacity"):
        query = query.where(Service.capacity_available > 0)
    if filters.get("q"):
        match = search.text_match(filters["q"])
        if match is None:
            query = query.where(Service.name.contains(filters["q"].strip(), autoescape=True))
        else:
            query = query.join(match, match.c.service_id == Service.id).order_by(
                match.c.matched.desc(), match.c.score.desc()
            )
    return query.order_by(Service.published_at.desc(), Service.id.desc())


# --- charity projects (CJ21-REF-2) ---------------------------------------------------------------

PROJECT_TRANSITIONS: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.draft: frozenset({ProjectStatus.active, ProjectStatus.cancelled}),
    ProjectStatus.active: frozenset({ProjectStatus.completed, ProjectStatus.cancelled}),
    ProjectStatus.completed: frozenset(),
    ProjectStatus.cancelled: frozenset(),
}


def _apply_project(tenant: Tenant, project: Project, data: dict) -> None:
    if "dimensions" in data:
        for index, code in enumerate(data["dimensions"]):
            check_dimension(code, f"dimensions.{index}")
        project.dimensions = [
            ProjectDimension(tenant_id=tenant.id, dimension_code=code)
            for code in sorted(set(data["dimensions"]))
        ]
    if "areas" in data:
        areas = areas_inside(tenant, data["areas"], "areas.{}")
        project.areas = [ProjectArea(tenant_id=tenant.id, area_code=a.code) for a in areas]
    starts = data.get("starts_on", project.starts_on)
    ends = data.get("ends_on", project.ends_on)
    if starts and ends and ends < starts:
        raise InvalidInput.field("ends_on", N_("must not be before the start date"))
    for name in (
        "title",
        "aims",
        "target_groups",
        "starts_on",
        "ends_on",
        "funding_target_fen",
        "funds_raised_fen",
    ):
        if name in data:
            setattr(project, name, data[name])


def create_project(tenant: Tenant, data: dict) -> Project:
    if tenant.type != TenantType.charity:
        raise Forbidden(N_("only charities post charity projects"))
    project = Project(tenant_id=tenant.id, pool=tenant.policy_pack, status=ProjectStatus.draft)
    _apply_project(tenant, project, data)
    db.session.add(project)
    db.session.flush()
    audit.record(
        "project.created",
        "project",
        project.id,
        tenant_id=tenant.id,
        after={"title": project.title},
    )
    db.session.flush()
    return project


def update_project(tenant: Tenant, project: Project, data: dict) -> Project:
    if not PROJECT_TRANSITIONS[project.status]:
        raise InvalidInput.field("status", N_("a finished project cannot be changed"))
    _apply_project(tenant, project, data)
    audit.record(
        "project.updated",
        "project",
        project.id,
        tenant_id=tenant.id,
        after={"fields": sorted(data)},
    )
    db.session.flush()
    return project


def set_project_status(project: Project, status: ProjectStatus) -> Project:
    change_status(project, status, PROJECT_TRANSITIONS, "project")
    db.session.flush()
    return project


def projects_visible_to(viewer: Tenant, dimension: str | None = None):
    """Projects a tenant may see: its own, and the active or completed projects of its pool;
    with ``dimension``, those addressing that need."""
    query = (
        select(Project)
        .join(Tenant, Tenant.id == Project.tenant_id)
        .where(
            or_(
                Project.tenant_id == viewer.id,
                and_(
                    Project.pool == viewer.policy_pack,
                    Project.status.in_([ProjectStatus.active, ProjectStatus.completed]),
                    Tenant.status == TenantStatus.active,
                ),
            )
        )
        .order_by(Project.starts_on.desc(), Project.id.desc())
        .execution_options(all_tenants=True)
    )
    if dimension:
        query = query.where(Project.dimensions.any(ProjectDimension.dimension_code == dimension))
    return query


def find_visible_project(viewer: Tenant, project_id: int) -> Project | None:
    return db.session.scalar(projects_visible_to(viewer).where(Project.id == project_id))


def project_services(viewer: Tenant, project: Project) -> list[Service]:
    """The services that deliver a project, as far as the viewer may see them."""
    return list(
        db.session.scalars(
            visible_to(viewer).where(Service.project_id == project.id).order_by(Service.id)
        )
    )


def provider_of(listing: Service | Project) -> Tenant:
    """The tenant behind a service or project of the pool (tenants are not tenant-owned)."""
    return db.session.get(Tenant, listing.tenant_id)


def find_visible_by_hsds_id(viewer: Tenant, hsds_id) -> Service | None:
    return db.session.scalar(visible_to(viewer).where(Service.hsds_id == str(hsds_id)))


def pool_providers(viewer: Tenant):
    """Active tenants with published services in the viewer's pool (HSDS organizations)."""
    published = select(Service.tenant_id).where(
        Service.pool == viewer.policy_pack, Service.status == ServiceStatus.published
    )
    return (
        select(Tenant)
        .options(joinedload(Tenant.jurisdiction))
        .where(Tenant.status == TenantStatus.active, Tenant.id.in_(published))
        .order_by(Tenant.name, Tenant.id)
        .execution_options(all_tenants=True)
    )


def hsds_export(viewer: Tenant, provider_id: int | None = None) -> dict[str, list[dict]]:
    """The viewer's pool (or one provider's part of it) as an HSDS JSON package."""
    from aidbridge.pool import hsds

    query = published_in_pool(viewer).order_by(Service.id)
    if provider_id is not None:
        query = query.where(Service.tenant_id == provider_id)
    listings = list(db.session.scalars(query))
    providers, terms = listing_context(listings)
    return hsds.package(listings, providers, terms)


def listing_context(listings: list[Service]) -> tuple[dict[int, Tenant], list[TaxonomyTerm]]:
    """What describing listings needs, in two queries rather than a few per listing:
    their providers by id, and the taxonomy (held, so terms load from the session)."""
    providers = {
        t.id: t
        for t in db.session.scalars(
            select(Tenant)
            .options(joinedload(Tenant.jurisdiction))
            .where(Tenant.id.in_({s.tenant_id for s in listings}))
        )
    }
    return providers, all_terms()


def give_back_place(service_id: int) -> None:
    """A place a referral took and did not use, back to the service (never beyond its
    places per period, which the provider may have lowered meanwhile). One statement,
    so that bookings at the same moment add up; across tenants on purpose."""
    table = Service.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == service_id)
        .values(
            capacity_available=case(
                (
                    table.c.capacity_available < table.c.capacity_per_period,
                    table.c.capacity_available + 1,
                ),
                else_=table.c.capacity_available,
            )
        )
    )
