"""Demo data: loads through the services, twice without change, and can sign in."""

from sqlalchemy import func, select

from aidbridge.accounts.models import Tenant, TenantType, User
from aidbridge.demo import DEMO_PASSWORD, DEMO_TENANTS, load_demo, load_demo_pool


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
