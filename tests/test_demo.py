"""Demo data: loads through the services, twice without change, and can sign in."""

from datetime import timedelta

from sqlalchemy import func, select

from aidbridge.accounts.models import Tenant, TenantType, User
from aidbridge.clock import local_today, utcnow
from aidbridge.contracts.models import Contract
from aidbridge.demo import (
    DEMO_HOUSEHOLDS,
    DEMO_PASSWORD,
    DEMO_TENANTS,
    load_demo,
    load_demo_cases,
    load_demo_pool,
)
from aidbridge.notifications.models import Notification
from aidbridge.referrals import service as referrals
from aidbridge.tenancy import tenant_context


def test_demo_loads_once_and_its_accounts_sign_in(app, client, db):
    with app.test_request_context():
        load_demo()
        load_demo()
        assert load_demo_pool() == 6
        assert load_demo_pool() == 0
    # Counted among the demo's own tenants: other tests on PostgreSQL may have committed theirs.
    demo = Tenant.credit_code.in_([code for _type, _name, code, *_rest in DEMO_TENANTS])
    assert db.session.scalar(select(func.count(Tenant.id)).where(demo)) == len(DEMO_TENANTS)
    expected = sum(len(users) for *_rest, users in DEMO_TENANTS)
    users = select(func.count(User.id)).join(User.tenant).where(demo)
    assert db.session.scalar(users) == expected
    types = set(db.session.scalars(select(Tenant.type).where(demo)))
    assert types == set(TenantType)
    response = client.post("/sign-in", data={"username": "bureau.admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "南通市民政局" in client.get("/bureau/").text
    found = client.get("/pool/?q=心理疏导").text
    assert "困难家庭心理疏导" in found


def test_a_demo_bureau_matches_its_households_and_learns_why_some_are_not(app, db, as_user):
    with app.test_request_context():
        load_demo()
        load_demo_pool()
        assert load_demo_cases() == len(DEMO_HOUSEHOLDS)
        assert load_demo_cases() == 0
    caseworker = db.session.scalar(select(User).where(User.username == "bureau.caseworker"))
    api = as_user(caseworker)
    started = api("POST", "/matching/runs", json={"area_code": "320613"})
    assert started.status_code == 202, started.json
    assert started.json["status"] == "succeeded", started.json
    run = started.json["id"]
    matches = api("GET", f"/matching/runs/{run}/matches?per_page=100").json["items"]
    served = {(m["dimension"], m["service_name"]) for m in matches}
    # The home visits of the two elderly dibao households, funded by the contract.
    assert ("care", "高龄独居老人上门访视") in served
    funded = [m for m in matches if m["service_name"] == "高龄独居老人上门访视"]
    assert len(funded) == 2 and all(m["contract_id"] for m in funded)
    assert {
        ("psychological", "困难家庭心理疏导"),
        ("employment", "失业人员技能培训与岗位推荐"),
    } <= served
    assert ("education", "困境儿童学业辅导") in served  # the dibao household's child
    assert ("education", "儿童亲情陪伴") in served
    assert all(m["explanation"]["rules"] and "alternatives" in m["explanation"] for m in matches)
    unmatched = api("GET", f"/matching/runs/{run}/unmatched?per_page=100").json["items"]
    reasons = sorted((u["dimension"], u["reason"]) for u in unmatched)
    assert reasons == [
        ("care", "no_service"),  # 新城桥街道 is outside the home visits' streets
        ("education", "category"),  # tutoring is for dibao and low-income households
        ("legal", "no_service"),  # nobody offers legal aid
        ("psychological", "consent"),  # the household did not consent to share
    ]


def test_the_demo_walks_referrals_through_a_visit_a_decline_and_an_expiry(app, db, as_user):
    """Issue 7's walk on the demo data: a run's matches are offered; the agency's social
    worker accepts the home visits, records two visits that draw the contract down and
    closes the case; the counselling offer is declined and goes to the other provider;
    the training offer is left alone, expires and the bureau hears of it."""
    with app.test_request_context():
        load_demo()
        load_demo_pool()
        load_demo_cases()
    users = {u.username: u for u in db.session.scalars(select(User))}
    bureau_api = as_user(users["bureau.caseworker"])
    started = bureau_api("POST", "/matching/runs", json={"area_code": "320613"}).json
    offered = bureau_api("POST", f"/matching/runs/{started['id']}/offer").json
    assert offered["offered"] >= 5 and offered["left"] == []

    worker = users["agency.worker"]
    agency_api = as_user(worker)
    inbox = agency_api("GET", "/referrals?status=offered").json["items"]
    visits = next(r for r in inbox if r["service"]["name"] == "高龄独居老人上门访视")
    url = f"/referrals/{visits['id']}"
    assert agency_api("POST", f"{url}/accept", json={"worker_id": worker.id}).status_code == 200
    for minutes in (60, 45):
        record = {"kind": "visit", "served_on": local_today().isoformat(), "minutes": minutes,
                  "worker_id": worker.id}  # fmt: skip
        assert agency_api("POST", f"{url}/records", json=record).status_code == 201
    contract = db.session.get(Contract, visits["contract_id"])
    db.session.refresh(contract)
    assert contract.spent_fen == 2 * contract.items[0].unit_price_fen
    assert contract.items[0].units_delivered == 2
    closing = {"status": "completed", "outcome": "resolved", "satisfaction": 5, "severity": "mild"}
    assert agency_api("POST", f"{url}/close", json=closing).json["status"] == "completed"

    # The counselling need is declined by whoever was offered it, and goes to the other.
    counselling = next(
        r
        for r in bureau_api("GET", "/referrals?status=offered&dimension=psychological").json[
            "items"
        ]
    )
    first = counselling["provider"]["name"]
    decliner = users["agency.worker" if first.startswith("崇川区") else "charity.worker"]
    declined = as_user(decliner)(
        "POST", f"/referrals/{counselling['id']}/decline", json={"reason": "no_capacity"}
    )
    assert declined.status_code == 200, declined.json
    again = bureau_api("GET", "/referrals?status=offered&dimension=psychological").json["items"]
    assert [r["provider"]["name"] for r in again] != [first] and again

    # The training offer is left alone: past its time it expires, the bureau is told.
    training = next(
        r for r in bureau_api("GET", "/referrals?status=offered&dimension=employment").json["items"]
    )
    with app.test_request_context(), tenant_context(training["bureau"]["id"]):
        referrals.expire_offers(utcnow() + timedelta(days=10))
    seen = bureau_api("GET", f"/referrals/{training['id']}").json
    assert seen["status"] == "expired" and seen["events"][-1]["by_name"] == ""
    told = {n.kind for n in db.session.scalars(select(Notification).where(
        Notification.user_id == users["bureau.caseworker"].id))}  # fmt: skip
    assert {"referral_accepted", "referral_declined", "referral_closed", "referral_expired"} <= told
    statuses = {r["status"] for r in bureau_api("GET", "/referrals?per_page=100").json["items"]}
    assert {"completed", "declined", "expired"} <= statuses
