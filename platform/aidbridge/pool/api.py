"""API routes: a provider's own services, and searching the shared pool."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from aidbridge.api import endpoint
from aidbridge.pool import service as pool
from aidbridge.pool.models import Service, ServiceStatus
from aidbridge.pool.schemas import (
    CapacityUpdateSchema,
    PoolQuery,
    ServiceChangeSchema,
    ServiceInputSchema,
    ServiceSchema,
    StatusInputSchema,
)
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup

# A service of the caller's pool: its own, or one published by another tenant.
PoolService = SharedLookup(Service, lambda sid: pool.find_visible(current_user.tenant, sid))

# --- the provider's own services -----------------------------------------------------------------


@endpoint(
    "/services",
    summary="Your organisation's services",
    tag="services",
    response=ServiceSchema,
    many=True,
    query=PageQuery,
)
def list_own_services(args):
    return select(Service).order_by(Service.updated_at.desc(), Service.id.desc())


@endpoint(
    "/services",
    "POST",
    summary="Create a service (as a draft)",
    tag="services",
    body=ServiceInputSchema,
    response=ServiceSchema,
    status=201,
)
def create_service(data):
    return pool.create_service(current_user.tenant, data)


@endpoint(
    "/services/<int:service_id>",
    "PATCH",
    summary="Change your service",
    tag="services",
    body=ServiceChangeSchema,
    response=ServiceSchema,
    load={"service_id": Service},
)
def update_service(service, data):
    return pool.update_service(current_user.tenant, service, data)


@endpoint(
    "/services/<int:service_id>/status",
    "PUT",
    summary="Publish, pause or retire your service",
    tag="services",
    body=StatusInputSchema,
    response=ServiceSchema,
    load={"service_id": Service},
)
def set_service_status(service, data):
    return pool.set_status(service, ServiceStatus(data["status"]), current_user)


@endpoint(
    "/services/<int:service_id>/capacity",
    "PUT",
    summary="Update the units available now (and per period)",
    tag="services",
    body=CapacityUpdateSchema,
    response=ServiceSchema,
    load={"service_id": Service},
)
def update_capacity(service, data):
    return pool.update_capacity(service, data["available"], data["per_period"])


@endpoint(
    "/services/<int:service_id>/verification",
    "POST",
    summary="Confirm the listing is accurate today",
    tag="services",
    response=ServiceSchema,
    load={"service_id": Service},
)
def verify_service(service):
    return pool.verify(service, current_user)


# --- the shared pool -----------------------------------------------------------------------------


@endpoint(
    "/pool/services",
    summary="Search the published services of your pool",
    tag="pool",
    response=ServiceSchema,
    many=True,
    query=PoolQuery,
)
def search_pool(args):
    return pool.search_pool(current_user.tenant, args)


@endpoint(
    "/pool/services/<int:service_id>",
    summary="One service of your pool",
    tag="pool",
    response=ServiceSchema,
    load={"service_id": PoolService},
)
def get_pool_service(service):
    return service
