"""Contracts in the pages: a bureau publishes its purchase list and signs a contract; the
provider reads it and records a delivery, which draws it down."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.contracts.models import Contract, ContractStatus, PurchaseItem
from aidbridge.extensions import db

from factories import make_service, make_tenant, make_user, sign_in
from page_forms import form_values
from rosters import make_roster

# A contract running now, whatever day the suite runs; a delivery a month ago.
TODAY = date.today()
START, END = (TODAY - timedelta(days=120)).isoformat(), (TODAY + timedelta(days=245)).isoformat()
ON = (TODAY - timedelta(days=30)).isoformat()


@pytest.fixture
def agency(db):
    return make_tenant(TenantType.agency, name="南通阳光社工事务所")


def _publish_item(client) -> PurchaseItem:
    values = form_values(client.get("/contracts/purchase-list").get_data(as_text=True), "item-form")
    values.update(
        code="JZ-01", name="居家照护服务", dimension="care", subcategory="care.home_visit",
        unit="hour", unit_price="50.00", quality="持证护理员上门",
    )  # fmt: skip
    response = client.post("/contracts/purchase-list", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(select(PurchaseItem))
    assert (item.unit_price_fen, item.status) == (5_000, "draft")
    published = client.post(
        f"/contracts/purchase-list/{item.id}/status", data={"status": "published"}
    )
    assert published.status_code == 302
    return item


def _contract_values(client, agency, item, **changes) -> dict:
    values = form_values(client.get("/contracts/new").get_data(as_text=True), "contract-form")
    values.update(
        provider_id=str(agency.id), number="NTMZ-2026-001", title="居家照护服务购买合同",
        starts_on=START, ends_on=END, budget="1,000.00",
        funding_source="welfare_lottery", areas="320613",
        items_1_purchase_item_id=str(item.id), items_1_units="30",
    )  # fmt: skip
    values.update(changes)
    return values


def test_a_bureau_signs_a_contract_and_the_provider_draws_it_down(client, worker, agency):
    make_roster(agency, social_work=3, management=7)
    item = _publish_item(client)
    page = client.get("/contracts/purchase-list").get_data(as_text=True)
    assert "居家照护服务" in page and "¥50.00" in page

    response = client.post("/contracts/new", data=_contract_values(client, agency, item))
    assert response.status_code == 302, response.get_data(as_text=True)
    contract = db.session.scalar(select(Contract))
    assert (contract.budget_fen, contract.items[0].units) == (100_000, 30)
    assert contract.funding_source == "welfare_lottery"
    activated = client.post(f"/contracts/{contract.id}/status", data={"status": "active"})
    assert activated.status_code == 302
    db.session.refresh(contract)
    assert contract.status == ContractStatus.active

    sign_in(client, make_user(agency, Role.caseworker))
    listed = client.get("/contracts/").get_data(as_text=True)
    assert "NTMZ-2026-001" in listed
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    values = form_values(page, "delivery-form")
    values.update(units="4", delivered_on=ON, note="张大爷 上门4小时")
    recorded = client.post(f"/contracts/{contract.id}/deliveries", data=values)
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    drawdown = page[page.index('id="drawdown"') :]
    assert "¥200.00" in drawdown and "¥800.00" in drawdown
    assert "张大爷 上门4小时" in page
    # The provider reads; it does not change the contract.
    assert client.get(f"/contracts/{contract.id}/edit").status_code == 403


def test_bad_contract_input_is_shown_on_its_field(client, worker, agency):
    item = _publish_item(client)
    values = _contract_values(client, agency, item, budget="一千元", items_1_units="0")
    response = client.post("/contracts/new", data=values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-field="budget"' in page
    values = _contract_values(client, agency, item, items_1_units="0")
    page = client.post("/contracts/new", data=values).get_data(as_text=True)
    assert 'data-field="items_1_units"' in page
    assert db.session.scalar(select(Contract)) is None


def test_a_provider_below_the_post_share_is_flagged_and_not_activated(client, worker, agency):
    make_roster(agency, social_work=2, management=8)
    item = _publish_item(client)
    client.post("/contracts/new", data=_contract_values(client, agency, item))
    contract = db.session.scalar(select(Contract))
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    warning = page[page.index('id="staffing-warning"') :]
    assert "NT21-SW-1" in warning
    refused = client.post(
        f"/contracts/{contract.id}/status", data={"status": "active"}, follow_redirects=True
    )
    assert "NT21-SW-1" in refused.get_data(as_text=True)
    db.session.refresh(contract)
    assert contract.status == ContractStatus.draft


def test_a_funding_choice_that_is_not_a_number_is_refused_not_a_crash(client, agency):
    service = make_service(agency)
    sign_in(client, make_user(agency, Role.caseworker))
    refused = client.post(f"/provider/services/{service.id}/contract", data={"contract_id": "²"})
    assert refused.status_code == 302
    db.session.refresh(service)
    assert service.contract_id is None
