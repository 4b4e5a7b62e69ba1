"""API routes: a provider's own services, and searching the shared pool."""

from __future__ import annotations

import io
import zipfile

from flask import Response, request
from flask_login import current_user
from sqlalchemy import select

from aidbridge.api import endpoint
from aidbridge.pool import hsds, hsds_import
from aidbridge.pool import service as pool
from aidbridge.pool.models import Project, ProjectStatus, Service, ServiceStatus
from aidbridge.pool.schemas import (
    CapacityUpdateSchema,
    ExportQuery,
    ImportReportSchema,
    PoolQuery,
    ProjectChangeSchema,
    ProjectDetailSchema,
    ProjectInputSchema,
    ProjectQuery,
    ProjectSchema,
    ProjectStatusSchema,
    ServiceChangeSchema,
    ServiceInputSchema,
    ServiceSchema,
    StatusInputSchema,
)
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup

# A service of the caller's pool: its own, or one published by another tenant.
PoolService = SharedLookup(Service, lambda sid: pool.find_visible(current_user.tenant, sid))
PoolProject = SharedLookup(Project, lambda pid: pool.find_visible_project(current_user.tenant, pid))

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


# --- charity projects ---------------------------------------------------------------------------


def _with_services(project: Project) -> Project:
    project.visible_services = pool.project_services(current_user.tenant, project)
    return project


@endpoint(
    "/projects",
    summary="Your organisation's charity projects",
    tag="projects",
    response=ProjectSchema,
    many=True,
    query=PageQuery,
)
def list_own_projects(args):
    return select(Project).order_by(Project.starts_on.desc(), Project.id.desc())


@endpoint(
    "/projects",
    "POST",
    summary="Post a charity project (charities only)",
    tag="projects",
    body=ProjectInputSchema,
    response=ProjectDetailSchema,
    status=201,
    errors=(403,),
)
def create_project(data):
    return _with_services(pool.create_project(current_user.tenant, data))


@endpoint(
    "/projects/<int:project_id>",
    "PATCH",
    summary="Change your project",
    tag="projects",
    body=ProjectChangeSchema,
    response=ProjectDetailSchema,
    load={"project_id": Project},
)
def update_project(project, data):
    return _with_services(pool.update_project(current_user.tenant, project, data))


@endpoint(
    "/projects/<int:project_id>/status",
    "PUT",
    summary="Start, complete or cancel your project",
    tag="projects",
    body=ProjectStatusSchema,
    response=ProjectDetailSchema,
    load={"project_id": Project},
)
def set_project_status(project, data):
    return _with_services(pool.set_project_status(project, ProjectStatus(data["status"])))


@endpoint(
    "/pool/projects",
    summary="Charity projects of your pool",
    tag="pool",
    response=ProjectSchema,
    many=True,
    query=ProjectQuery,
)
def list_pool_projects(args):
    return pool.projects_visible_to(current_user.tenant, args.get("dimension"))


@endpoint(
    "/pool/projects/<int:project_id>",
    summary="One project of your pool, with its services and funding progress",
    tag="pool",
    response=ProjectDetailSchema,
    load={"project_id": PoolProject},
)
def get_pool_project(project):
    return _with_services(project)


# --- Open Referral HSDS 3.0 export ----------------------------------------------------------------


@endpoint(
    "/pool/export/hsds",
    summary="Your pool (or a provider's part) as an HSDS 3.0 JSON package: one array per table",
    tag="pool",
    query=ExportQuery,
    raw="application/json",
)
def export_hsds_json(args):
    return pool.hsds_export(current_user.tenant, args.get("provider"))


@endpoint(
    "/pool/export/hsds.zip",
    summary="The same as the HSDS tabular package: a zip of CSV files and datapackage.json",
    tag="pool",
    query=ExportQuery,
    raw="application/zip",
)
def export_hsds_csv(args):
    tables = pool.hsds_export(current_user.tenant, args.get("provider"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in hsds.csv_package(tables).items():
            archive.writestr(name, content)
    return Response(
        buffer.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": "attachment; filename=hsds.zip"},
    )


@endpoint(
    "/services/import",
    "POST",
    summary="Import HSDS 3.0 into your services: a service, a page, the JSON package "
    "(application/json) or the tabular package (application/zip); upsert by HSDS id",
    tag="services",
    response=ImportReportSchema,
    errors=(422,),
)
def import_hsds():
    documents = hsds_import.read(request.get_data(), request.mimetype)
    return hsds_import.import_services(current_user.tenant, documents)
