"""A provider's own services and (for charities) projects: create, edit, publish, keep
capacity and verification current. Every tenant type provides services."""

from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from aidbridge.accounts.models import TenantType
from aidbridge.areas.models import AreaLevel
from aidbridge.contracts import service as contracts
from aidbridge.contracts.models import Contract, ContractStatus
from aidbridge.contracts.schemas import FundingInputSchema
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.i18n import translate
from aidbridge.money import fen_to_yuan, yuan_to_fen
from aidbridge.pool import hsds_import, taxonomy
from aidbridge.pool import service as pool
from aidbridge.pool.models import (
    CapacityPeriod,
    Funding,
    Project,
    ProjectStatus,
    Service,
    ServiceStatus,
)
from aidbridge.pool.schemas import (
    WEEKDAYS,
    CapacityUpdateSchema,
    ProjectInputSchema,
    ServiceInputSchema,
)
from aidbridge.tenancy import url_objects
from aidbridge.vocab import AssistanceCategory, DisabilityType, TargetGroup
from tenants.forms import ConfirmForm, area_choices, enum_choices
from tenants.labels import (
    CAPACITY_PERIOD,
    CATEGORY,
    DISABILITY_TYPE,
    FUNDING,
    TARGET_GROUP,
    WEEKDAY,
    term_label,
)
from tenants.portal import (
    apply_service_error,
    flash_done,
    form_status,
    load_values,
    make_portal,
    posted_status,
    put_errors,
    require_confirmed,
    typed_number,
)
from tenants.provider.forms import ImportForm, ProjectForm, ServiceForm

portal = make_portal("provider", None, "/provider")


# --- choices ---------------------------------------------------------------------------------


def _jurisdiction_areas(levels=(AreaLevel.district, AreaLevel.street, AreaLevel.community)):
    return area_choices(levels, inside=current_user.tenant.jurisdiction)


def _service_choices(form: ServiceForm) -> None:
    terms = taxonomy.all_terms()
    form.dimension.choices = [(t.code, term_label(t)) for t in terms if t.is_dimension]
    form.subcategory.choices = [
        ("", _("(none)")),
        *((t.code, f"{term_label(t.parent)} · {term_label(t)}") for t in terms if t.parent_code),
    ]
    form.target_groups.choices = enum_choices(TargetGroup, TARGET_GROUP)
    form.categories.choices = enum_choices(AssistanceCategory, CATEGORY)
    form.disability_types.choices = enum_choices(DisabilityType, DISABILITY_TYPE)
    form.areas.choices = _jurisdiction_areas()
    form.capacity_period.choices = enum_choices(CapacityPeriod, CAPACITY_PERIOD)
    form.funding.choices = enum_choices(Funding, FUNDING)
    projects = db.session.scalars(select(Project).order_by(Project.title))
    form.project_id.choices = [("", _("(none)")), *((str(p.id), p.title) for p in projects)]
    form.locations_0_area_code.choices = [
        ("", ""),
        *_jurisdiction_areas((AreaLevel.street, AreaLevel.community)),
    ]
    form.schedules_0_byday.choices = [(d, str(WEEKDAY[d])) for d in WEEKDAYS]


def _text(value) -> str | None:
    return value.isoformat(timespec="minutes") if isinstance(value, time) else value


def _service_payload(form: ServiceForm) -> dict:
    """The form as the nested document the API takes."""
    data = form.data
    payload = {
        name: data[name]
        for name in (
            "name",
            "description",
            "dimension",
            "target_groups",
            "categories",
            "min_age",
            "max_age",
            "requires_disability",
            "disability_types",
            "eligibility_notes",
            "areas",
            "funding",
        )
    }
    payload["subcategory"] = data["subcategory"] or None
    payload["project_id"] = int(data["project_id"]) if data["project_id"] else None
    payload["capacity"] = {
        "unit": data["capacity_unit"],
        "period": data["capacity_period"],
        "per_period": data["capacity_per_period"],
        "available": data["capacity_available"],
    }
    location = {
        k: data[f"locations_0_{k}"]
        for k in ("name", "area_code", "address", "latitude", "longitude")
    }
    payload["locations"] = [location] if location["name"] or location["address"] else []
    schedule = {
        k: _text(data[f"schedules_0_{k}"])
        for k in ("byday", "opens_at", "closes_at", "description")
    }
    has_schedule = schedule["byday"] or schedule["opens_at"] or schedule["description"]
    payload["schedules"] = (
        [{**schedule, "description": schedule["description"] or ""}] if has_schedule else []
    )
    return {k: v for k, v in payload.items() if v is not None or k in ("subcategory",)}


def _fill_service_form(form: ServiceForm, service: Service) -> None:
    form.process(obj=service)
    form.dimension.data = service.dimension_code
    form.subcategory.data = service.subcategory_code or ""
    for name in ("target_groups", "categories", "disability_types"):
        form[name].data = sorted(str(v) for v in getattr(service, name))
    form.areas.data = [a.area_code for a in service.areas]
    form.capacity_unit.data = service.capacity_unit
    form.capacity_period.data = str(service.capacity_period)
    form.capacity_per_period.data = service.capacity_per_period
    form.capacity_available.data = service.capacity_available
    form.funding.data = str(service.funding)
    form.project_id.data = str(service.project_id or "")
    if service.locations:
        loc = service.locations[0]
        for name in ("name", "area_code", "address", "latitude", "longitude"):
            form[f"locations_0_{name}"].data = getattr(loc, name)
    if service.schedules:
        sched = service.schedules[0]
        form.schedules_0_byday.data = [d for d in sched.byday.split(",") if d]
        form.schedules_0_opens_at.data = sched.opens_at
        form.schedules_0_closes_at.data = sched.closes_at
        form.schedules_0_description.data = sched.description


# --- services ----------------------------------------------------------------------------------


@portal.get("/services")
def services():
    own = pool.own_services()
    funding = contracts.contracts_query(current_user.tenant).where(
        Contract.status != ContractStatus.closed
    )
    return render_template(
        "provider/services.html",
        services=own,
        stale=pool.stale(own),
        confirm=ConfirmForm(),
        transitions=pool.TRANSITIONS,
        contracts=db.session.scalars(funding).all()
        if current_user.tenant.type != TenantType.bureau
        else [],
    )


@portal.post("/services/<int:service_id>/contract")
@url_objects(service_id=Service)
def fund_service(service: Service):
    """The contract that funds the service (or none): an inline form of the list."""
    require_confirmed()
    try:
        data = FundingInputSchema().load(
            {"contract_id": typed_number(request.form.get("contract_id"))}
        )
        contracts.fund_service(current_user.tenant, service, data["contract_id"])
    except ValidationError as exc:
        for reason in exc.messages.get("contract_id", []):
            flash(f"{service.name}: {translate(reason)}", "error")
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("%(name)s: funding saved.", name=service.name))
    return redirect(url_for("provider.services"))


def _save_service(form: ServiceForm, service: Service | None):
    """Validate the form with the API's schema and save; the response, or None."""
    data = load_values(form, ServiceInputSchema(), _service_payload(form))
    if data is None:
        return None
    try:
        if service is None:
            service = pool.create_service(current_user.tenant, data)
        else:
            pool.update_service(current_user.tenant, service, data)
    except ServiceError as error:
        apply_service_error(form, error)
        return None
    flash_done(_("Service %(name)s saved.", name=service.name))
    return redirect(url_for("provider.services"))


@portal.route("/services/new", methods=["GET", "POST"])
def new_service():
    form = ServiceForm()
    _service_choices(form)
    if request.method == "GET":
        form.capacity_period.data = str(CapacityPeriod.month)
        form.funding.data = str(Funding.own_funds)
    if form.validate_on_submit() and (done := _save_service(form, None)):
        return done
    return render_template("provider/service_form.html", form=form, service=None), form_status(form)


@portal.route("/services/<int:service_id>", methods=["GET", "POST"])
@url_objects(service_id=Service)
def edit_service(service: Service):
    form = ServiceForm()
    _service_choices(form)
    if request.method == "GET":
        _fill_service_form(form, service)
    if form.validate_on_submit() and (done := _save_service(form, service)):
        return done
    return render_template("provider/service_form.html", form=form, service=service), form_status(
        form
    )


@portal.route("/services/import", methods=["GET", "POST"])
def import_services():
    """Upload HSDS 3.0 (JSON, or the CSV package as a zip) and see what became of it."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read() if upload else b""
        try:
            documents = hsds_import.read(raw, upload.mimetype if upload else "")
            report = hsds_import.import_services(current_user.tenant, documents)
        except ServiceError as error:
            apply_service_error(form, error)
    return render_template("provider/import.html", form=form, report=report), form_status(form)


@portal.post("/services/<int:service_id>/status")
@url_objects(service_id=Service)
def set_service_status(service: Service):
    status = posted_status(ServiceStatus)
    try:
        pool.set_status(service, status, current_user)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    return redirect(url_for("provider.services"))


@portal.post("/services/<int:service_id>/capacity")
@url_objects(service_id=Service)
def update_capacity(service: Service):
    """An inline form of the list: the outcome is flashed there, one message a reason."""
    require_confirmed()
    raw = request.form.get("available", "")
    try:
        data = CapacityUpdateSchema().load({"available": raw} if raw else {})
        pool.update_capacity(service, data["available"], None)
    except ValidationError as exc:
        for reason in exc.messages.get("available", []):
            flash(f"{service.name}: {translate(reason)}", "error")
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("%(name)s: capacity updated.", name=service.name))
    return redirect(url_for("provider.services"))


@portal.post("/services/<int:service_id>/verification")
@url_objects(service_id=Service)
def verify_service(service: Service):
    require_confirmed()
    try:
        pool.verify(service, current_user)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("%(name)s confirmed accurate today.", name=service.name))
    return redirect(url_for("provider.services"))


# --- projects (charities) ------------------------------------------------------------------------


def _charity_only() -> None:
    if current_user.tenant.type != TenantType.charity:
        abort(404)


def _project_choices(form: ProjectForm) -> None:
    form.dimensions.choices = [(t.code, term_label(t)) for t in taxonomy.dimensions()]
    form.target_groups.choices = enum_choices(TargetGroup, TARGET_GROUP)
    form.areas.choices = _jurisdiction_areas()


def _project_payload(form: ProjectForm) -> dict:
    data = form.data
    payload = {k: data[k] for k in ("title", "aims", "dimensions", "target_groups", "areas")}
    for name in ("starts_on", "ends_on"):
        if data[name]:
            payload[name] = data[name].isoformat()
    for form_name, name in (
        ("funding_target_yuan", "funding_target_fen"),
        ("funds_raised_yuan", "funds_raised_fen"),
    ):
        if data[form_name] is not None:
            payload[name] = yuan_to_fen(data[form_name])
    return payload


def _save_project(form: ProjectForm, project: Project | None):
    try:
        data = ProjectInputSchema().load(_project_payload(form))
    except ValidationError as exc:
        renamed = {k.replace("_fen", "_yuan"): v for k, v in exc.messages.items()}
        put_errors(form, renamed)
        return None
    try:
        if project is None:
            project = pool.create_project(current_user.tenant, data)
        else:
            pool.update_project(current_user.tenant, project, data)
    except ServiceError as error:
        apply_service_error(form, error)
        return None
    flash_done(_("Project %(title)s saved.", title=project.title))
    return redirect(url_for("provider.projects"))


@portal.get("/projects")
def projects():
    _charity_only()
    return render_template(
        "provider/projects.html",
        projects=pool.own_projects(),
        confirm=ConfirmForm(),
        transitions=pool.PROJECT_TRANSITIONS,
    )


@portal.route("/projects/new", methods=["GET", "POST"])
def new_project():
    _charity_only()
    form = ProjectForm()
    _project_choices(form)
    if form.validate_on_submit() and (done := _save_project(form, None)):
        return done
    return render_template("provider/project_form.html", form=form, project=None), form_status(form)


@portal.route("/projects/<int:project_id>", methods=["GET", "POST"])
@url_objects(project_id=Project)
def edit_project(project: Project):
    form = ProjectForm()
    _project_choices(form)
    if request.method == "GET":
        form.process(obj=project)
        form.dimensions.data = [d.dimension_code for d in project.dimensions]
        form.target_groups.data = sorted(str(g) for g in project.target_groups)
        form.areas.data = [a.area_code for a in project.areas]
        form.funding_target_yuan.data = fen_to_yuan(project.funding_target_fen)
        form.funds_raised_yuan.data = fen_to_yuan(project.funds_raised_fen)
    if form.validate_on_submit() and (done := _save_project(form, project)):
        return done
    return render_template("provider/project_form.html", form=form, project=project), form_status(
        form
    )


@portal.post("/projects/<int:project_id>/status")
@url_objects(project_id=Project)
def set_project_status(project: Project):
    status = posted_status(ProjectStatus)
    try:
        pool.set_project_status(project, status)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    return redirect(url_for("provider.projects"))
