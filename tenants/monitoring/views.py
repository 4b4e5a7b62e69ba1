"""The monitoring dashboard: the referral funnel of a period with its rates and times,
declines and outcomes as bar charts (SVG drawn on the server, numbers beside them), the
contracts' drawdown and burn, and the unmet needs. Thin: the measures are the core's."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.clock import local_today
from aidbridge.contracts import service as contracts
from aidbridge.contracts.models import ContractStatus
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.households.service import reviews_by_street
from aidbridge.monitoring import service
from aidbridge.monitoring.schemas import MeasureQuery
from aidbridge.referrals.models import CaseOutcome, DeclineReason, ReferralStatus
from aidbridge.vocab import NeedDimension
from tenants.labels import CASE_OUTCOME, DECLINE_REASON, REFERRAL_STATUS
from tenants.portal import make_portal, query_filters, requires

portal = make_portal(
    "monitoring", {TenantType.bureau, TenantType.charity, TenantType.agency}, "/monitoring", False
)


@portal.before_request
@requires(Permission.read_monitoring)
def _readers_only():
    """Those who read the measures of purchased services."""


@portal.get("/")
def index():
    today = local_today()
    args, errors = query_filters(MeasureQuery())
    try:
        filters = service.filters_of(args, today)
    except ServiceError as error:
        errors, filters = error.errors, service.filters_of({}, today)
    viewer = current_user.tenant
    active = db.session.scalars(contracts.contracts_query(viewer, ContractStatus.active)).all()
    funnel = service.referral_measures(viewer, filters)
    bureau = viewer.type is TenantType.bureau
    return render_template(
        "monitoring/index.html",
        filters=filters,
        errors=errors,
        args=request.args,
        funnel=funnel,
        charts=_charts(funnel),
        contracts=[(c, service.contract_measures(c, today)) for c in active],
        unmet=service.unmet_needs(viewer, filters, today) if bureau else None,
        staffing=service.staffing(viewer, today),
        reviews=reviews_by_street(today) if bureau else None,
        dimensions=list(NeedDimension),
    ), 422 if errors else 200


def _charts(funnel: dict) -> dict[str, list[tuple[str, int]]]:
    """The bar charts' rows: (label in the reader's language, number)."""
    return {
        "status": [
            (str(REFERRAL_STATUS[s]), funnel["by_status"][str(s)])
            for s in ReferralStatus
            if s is not ReferralStatus.proposed
        ],
        "declines": [
            (str(DECLINE_REASON[r]), funnel["declined_by_reason"][str(r)]) for r in DeclineReason
        ],
        "outcomes": [(str(CASE_OUTCOME[o]), funnel["outcomes"][str(o)]) for o in CaseOutcome],
    }
