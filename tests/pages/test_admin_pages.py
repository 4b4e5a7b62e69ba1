"""Tenant admins manage users and tokens in the pages; monitors read the audit log."""

import re

from sqlalchemy import select

from aidbridge.accounts.models import ApiToken, User

from factories import make_tenant, make_user, sign_in

NEW = {
    "username": "zhou.jie",
    "full_name": "周洁",
    "email": "",
    "password": "long-enough-pw",
    "roles": ["caseworker"],
}


def test_admin_creates_a_caseworker_in_the_pages(client, db):
    admin = make_user(make_tenant(), "admin")
    sign_in(client, admin)
    form = client.get("/org/users/new")
    assert form.status_code == 200 and "救助经办人员" in form.text
    response = client.post("/org/users/new", data=NEW)
    assert response.status_code == 302
    created = db.session.scalars(select(User).where(User.username == "zhou.jie")).one()
    assert created.tenant_id == admin.tenant_id and {str(r) for r in created.roles} == {
        "caseworker"
    }
    assert "周洁" in client.get("/org/users").text


def test_form_errors_name_the_field_and_save_nothing(client, db):
    sign_in(client, make_user(make_tenant(), "admin"))
    response = client.post("/org/users/new", data={**NEW, "password": "short", "roles": []})
    assert response.status_code == 422
    errors = dict(re.findall(r'data-field="(\w+)">([^<]+)<', response.text))
    assert set(errors) == {"password", "roles"}
    assert db.session.scalars(select(User).where(User.username == "zhou.jie")).first() is None


def test_taken_username_is_shown_on_its_field(client, db):
    make_user(make_tenant(), username="zhou.jie")
    sign_in(client, make_user(make_tenant(), "admin"))
    response = client.post("/org/users/new", data=NEW)
    assert response.status_code == 409  # as the API answers a taken name
    assert 'data-field="username"' in response.text


def test_admin_edits_roles_deactivates_and_resets_password(client, db):
    tenant = make_tenant()
    admin, user = make_user(tenant, "admin"), make_user(tenant, "caseworker")
    sign_in(client, admin)
    response = client.post(
        f"/org/users/{user.id}", data={"full_name": "新名字", "roles": ["assessor"]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert user.full_name == "新名字" and {str(r) for r in user.roles} == {"assessor"}
    assert (
        client.post(
            f"/org/users/{user.id}/password", data={"pw-password": "brand-new-password"}
        ).status_code
        == 302
    )
    assert client.post(f"/org/users/{user.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert user.active is False


def test_blank_fields_are_judged_not_ignored(client, db):
    tenant = make_tenant()
    admin, user = make_user(tenant, "admin"), make_user(tenant, "caseworker")
    user.email = "old@example.cn"
    db.session.commit()
    sign_in(client, admin)
    url = f"/org/users/{user.id}"
    blank_name = client.post(url, data={"full_name": "", "roles": ["caseworker"]})
    assert blank_name.status_code == 422 and 'data-field="full_name"' in blank_name.text
    cleared = client.post(url, data={"full_name": "王芳", "email": "", "roles": ["caseworker"]})
    assert cleared.status_code == 302
    db.session.expire_all()
    assert (user.full_name, user.email) == ("王芳", None)


def test_a_refused_password_reset_is_shown_not_lost(client, db):
    # Only an operator resets an operator's password: a Forbidden refusal, as in the API.
    operators = make_tenant("operator")
    admin, operator = make_user(operators, "admin"), make_user(operators, "operator")
    sign_in(client, admin)
    response = client.post(
        f"/org/users/{operator.id}/password", data={"pw-password": "brand-new-password"}
    )
    assert response.status_code == 403 and 'data-field="pw-password"' in response.text


def test_password_reset_form_rejects_short_password(client, db):
    tenant = make_tenant()
    admin, user = make_user(tenant, "admin"), make_user(tenant)
    sign_in(client, admin)
    response = client.post(f"/org/users/{user.id}/password", data={"pw-password": "short"})
    assert response.status_code == 422 and 'data-field="pw-password"' in response.text


def test_caseworker_cannot_reach_user_management(client, db):
    sign_in(client, make_user(make_tenant(), "caseworker"))
    assert client.get("/org/users/new").status_code == 403
    assert client.get("/org/audit").status_code == 403


def test_token_page_shows_the_token_once(client, db):
    user = make_user(make_tenant())
    sign_in(client, user)
    # A browser sends the blank expiry as "": a token that does not expire.
    page = client.post("/org/tokens", data={"name": "报表脚本", "expires_in_days": ""})
    token = re.search(r'id="new-token">(abt_[\w-]+)<', page.text).group(1)
    assert (
        client.application.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )
    again = client.get("/org/tokens")
    assert "报表脚本" in again.text and token not in again.text
    stored = db.session.scalars(select(ApiToken)).one()
    assert client.post(f"/org/tokens/{stored.id}/revoke").status_code == 302
    db.session.expire_all()
    assert stored.revoked_at is not None


def test_monitor_reads_the_audit_log(client, db):
    tenant = make_tenant()
    admin, monitor = make_user(tenant, "admin"), make_user(tenant, "monitor")
    sign_in(client, admin)
    client.post("/org/users/new", data=NEW)
    sign_in(client, monitor)
    page = client.get("/org/audit")
    assert page.status_code == 200
    assert "user.created" in page.text and "zhou.jie" in page.text


def test_form_errors_are_in_the_users_language(client, db):
    sign_in(client, make_user(make_tenant(), "admin"))
    page = client.post("/org/users/new", data={**NEW, "full_name": "", "password": "short"})
    assert "此项为必填项。" in page.text and "须为 10 至 200 个字符" in page.text
    client.post("/language/en")
    page = client.post("/org/users/new", data={**NEW, "full_name": "", "password": "short"})
    assert "Missing data for required field." in page.text
