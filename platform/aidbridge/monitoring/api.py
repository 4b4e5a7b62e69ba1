"""API routes: the monitoring measures of purchased services, for a bureau and for a
provider (its own contracts and referrals)."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.clock import local_today
from aidbridge.contracts.api import CONTRACT
from aidbridge.monitoring import service
from aidbridge.monitoring.schemas import (
    ContractMeasuresSchema,
    MeasureQuery,
    ReferralMeasuresSchema,
    UnmetNeedsSchema,
)

TAG = "monitoring"


@endpoint(
    "/monitoring/referrals",
    summary="The referral funnel of a period (default: this month): offered, accepted, "
    "declined by reason, expired, revoked; acceptance, completion and loop-closure rates; "
    "median and 90th-percentile times to accept and to first service; outcomes, "
    "satisfaction, severity change, re-referrals",
    tag=TAG,
    query=MeasureQuery,
    response=ReferralMeasuresSchema,
    permission=Permission.read_monitoring,
)
def referral_measures(args):
    filters = service.filters_of(args, local_today())
    return {
        "since": filters.since,
        "until": filters.until,
        **service.referral_measures(current_user.tenant, filters),
    }


@endpoint(
    "/contracts/<int:contract_id>/measures",
    summary="A contract's drawdown: units delivered against contracted, budget spent "
    "against the total, the burn rate against the time elapsed, targets against actuals",
    tag=TAG,
    response=ContractMeasuresSchema,
    permission=Permission.read_monitoring,
    load=CONTRACT,
)
def contract_measures(contract):
    return service.contract_measures(contract, local_today())


@endpoint(
    "/monitoring/unmet-needs",
    summary="Open needs no referral serves, by street, need dimension and urgency: how "
    "many, how long open, and why the latest matching run could not serve them (a "
    "bureau's; a provider has none)",
    tag=TAG,
    query=MeasureQuery,
    response=UnmetNeedsSchema,
    permission=Permission.read_monitoring,
)
def unmet_needs(args):
    today = local_today()
    viewer = current_user.tenant
    if viewer.type is not TenantType.bureau:
        return {"items": []}
    return {"items": service.unmet_needs(viewer, service.filters_of(args, today), today)}
