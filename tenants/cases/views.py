"""An agency's cases: the households bureaus have opened to it for the assessment."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.clock import local_today
from aidbridge.households import cases, service
from aidbridge.households.api import CASE
from aidbridge.households.models import Household
from aidbridge.needs import service as needs
from aidbridge.pagination import page_of
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import url_objects
from tenants.households.assessments import add_assessment_pages
from tenants.portal import make_portal, query_filters, requires

portal = make_portal("cases", {TenantType.agency}, "/cases", home=False)
PAGE_SIZE = 25


@portal.before_request
@requires(Permission.read_households)
def _case_workers_only():
    """Monitors of an agency read its own work, not the bureaus' households."""


@portal.get("/")
def index():
    filters, _errors = query_filters(PageQuery())  # a bad page number shows the first
    page = filters.get("page", 1)
    grants, total = page_of(cases.open_cases_query(current_user.tenant), page, PAGE_SIZE)
    return render_template(
        "cases/index.html", grants=grants, total=total, page=page, page_size=PAGE_SIZE
    )


@portal.get("/<int:household_id>")
@url_objects(**CASE)
def show(household: Household):
    return render_template(
        "cases/show.html",
        household=household,
        grant=cases.open_grant(household, current_user.tenant),
        decision=service.latest_decision(household),
        latest_assessment=needs.latest_assessment(household),
        open_needs=needs.open_needs_of(household),
        today=local_today(),
    )


add_assessment_pages(portal)
