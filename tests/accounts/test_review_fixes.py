"""Security rules found in review: each has a test so it cannot quietly come undone."""

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import ApiToken, Role, TenantType

from factories import PASSWORD, bearer, make_tenant, make_token, make_user, sign_in


def test_only_operators_grant_or_remove_the_operator_role(client, db):
    platform = make_tenant(TenantType.operator)
    admin = make_user(platform, Role.admin)
    operator = make_user(platform, Role.operator)
    as_admin = bearer(make_token(admin))
    grab = client.patch(
        f"/api/v1/users/{admin.id}", json={"roles": ["admin", "operator"]}, headers=as_admin
    )
    assert grab.status_code == 403 and "roles" in grab.json["errors"]
    assert (
        client.put(
            f"/api/v1/users/{operator.id}/password", json={"password": "x" * 12}, headers=as_admin
        ).status_code
        == 403
    )
    assert (
        client.put(
            f"/api/v1/users/{operator.id}/active", json={"active": False}, headers=as_admin
        ).status_code
        == 403
    )
    as_operator = bearer(make_token(make_user(platform, Role.operator, Role.admin)))
    granted = client.patch(
        f"/api/v1/users/{admin.id}", json={"roles": ["admin", "operator"]}, headers=as_operator
    )
    assert granted.status_code == 200 and "operator" in granted.json["roles"]


def test_a_token_cannot_mint_a_longer_lived_token(client, db):
    user = make_user(make_tenant())
    short = client.post(
        "/api/v1/tokens",
        json={"name": "short", "expires_in_days": 1},
        headers=bearer(make_token(user)),
    ).json
    minted = client.post(
        "/api/v1/tokens", json={"name": "forever"}, headers=bearer(short["token"])
    ).json
    assert minted["expires_at"] == short["expires_at"]


def test_sign_out_invalidates_the_old_cookie(app, client, db):
    user = make_user(make_tenant(), Role.admin)
    sign_in(client, user)
    cookie = client.get_cookie("session").value
    client.post("/sign-out")
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/org/users").status_code == 302


def test_sign_in_keeps_the_language_but_renews_the_session(client, db):
    user = make_user(make_tenant())
    client.post("/language/en")
    before = client.get_cookie("session").value
    sign_in(client, user)
    assert client.get_cookie("session").value != before
    assert "Users" in client.get("/org/users").text


def test_revoking_a_colleagues_token_looks_like_no_token_at_all(client, db):
    tenant = make_tenant()
    owner, colleague = make_user(tenant), make_user(tenant)
    make_token(owner)
    token_id = db.session.scalars(select(ApiToken.id)).one()
    headers = bearer(make_token(colleague))
    colleagues = client.delete(f"/api/v1/tokens/{token_id}", headers=headers)
    missing = client.delete("/api/v1/tokens/987654", headers=headers)
    assert colleagues.status_code == missing.status_code == 404
    assert colleagues.json == missing.json


def test_usernames_are_case_insensitive_and_unique(client, db):
    admin = make_user(make_tenant(), Role.admin)
    headers = bearer(make_token(admin))
    body = {"full_name": "李梅", "password": "long-enough-pw", "roles": ["caseworker"]}
    created = client.post("/api/v1/users", json={**body, "username": "Li.Mei"}, headers=headers)
    assert created.status_code == 201 and created.json["username"] == "li.mei"
    again = client.post("/api/v1/users", json={**body, "username": "li.MEI"}, headers=headers)
    assert again.status_code == 409


def test_long_email_is_a_field_error(client, db):
    headers = bearer(make_token(make_user(make_tenant(), Role.admin)))
    response = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "x.long",
            "full_name": "x",
            "password": "long-enough-pw",
            "roles": ["monitor"],
            "email": "a" * 190 + "@example.cn",
        },
    )
    assert response.status_code == 422 and "email" in response.json["errors"]


@pytest.mark.parametrize("username", ["a" * 300, "bad\x00name"])
def test_odd_sign_in_names_are_just_wrong(client, db, username):
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code in (400, 401)


def test_security_headers(client, db):
    response = client.get("/sign-in")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_page_inputs_that_used_to_fail(client, db):
    assert client.options("/bureau/").status_code == 404
    admin = make_user(make_tenant(), Role.admin)
    sign_in(client, admin)
    assert client.get("/org/audit?page=99999999999999999999").status_code == 400
    other = make_user(admin.tenant)
    assert client.post(f"/org/users/{other.id}/active", data={}).status_code == 400
    db.session.expire_all()
    assert other.active is True
    headers = bearer(make_token(admin))
    assert client.get("/api/v1/areas/32%000600", headers=headers).status_code == 404
