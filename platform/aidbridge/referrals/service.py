"""Reading referrals with what they name across tenants.

A referral is its bureau's row, and names a provider's service: loading the service
and the provider with it is a read across tenants, on purpose and only here (the
bureau's tenant scope would hide the service)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from aidbridge.extensions import db
from aidbridge.pool.models import Service
from aidbridge.referrals.models import Referral
from aidbridge.tenancy import current_tenant_id


def bureau_referrals():
    """The current bureau's referrals, each with its need, service and provider loaded."""
    return (
        select(Referral)
        .where(Referral.tenant_id == current_tenant_id())
        .options(
            joinedload(Referral.need),
            joinedload(Referral.service),
            joinedload(Referral.provider),
        )
        .execution_options(all_tenants=True)
    )


def service_names(service_ids) -> dict[int, str]:
    """The names of services by id (an explanation's alternatives name them by id)."""
    ids = sorted({i for i in service_ids if i > 0})
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Service.id, Service.name)
            .where(Service.id.in_(ids))
            .execution_options(all_tenants=True)
        ).all()
    )
