"""Tenant admins manage their users through the API; bad input names the field."""

import pytest
from sqlalchemy import func, select

from aidbridge.accounts.models import User
from aidbridge.audit.models import AuditEvent

from factories import bearer, make_tenant, make_token, make_user


@pytest.fixture
def admin(db):
    return make_user(make_tenant(), "admin")


@pytest.fixture
def headers(admin):
    return bearer(make_token(admin))


NEW_USER = {
    "username": "li.mei",
    "full_name": "李梅",
    "password": "a-long-password",
    "roles": ["caseworker"],
}


def test_admin_creates_a_caseworker(client, db, admin, headers):
    response = client.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert response.status_code == 201
    body = response.json
    assert body["username"] == "li.mei" and body["roles"] == ["caseworker"]
    assert "password" not in body and "password_hash" not in body
    created = db.session.get(User, body["id"])
    assert created.tenant_id == admin.tenant_id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).one()
    assert event.actor_id == admin.id and event.after["roles"] == ["caseworker"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "x"}, "username"),
        ({"password": "short"}, "password"),
        ({"roles": []}, "roles"),
        ({"roles": ["chief"]}, "roles.0"),
        ({"email": "not-an-email"}, "email"),
        ({"full_name": None}, "full_name"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(client, db, headers, change, field):
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post("/api/v1/users", json={**NEW_USER, **change}, headers=headers)
    assert response.status_code == 422
    assert field in response.json["errors"], response.json
    assert response.json["status"] == 422 and response.json["message"]
    assert db.session.scalar(select(func.count(User.id))) == before


def test_roles_a_tenant_cannot_grant(client, headers):
    response = client.post(
        "/api/v1/users", json={**NEW_USER, "roles": ["operator"]}, headers=headers
    )
    assert response.status_code == 422
    assert "roles" in response.json["errors"]


def test_duplicate_username_is_a_conflict_even_across_tenants(client, db, headers):
    make_user(make_tenant(), username="li.mei")
    response = client.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert response.status_code == 409
    assert response.json["errors"] == {"username": ["该用户名已被使用"]}
    english = client.post(
        "/api/v1/users", json=NEW_USER, headers={**headers, "Accept-Language": "en"}
    )
    assert english.json["errors"] == {"username": ["this username is already taken"]}


def test_body_must_be_json(client, headers):
    response = client.post("/api/v1/users", data="username=x", headers=headers)
    assert response.status_code == 422
    assert "_body" in response.json["errors"]


def test_only_admins_manage_users(client, db, admin):
    caseworker = make_user(admin.tenant, "caseworker")
    response = client.post("/api/v1/users", json=NEW_USER, headers=bearer(make_token(caseworker)))
    assert response.status_code == 403
    # but colleagues can see each other
    listing = client.get("/api/v1/users", headers=bearer(make_token(caseworker)))
    assert {u["username"] for u in listing.json["items"]} == {admin.username, caseworker.username}


def test_monitor_is_read_only(client, admin):
    monitor = make_user(admin.tenant, "monitor")
    headers = bearer(make_token(monitor))
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    assert client.get("/api/v1/audit", headers=headers).status_code == 200
    assert (
        client.patch(
            f"/api/v1/users/{admin.id}", json={"full_name": "x"}, headers=headers
        ).status_code
        == 403
    )


def test_admin_changes_roles_and_it_is_audited(client, db, admin, headers):
    user = make_user(admin.tenant, "caseworker")
    response = client.patch(
        f"/api/v1/users/{user.id}", json={"roles": ["assessor", "caseworker"]}, headers=headers
    )
    assert response.status_code == 200 and response.json["roles"] == ["assessor", "caseworker"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.updated")).one()
    assert event.before == {"roles": ["caseworker"]}
    assert event.after == {"roles": ["assessor", "caseworker"]}


def test_admin_cannot_drop_own_admin_role_or_deactivate_self(client, admin, headers):
    response = client.patch(
        f"/api/v1/users/{admin.id}", json={"roles": ["caseworker"]}, headers=headers
    )
    assert response.status_code == 422 and "roles" in response.json["errors"]
    response = client.put(
        f"/api/v1/users/{admin.id}/active", json={"active": False}, headers=headers
    )
    assert response.status_code == 422 and "active" in response.json["errors"]


def test_deactivated_user_loses_api_access(client, db, admin, headers):
    user = make_user(admin.tenant, "caseworker")
    token = make_token(user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    response = client.put(
        f"/api/v1/users/{user.id}/active", json={"active": False}, headers=headers
    )
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_password_reset_ends_sessions(client, db, admin, headers):
    from factories import sign_in

    user = make_user(admin.tenant, "caseworker")
    web = client.application.test_client()
    sign_in(web, user)
    assert web.get("/org/users").status_code == 200
    response = client.put(
        f"/api/v1/users/{user.id}/password", json={"password": "another-secret-1"}, headers=headers
    )
    assert response.status_code == 204
    assert web.get("/org/users").status_code == 302
    assert (
        web.post(
            "/sign-in", data={"username": user.username, "password": "another-secret-1"}
        ).status_code
        == 302
    )


def test_users_list_is_paginated(client, admin, headers):
    for _ in range(3):
        make_user(admin.tenant)
    page = client.get("/api/v1/users?per_page=2&page=2", headers=headers).json
    assert page["total"] == 4 and page["page"] == 2 and len(page["items"]) == 2
    assert client.get("/api/v1/users?page=0", headers=headers).status_code == 422


def test_control_characters_are_refused_by_field(client, db, headers):
    response = client.post(
        "/api/v1/users", json={**NEW_USER, "full_name": "李\x00梅"}, headers=headers
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"full_name": ["含有不可见的控制字符"]}
