"""The operator's tenant API: validated credit codes and areas, suspension takes effect."""

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.credit_code import check_character
from aidbridge.accounts.models import Tenant, TenantType, User
from aidbridge.audit.models import AuditEvent

from factories import bearer, make_tenant, make_token, make_user


def _code(body: str = "52320613MJD000099") -> str:
    return body + check_character(body)


@pytest.fixture
def operator_headers(db):
    return bearer(make_token(make_user(make_tenant(TenantType.operator), "operator")))


def _payload(**change):
    return {
        "type": "agency",
        "name": "崇川区阳光社工服务中心",
        "credit_code": _code(),
        "jurisdiction_code": "320613",
        "admin": {"username": "yg.admin", "full_name": "郑红", "password": "long-enough-pw"},
        **change,
    }


def test_operator_creates_an_agency_with_its_first_admin(client, db, operator_headers):
    response = client.post("/api/v1/tenants", json=_payload(), headers=operator_headers)
    assert response.status_code == 201
    body = response.json
    assert body["policy_pack"] == "nantong"  # inherited from Nantong city
    assert body["jurisdiction_name"] == "崇川区" and body["status"] == "active"
    admin = db.session.scalars(select(User).where(User.username == "yg.admin")).one()
    assert admin.tenant_id == body["id"] and {str(r) for r in admin.roles} == {"admin"}
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == body["id"]))
    )
    assert {"tenant.created", "user.created"} <= actions


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"credit_code": _code()[:-1] + "Y" if _code()[-1] != "Y" else "X"}, "credit_code", 422),
        ({"credit_code": "123"}, "credit_code", 422),
        ({"jurisdiction_code": "999999"}, "jurisdiction_code", 422),
        ({"jurisdiction_code": "32a"}, "jurisdiction_code", 422),
        ({"type": "operator"}, "type", 422),
        (
            {"admin": {"username": "yg.admin", "full_name": "郑红", "password": "x"}},
            "admin.password",
            422,
        ),
    ],
)
def test_bad_tenant_fields_are_named_and_nothing_is_written(
    client, db, operator_headers, change, field, status
):
    before = db.session.scalar(select(func.count(Tenant.id)))
    response = client.post("/api/v1/tenants", json=_payload(**change), headers=operator_headers)
    assert response.status_code == status, response.json
    assert field in response.json["errors"]
    assert db.session.scalar(select(func.count(Tenant.id))) == before


def test_duplicate_credit_code_and_admin_username(client, db, operator_headers):
    assert (
        client.post("/api/v1/tenants", json=_payload(), headers=operator_headers).status_code == 201
    )
    again = client.post("/api/v1/tenants", json=_payload(), headers=operator_headers)
    assert again.status_code == 409 and "credit_code" in again.json["errors"]
    other = client.post(
        "/api/v1/tenants",
        json=_payload(credit_code=_code("52320613MJD000098")),
        headers=operator_headers,
    )
    assert other.status_code == 409 and "admin.username" in other.json["errors"]
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "yg.admin")) == 1


def test_spaces_around_the_credit_code_are_trimmed(client, db, operator_headers):
    response = client.post(
        "/api/v1/tenants", json=_payload(credit_code=f"  {_code()} "), headers=operator_headers
    )
    assert response.status_code == 201, response.json
    assert response.json["credit_code"] == _code()


def test_suspension_stops_the_tenants_api_tokens(client, db, operator_headers):
    tenant = make_tenant()
    token = make_token(make_user(tenant))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    response = client.put(
        f"/api/v1/tenants/{tenant.id}/status",
        json={"status": "suspended"},
        headers=operator_headers,
    )
    assert response.status_code == 200 and response.json["status"] == "suspended"
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tenant.suspended")
    ).one()
    assert event.tenant_id == tenant.id and event.after == {"status": "suspended"}


def test_the_operators_own_tenant_cannot_be_suspended(client, db):
    operator = make_user(make_tenant(TenantType.operator), "operator")
    response = client.put(
        f"/api/v1/tenants/{operator.tenant_id}/status",
        json={"status": "suspended"},
        headers=bearer(make_token(operator)),
    )
    assert response.status_code == 403 and "status" in response.json["errors"]


def test_only_operators_manage_tenants(client, db):
    admin = make_user(make_tenant(), "admin")
    response = client.post("/api/v1/tenants", json=_payload(), headers=bearer(make_token(admin)))
    assert response.status_code == 403


def test_credit_code_reasons_are_translated(client, db, operator_headers):
    body = "52320613MJD000099"
    wrong = "0" if check_character(body) != "0" else "1"
    response = client.post(
        "/api/v1/tenants", json=_payload(credit_code=body + wrong), headers=operator_headers
    )
    assert response.json["errors"]["credit_code"] == [f"校验码应为“{check_character(body)}”"]
