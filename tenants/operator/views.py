"""The platform operator's console: create, suspend and reactivate tenants."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _

from aidbridge.accounts import service
from aidbridge.accounts.models import Tenant, TenantStatus, TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.accounts.schemas import TenantCreateSchema
from aidbridge.areas.models import AreaLevel
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.tenancy import url_objects
from tenants.forms import ConfirmForm, area_choices
from tenants.home import render_home
from tenants.labels import TENANT_STATUS, TENANT_TYPE
from tenants.operator.forms import TenantCreateForm
from tenants.portal import (
    apply_service_error,
    flash_done,
    form_status,
    form_values,
    load_values,
    make_portal,
    posted_status,
    requires,
)

portal = make_portal("operator", {TenantType.operator}, "/operator")
JURISDICTION_LEVELS = (AreaLevel.province, AreaLevel.city, AreaLevel.district, AreaLevel.street)


@portal.get("/")
def home():
    return render_home("operator/home.html")


@portal.get("/tenants")
@requires(Permission.manage_tenants)
def tenants():
    return render_template(
        "operator/tenants.html",
        tenants=db.session.scalars(service.tenants_query()).all(),
        confirm=ConfirmForm(),
    )


def _tenant_form() -> TenantCreateForm:
    form = TenantCreateForm()
    form.type.choices = [
        (str(t), str(TENANT_TYPE[t]))
        for t in (TenantType.bureau, TenantType.charity, TenantType.agency)
    ]
    form.jurisdiction_code.choices = area_choices(JURISDICTION_LEVELS, show_code=True)
    return form


@portal.route("/tenants/new", methods=["GET", "POST"])
@requires(Permission.manage_tenants)
def new_tenant():
    form = _tenant_form()
    if form.validate_on_submit():
        schema = TenantCreateSchema()
        values = form_values(form, schema)
        values["admin"] = form_values(form, schema.fields["admin"].schema, prefix="admin_")
        data = load_values(form, schema, values)
        if data is not None:
            try:
                tenant, admin = service.create_tenant(data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(
                    _(
                        "Tenant %(name)s created; its administrator is %(user)s.",
                        name=tenant.name,
                        user=admin.username,
                    )
                )
                return redirect(url_for("operator.tenants"))
    return render_template("operator/tenant_form.html", form=form), form_status(form)


@portal.post("/tenants/<int:tenant_id>/status")
@url_objects(tenant_id=Tenant)
@requires(Permission.manage_tenants)
def set_status(tenant: Tenant):
    status = posted_status(TenantStatus)
    try:
        service.set_tenant_status(tenant, status)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("%(name)s is now %(status)s.", name=tenant.name, status=TENANT_STATUS[status]))
    return redirect(url_for("operator.tenants"))
