"""API tokens: shown once, stored hashed, revocable, carrying the user's tenant and roles."""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from aidbridge.accounts.models import ApiToken
from aidbridge.clock import utcnow

from factories import bearer, make_tenant, make_token, make_user


def test_token_is_shown_once_and_stored_hashed(client, db):
    user = make_user(make_tenant(), "caseworker")
    first = make_token(user)
    response = client.post("/api/v1/tokens", json={"name": "report script"}, headers=bearer(first))
    assert response.status_code == 201
    plain = response.json["token"]
    stored = db.session.get(ApiToken, response.json["id"])
    assert stored.digest == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in {stored.digest, stored.prefix}
    listing = client.get("/api/v1/tokens", headers=bearer(plain)).json["items"]
    assert all("token" not in item for item in listing)
    assert {item["name"] for item in listing} == {"test", "report script"}


def test_token_carries_tenant_and_roles(client):
    user = make_user(make_tenant(name="南通市慈善总会"), "assessor", "monitor")
    me = client.get("/api/v1/me", headers=bearer(make_token(user))).json
    assert me["tenant"]["name"] == "南通市慈善总会"
    assert me["user"]["roles"] == ["assessor", "monitor"]
    assert "manage_users" not in me["permissions"] and "read_audit" in me["permissions"]


def test_revoked_and_expired_tokens_stop_working(client, db):
    user = make_user(make_tenant())
    token = make_token(user)
    other = make_token(user)
    token_id = db.session.scalars(select(ApiToken.id).order_by(ApiToken.id)).all()[0]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(other)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    stored = db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401


def test_a_colleague_cannot_revoke_your_token(client, db):
    tenant = make_tenant()
    owner, colleague = make_user(tenant), make_user(tenant)
    make_token(owner)
    token_id = db.session.scalars(select(ApiToken.id)).one()
    response = client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(make_token(colleague)))
    assert response.status_code == 404


def test_malformed_and_missing_tokens_are_401(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer("abt_not-a-real-token")).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, db):
    from factories import sign_in

    user = make_user(make_tenant(), "admin")
    sign_in(client, user)
    assert client.get("/api/v1/me").status_code == 401


def test_expiry_must_be_in_range(client):
    user = make_user(make_tenant())
    response = client.post(
        "/api/v1/tokens", json={"name": "x", "expires_in_days": 0}, headers=bearer(make_token(user))
    )
    assert response.status_code == 422 and "expires_in_days" in response.json["errors"]
