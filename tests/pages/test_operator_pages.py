"""The platform operator creates and suspends tenants."""

from sqlalchemy import select

from aidbridge.accounts.credit_code import check_character
from aidbridge.accounts.models import Tenant, TenantStatus, TenantType

from factories import make_tenant, make_user, sign_in

CODE = "53320600509000077" + check_character("53320600509000077")
FORM = {
    "type": "charity",
    "name": "南通市红十字会",
    "credit_code": CODE,
    "jurisdiction_code": "320600",
    "admin_username": "hsh.admin",
    "admin_full_name": "钱敏",
    "admin_email": "",
    "admin_password": "long-enough-pw",
}


def _operator(db):
    return make_user(make_tenant(TenantType.operator), "operator")


def test_operator_creates_a_tenant_with_its_admin(client, db):
    sign_in(client, _operator(db))
    assert client.post("/operator/tenants/new", data=FORM).status_code == 302
    tenant = db.session.scalars(select(Tenant).where(Tenant.credit_code == CODE)).one()
    assert tenant.type == TenantType.charity and tenant.policy_pack == "nantong"
    assert "南通市红十字会" in client.get("/operator/tenants").text


def test_bad_credit_code_is_named_on_the_form(client, db):
    sign_in(client, _operator(db))
    bad = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    response = client.post("/operator/tenants/new", data={**FORM, "credit_code": bad})
    assert response.status_code == 422
    assert 'data-field="credit_code"' in response.text
    assert db.session.scalars(select(Tenant).where(Tenant.credit_code == bad)).first() is None


def test_operator_suspends_and_reactivates(client, db):
    target = make_tenant()
    sign_in(client, _operator(db))
    assert (
        client.post(
            f"/operator/tenants/{target.id}/status", data={"status": "suspended"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert target.status == TenantStatus.suspended
    assert (
        client.post(f"/operator/tenants/{target.id}/status", data={"status": "bogus"}).status_code
        == 400
    )
