"""Demo data: loads through the services, twice without change, and can sign in."""

from sqlalchemy import func, select

from aidbridge.accounts.models import Tenant, TenantType, User
from aidbridge.demo import (
    DEMO_HOUSEHOLDS,
    DEMO_PASSWORD,
    DEMO_TENANTS,
    load_demo,
    load_demo_cases,
    load_demo_pool,
)


def test_demo_loads_once_and_its_accounts_sign_in(app, client, db):
    with app.test_request_context():
        load_demo()
        load_demo()
        assert load_demo_pool() == 5
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
