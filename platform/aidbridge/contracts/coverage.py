"""Whether a contract funds a service: it buys the service's need, in areas covering the
service's. Apart from the contracts' service so that the pool, which it imports, can
ask it when a provider changes a funded service."""

from __future__ import annotations

from sqlalchemy import select

from aidbridge.areas.models import Area
from aidbridge.contracts.models import Contract
from aidbridge.errors import InvalidInput
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.pool.models import Service


def check_funding(service: Service) -> None:
    """The contract funding ``service`` still buys its need in its areas (after the
    provider changed it): else the change is refused on the field that left."""
    contract = db.session.scalar(
        select(Contract)
        .where(Contract.id == service.contract_id)
        .execution_options(all_tenants=True)
    )
    if contract is None:
        return
    if not buys(contract, service):
        raise InvalidInput.field(
            "dimension", N_("the contract funding this service does not buy this need")
        )
    if not covers(contract, [a.area_code for a in service.areas]):
        raise InvalidInput.field("areas", N_("the service's areas must lie inside the contract's"))


def buys(contract: Contract, service: Service) -> bool:
    for line in contract.items:
        item = line.purchase_item
        if str(item.dimension) != service.dimension_code:
            continue
        if item.subcategory_code is None or item.subcategory_code == service.subcategory_code:
            return True
    return False


def covers(contract: Contract, codes: list[str]) -> bool:
    """Every area of ``codes`` lies inside one of the contract's (none: not covered)."""
    inside = _areas([c.area_code for c in contract.areas])
    areas = _areas(codes)
    return bool(areas) and all(any(i.contains(a) for i in inside) for a in areas)


def _areas(codes: list[str]) -> list[Area]:
    # By code: rows just set on a contract or service have no area loaded yet.
    return list(db.session.scalars(select(Area).where(Area.code.in_(codes))))
