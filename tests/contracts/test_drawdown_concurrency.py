"""Deliveries recorded at the same moment by several workers (PostgreSQL, real
transactions) never draw a contract beyond its budget or units: each locks the contract,
reads its totals afresh, and those that would overspend are refused on units."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select

from aidbridge.accounts.models import Tenant, TenantType, User
from aidbridge.contracts import service
from aidbridge.contracts.models import (
    Contract,
    ContractArea,
    ContractItem,
    ContractStatus,
    Delivery,
    FundingSource,
    PurchaseItem,
    ServiceUnit,
)
from aidbridge.extensions import db
from aidbridge.tenancy import all_tenants, tenant_context
from aidbridge.vocab import NeedDimension

from concurrency import DONE, at_once, suspend_tenants
from conftest import TEST_DATABASE_URL
from factories import make_tenant, make_user

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL"),
    pytest.mark.commits,
]
# This test commits for real (the writers must see each other's rows) and deletes the
# contract it wrote; the tenants and audit entries stay (audit entries are final), the
# agency suspended so that no other test finds it among a pool's providers.

AGENCY = "并发社工中心"
WORKERS = 6
PRICE, UNITS_EACH = 5_000, 3  # each delivery: 3 hours at ¥50 = ¥150


def _active_contract(app, budget_fen: int, units: int) -> tuple[int, int, int, list[int]]:
    """An active contract of a new bureau with an agency, and the agency's workers.
    Written directly: what is under test is the drawdown, not the signing."""
    with app.app_context():
        bureau = make_tenant(TenantType.bureau, name="并发购买局")
        agency = make_tenant(TenantType.agency, name=AGENCY)
        workers = [make_user(agency, "caseworker").id for _ in range(WORKERS)]
        with tenant_context(bureau.id):
            item = PurchaseItem(
                code="BF-1",
                name="居家照护",
                dimension=NeedDimension.care,
                unit=ServiceUnit.hour,
                unit_price_fen=PRICE,
            )
            contract = Contract(
                provider_id=agency.id,
                number="BF-2026-1",
                title="并发测试合同",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                budget_fen=budget_fen,
                funding_source=FundingSource.special_funds,
                status=ContractStatus.active,
                areas=[ContractArea(area_code="320613")],
                items=[ContractItem(purchase_item=item, unit_price_fen=PRICE, units=units)],
            )
            db.session.add(contract)
            db.session.commit()
            ids = bureau.id, contract.id, contract.items[0].id
        db.session.remove()
    return (*ids, workers)


def _deliver(agency_user_id: int, contract_id: int, item_id: int):
    def call(ready) -> None:
        with all_tenants():
            user = db.session.get(User, agency_user_id)
            tenant = db.session.get(Tenant, user.tenant_id)
        with tenant_context(user.tenant_id):
            contract = service.find_for_provider(tenant, contract_id)
        with tenant_context(contract.tenant_id):
            data = {
                "contract_item_id": item_id,
                "units": UNITS_EACH,
                "delivered_on": date(2026, 3, 2),
            }
            ready()
            service.record_delivery(contract, data, user)

    return call


def _totals_then_clean_up(app, bureau_id: int, contract_id: int) -> tuple[int, int, int]:
    with app.app_context(), tenant_context(bureau_id):
        spent = db.session.scalar(select(Contract.spent_fen).where(Contract.id == contract_id))
        delivered = db.session.scalar(select(ContractItem.units_delivered))
        summed = db.session.scalar(
            select(func.coalesce(func.sum(Delivery.amount_fen), 0)).where(
                Delivery.contract_id == contract_id
            )
        )
        db.session.execute(delete(Delivery).where(Delivery.contract_id == contract_id))
        db.session.execute(delete(ContractItem).where(ContractItem.contract_id == contract_id))
        db.session.execute(delete(ContractArea).where(ContractArea.contract_id == contract_id))
        db.session.execute(delete(Contract).where(Contract.id == contract_id))
        db.session.execute(delete(PurchaseItem).where(PurchaseItem.tenant_id == bureau_id))
        db.session.commit()
    suspend_tenants(app, AGENCY)
    return spent, delivered, summed


@pytest.mark.parametrize(
    ("budget_fen", "units", "field_reason"),
    [
        # The budget binds: ¥500 buys three deliveries of ¥150, not four.
        (50_000, 100, "more than the budget left on this contract"),
        # The units bind: 10 hours are three deliveries of 3, not four.
        (1_000_000, 10, "more than the units left on this item"),
    ],
)
def test_concurrent_deliveries_never_overspend(app, budget_fen, units, field_reason):
    bureau_id, contract_id, item_id, workers = _active_contract(app, budget_fen, units)
    try:
        outcomes = at_once(app, *(_deliver(w, contract_id, item_id) for w in workers))
    finally:
        spent, delivered, summed = _totals_then_clean_up(app, bureau_id, contract_id)
    assert outcomes.count(DONE) == 3, outcomes
    refused = [o for o in outcomes if o != DONE]
    assert all(o == {"units": [field_reason]} for o in refused), refused
    assert spent == summed == 3 * UNITS_EACH * PRICE
    assert delivered == 3 * UNITS_EACH
