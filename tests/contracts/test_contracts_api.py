"""Purchase of services (ALL-PS-1): a bureau publishes its purchase list and signs a
contract with a provider of its pool; the provider records what it delivers, which draws
the contract down, never beyond its units or budget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.audit.models import AuditEvent
from aidbridge.contracts.models import Contract, Delivery
from aidbridge.extensions import db

from factories import make_service, make_tenant, make_user
from rosters import make_roster

# A contract running now, whatever day the suite runs: from four months ago for a year;
# deliveries a month ago (never in the future).
TODAY = date.today()
START, END = (TODAY - timedelta(days=120)).isoformat(), (TODAY + timedelta(days=245)).isoformat()
ON = (TODAY - timedelta(days=30)).isoformat()
LATER = (TODAY - timedelta(days=10)).isoformat()
BEFORE_START = (TODAY - timedelta(days=121)).isoformat()


@pytest.fixture
def api(api_en):
    return api_en


@pytest.fixture
def agency(db):
    return make_tenant(TenantType.agency, name="南通阳光社工事务所", jurisdiction="320600")


@pytest.fixture
def agency_api(as_user, agency):
    return as_user(make_user(agency, Role.caseworker))


def _item(api, code="JZ-01", price=5_000, **fields) -> dict:
    body = {
        "code": code,
        "name": "居家照护服务",
        "dimension": "care",
        "subcategory": "care.home_visit",
        "unit": "hour",
        "unit_price_fen": price,
        "quality": "持证护理员上门，每次不少于1小时",
        **fields,
    }
    created = api("POST", "/purchase-items", json=body)
    assert created.status_code == 201, created.json
    published = api(
        "PUT", f"/purchase-items/{created.json['id']}/status", json={"status": "published"}
    )
    assert published.status_code == 200, published.json
    return published.json


def _contract_body(agency, item, **fields) -> dict:
    return {
        "provider_id": agency.id,
        "number": "NTMZ-2026-001",
        "title": "2026年居家照护服务购买合同",
        "starts_on": START,
        "ends_on": END,
        "budget_fen": 100_000,
        "funding_source": "special_funds",
        "areas": ["320613"],
        "items": [{"purchase_item_id": item["id"], "units": 30}],
        **fields,
    }


def _contracts() -> int:
    return db.session.scalar(select(func.count(Contract.id)))


@pytest.fixture
def contract(api, agency):
    """An active contract: 30 hours at ¥50 = ¥1,500 bought, a ¥1,000 budget."""
    make_roster(agency, social_work=3, management=7)  # 30 %: NT21-SW-1 holds
    item = _item(api)
    created = api("POST", "/contracts", json=_contract_body(agency, item))
    assert created.status_code == 201, created.json
    active = api("PUT", f"/contracts/{created.json['id']}/status", json={"status": "active"})
    assert active.status_code == 200, active.json
    return active.json


def test_a_bureau_publishes_its_list_and_signs_a_contract(api, agency, agency_api, contract):
    assert contract["status"] == "active"
    assert contract["provider_name"] == "南通阳光社工事务所"
    item = contract["items"][0]
    assert (item["unit_price_fen"], item["units"], item["units_remaining"]) == (5_000, 30, 30)
    compliance = contract["provider_compliance"]
    assert (compliance["rule"], compliance["numerator"], compliance["denominator"]) == (
        "NT21-SW-1",
        3,
        10,
    )
    assert compliance["compliant"] is True
    # The provider reads it; every change is in the bureau's audit trail.
    mine = agency_api("GET", "/contracts").json["items"]
    assert [c["number"] for c in mine] == ["NTMZ-2026-001"]
    assert agency_api("GET", f"/contracts/{contract['id']}").json["budget_fen"] == 100_000
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"purchase_item.created", "contract.created", "contract.status_changed"} <= actions


def test_deliveries_draw_the_contract_down_exactly(api, agency_api, contract):
    url = f"/contracts/{contract['id']}/deliveries"
    item_id = contract["items"][0]["id"]
    first = agency_api(
        "POST", url, json={"contract_item_id": item_id, "units": 4, "delivered_on": ON}
    )
    assert first.status_code == 201, first.json
    assert first.json["amount_fen"] == 20_000
    after = api("GET", f"/contracts/{contract['id']}").json
    assert (after["spent_fen"], after["remaining_fen"]) == (20_000, 80_000)
    assert after["items"][0]["units_remaining"] == 26
    listed = api("GET", url).json["items"]
    assert [(d["units"], d["delivered_on"]) for d in listed] == [(4, ON)]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"units": 17}, "units", "more than the budget left on this contract"),  # ¥850 > ¥800
        ({"units": 0}, "units", "a number of units, more than 0"),
        ({"delivered_on": BEFORE_START}, "delivered_on", "outside the contract's period"),
        ({"delivered_on": "2099-01-01"}, "delivered_on", "cannot be in the future"),
        ({"contract_item_id": 999_999}, "contract_item_id", "not an item of this contract"),
    ],
)
def test_a_delivery_beyond_the_contract_is_refused_on_its_field(
    agency_api, contract, body, field, reason
):
    url = f"/contracts/{contract['id']}/deliveries"
    item_id = contract["items"][0]["id"]
    base = {"contract_item_id": item_id, "units": 4, "delivered_on": ON}
    assert agency_api("POST", url, json=base).status_code == 201
    refused = agency_api("POST", url, json={**base, **body})
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"] == {field: [reason]}
    assert db.session.scalar(select(func.count(Delivery.id))) == 1


def test_units_bind_before_the_budget(api, agency, agency_api):
    make_roster(agency, social_work=3, management=7)
    item = _item(api, price=1_000)
    body = _contract_body(agency, item, budget_fen=1_000_000)
    contract = api("POST", "/contracts", json=body).json
    api("PUT", f"/contracts/{contract['id']}/status", json={"status": "active"})
    url = f"/contracts/{contract['id']}/deliveries"
    line = {"contract_item_id": contract["items"][0]["id"], "delivered_on": ON}
    assert agency_api("POST", url, json={**line, "units": 30}).status_code == 201
    refused = agency_api("POST", url, json={**line, "units": 1})
    assert refused.json["errors"] == {"units": ["more than the units left on this item"]}


def test_only_an_active_contract_is_drawn_down(api, agency_api, contract):
    url = f"/contracts/{contract['id']}/deliveries"
    body = {"contract_item_id": contract["items"][0]["id"], "units": 1, "delivered_on": START}
    for status in ("suspended", "closed"):
        changed = api("PUT", f"/contracts/{contract['id']}/status", json={"status": status})
        assert changed.status_code == 200, changed.json
        refused = agency_api("POST", url, json=body)
        assert refused.status_code == 422
        assert refused.json["errors"] == {"status": ["only an active contract is drawn down"]}
    again = api("PUT", f"/contracts/{contract['id']}/status", json={"status": "active"})
    assert again.status_code == 422  # closed is closed
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_the_bureau_edits_the_provider_reads_and_records(api, agency_api, contract):
    url = f"/contracts/{contract['id']}"
    assert agency_api("PATCH", url, json={"title": "改"}).status_code == 403
    assert agency_api("PUT", f"{url}/status", json={"status": "closed"}).status_code == 403
    body = {"contract_item_id": contract["items"][0]["id"], "units": 1, "delivered_on": START}
    assert api("POST", f"{url}/deliveries", json=body).status_code == 403
    changed = api("PATCH", url, json={"title": "2026年居家照护（续）", "budget_fen": 120_000})
    assert changed.status_code == 200, changed.json
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contract.updated"))
    assert event.before == {"title": "2026年居家照护服务购买合同", "budget_fen": 100_000}
    assert event.after == {"title": "2026年居家照护（续）", "budget_fen": 120_000}


def test_a_third_tenant_does_not_see_the_contract(as_user, contract):
    other = as_user(make_user(make_tenant(TenantType.agency), Role.admin))
    assert other("GET", f"/contracts/{contract['id']}").status_code == 404
    assert other("GET", f"/contracts/{contract['id']}/deliveries").status_code == 404
    assert other("GET", "/contracts").json["items"] == []


def test_changes_keep_what_was_delivered(api, agency_api, contract):
    url = f"/contracts/{contract['id']}"
    item = contract["items"][0]
    body = {"contract_item_id": item["id"], "units": 10, "delivered_on": LATER}
    assert agency_api("POST", f"{url}/deliveries", json=body).status_code == 201
    for change, field in [
        ({"budget_fen": 49_999}, "budget_fen"),
        ({"ends_on": ON}, "ends_on"),
        ({"items": [{"purchase_item_id": item["purchase_item_id"], "units": 9}]}, "items.0.units"),
    ]:
        refused = api("PATCH", url, json=change)
        assert refused.status_code == 422, (change, refused.json)
        assert list(refused.json["errors"]) == [field]
    assert api("GET", url).json["budget_fen"] == 100_000


def test_bad_contracts_are_refused_on_their_fields(api, agency):
    item = _item(api)
    draft = api("POST", "/purchase-items", json={**_item_body(), "code": "JZ-02"}).json
    charity_elsewhere = make_tenant(
        TenantType.charity, jurisdiction="360202", policy_pack="changjiang"
    )
    cases = [
        ({"ends_on": BEFORE_START}, "ends_on"),
        ({"budget_fen": 0}, "budget_fen"),
        ({"items": [{"purchase_item_id": item["id"], "units": 0}]}, "items.0.units"),
        ({"items": [{"purchase_item_id": draft["id"], "units": 3}]}, "items.0.purchase_item_id"),
        ({"provider_id": charity_elsewhere.id}, "provider_id"),
        ({"areas": ["360202"]}, "areas.0"),
    ]
    for change, field in cases:
        refused = api("POST", "/contracts", json=_contract_body(agency, item, **change))
        assert refused.status_code == 422, (change, refused.json)
        assert field in refused.json["errors"], (change, refused.json)
    assert api("POST", "/contracts", json=_contract_body(agency, item)).status_code == 201
    twice = api("POST", "/contracts", json=_contract_body(agency, item))
    assert twice.status_code == 409
    assert list(twice.json["errors"]) == ["number"]
    assert _contracts() == 1


def _item_body() -> dict:
    return {
        "code": "JZ-01",
        "name": "居家照护服务",
        "dimension": "care",
        "unit": "hour",
        "unit_price_fen": 5_000,
    }


def test_a_bad_purchase_item_is_refused_on_its_field(api):
    assert api("POST", "/purchase-items", json=_item_body()).status_code == 201
    cases = [
        ({"code": "X", "unit_price_fen": 0}, "unit_price_fen"),
        ({"code": "X", "subcategory": "education.tutoring"}, "subcategory"),
        ({"code": "X", "unit": "bushel"}, "unit"),
        ({}, "code"),  # taken: a 409
    ]
    for change, field in cases:
        refused = api("POST", "/purchase-items", json={**_item_body(), **change})
        assert refused.status_code in (409, 422), refused.json
        assert list(refused.json["errors"]) == [field], refused.json


def test_a_non_compliant_provider_is_blocked_under_nantong(api, agency):
    make_roster(agency, social_work=2, management=8)  # 20 % < 30 %
    item = _item(api)
    contract = api("POST", "/contracts", json=_contract_body(agency, item)).json
    assert contract["provider_compliance"]["compliant"] is False
    assert contract["provider_compliance"]["posts_needed"] == 2
    refused = api("PUT", f"/contracts/{contract['id']}/status", json={"status": "active"})
    assert refused.status_code == 422
    reasons = refused.json["errors"]["provider_id"]
    assert reasons[0] == "the provider does not meet the social-work post requirement"
    assert "NT21-SW-1" in reasons[1]
    assert api("GET", f"/contracts/{contract['id']}").json["status"] == "draft"


def test_a_contract_funds_a_service_only_inside_its_areas_and_needs(
    api, agency, agency_api, contract
):
    inside = make_service(agency, areas=["320613"], dimension="care", subcategory="care.home_visit")
    outside = make_service(
        agency, areas=["320612"], dimension="care", subcategory="care.home_visit"
    )
    other_need = make_service(agency, areas=["320613"], dimension="legal", subcategory=None)
    url = "/services/{}/contract"
    linked = agency_api("PUT", url.format(inside.id), json={"contract_id": contract["id"]})
    assert linked.status_code == 200, linked.json
    assert (linked.json["contract_id"], linked.json["funding"]) == (
        contract["id"],
        "government_purchased",
    )
    refused = agency_api("PUT", url.format(outside.id), json={"contract_id": contract["id"]})
    assert list(refused.json["errors"]) == ["areas"]
    refused = agency_api("PUT", url.format(other_need.id), json={"contract_id": contract["id"]})
    assert list(refused.json["errors"]) == ["contract_id"]


def test_lowering_the_budget_below_what_was_spent_is_refused_on_the_field(
    api, agency_api, contract
):
    url = f"/contracts/{contract['id']}"
    body = {"contract_item_id": contract["items"][0]["id"], "units": 10, "delivered_on": ON}
    assert agency_api("POST", f"{url}/deliveries", json=body).status_code == 201
    # As the contract page sends it: every field, areas and items included.
    refused = api("PATCH", url, json={"budget_fen": 49_999, "areas": ["320613"]})
    assert refused.status_code == 422, refused.json
    assert list(refused.json["errors"]) == ["budget_fen"]
    closed = api("PUT", f"{url}/status", json={"status": "closed"})
    assert closed.status_code == 200
    again = api("PUT", f"{url}/status", json={"status": "active"})
    assert again.json["errors"] == {"status": ["this change of status is not allowed"]}


def test_an_area_named_twice_is_covered_once_and_a_provider_change_is_audited(api, agency):
    item = _item(api)
    body = _contract_body(agency, item, areas=["320613", "320613"])
    created = api("POST", "/contracts", json=body)
    assert created.status_code == 201, created.json
    assert created.json["areas"] == ["320613"]
    other = make_tenant(TenantType.charity, name="南通慈善总会")
    changed = api("PATCH", f"/contracts/{created.json['id']}", json={"provider_id": other.id})
    assert changed.json["provider_name"] == "南通慈善总会"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contract.updated"))
    assert (event.before, event.after) == ({"provider_id": agency.id}, {"provider_id": other.id})


def test_a_funded_service_stays_inside_its_contract(api, agency, agency_api, contract):
    service = make_service(
        agency, areas=["320613"], dimension="care", subcategory="care.home_visit"
    )
    url = f"/services/{service.id}/contract"
    assert agency_api("PUT", url, json={"contract_id": contract["id"]}).status_code == 200
    moved = agency_api("PATCH", f"/services/{service.id}", json={"areas": ["320612"]})
    assert moved.status_code == 422, moved.json
    assert list(moved.json["errors"]) == ["areas"]
    shrunk = api("PATCH", f"/contracts/{contract['id']}", json={"areas": ["320612"]})
    assert shrunk.status_code == 422, shrunk.json
    assert list(shrunk.json["errors"]) == ["areas"]
