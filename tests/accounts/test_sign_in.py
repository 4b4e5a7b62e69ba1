"""Signing in and out: passwords, throttling, deactivated users, suspended tenants."""

import pytest
from sqlalchemy import select

from aidbridge.accounts import service
from aidbridge.accounts.models import LoginAttempt, TenantStatus
from aidbridge.audit.models import AuditEvent

from factories import PASSWORD, make_tenant, make_user, sign_in


@pytest.fixture
def user(db):
    return make_user(make_tenant(), "admin", username="wang.admin")


def _post(client, username, password, address="10.1.1.1"):
    return client.post(
        "/sign-in",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_in_opens_the_portal_of_the_tenant_type(client, user):
    response = _post(client, "wang.admin", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").location.endswith("/bureau/")
    assert user.tenant.name in client.get("/bureau/").text


def test_username_is_not_case_sensitive(client, user):
    assert _post(client, "Wang.Admin", PASSWORD).status_code == 302


def test_wrong_password_is_refused_and_audited(client, db, user):
    response = _post(client, "wang.admin", "wrong-password")
    assert response.status_code == 401
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")
    ).one()
    assert event.tenant_id == user.tenant_id and event.after == {"reason": "invalid"}
    assert client.get("/bureau/").status_code == 302  # still signed out


def test_passwords_are_stored_with_argon2id(user):
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_failures_are_throttled_per_account(client, app, user):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for i in range(limit):
        assert _post(client, "wang.admin", "nope", address=f"10.0.0.{i}").status_code == 401
    # Even the right password is refused while the account is throttled.
    response = _post(client, "wang.admin", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text or "登录失败次数过多" in response.text


def test_failures_are_throttled_per_address(client, app, db, user):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        _post(client, f"nobody{i}", "nope", address="10.2.2.2")
    assert _post(client, "wang.admin", PASSWORD, address="10.2.2.2").status_code == 429
    assert _post(client, "wang.admin", PASSWORD, address="10.3.3.3").status_code == 302


def test_old_failures_leave_the_window(client, app, db, user):
    from datetime import timedelta

    from aidbridge.clock import utcnow

    old = utcnow() - app.config["LOGIN_WINDOW"] - timedelta(minutes=1)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        db.session.add(LoginAttempt(username="wang.admin", address="x", succeeded=False, at=old))
    db.session.commit()
    assert _post(client, "wang.admin", PASSWORD).status_code == 302
    with app.test_request_context():
        assert service.purge_login_attempts() >= app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]


def test_deactivated_user_cannot_sign_in(client, db):
    tenant = make_tenant()
    inactive = make_user(tenant, active=False)
    response = _post(client, inactive.username, PASSWORD)
    assert response.status_code == 401


def test_suspended_tenant_cannot_sign_in_and_sessions_end(client, db, user):
    sign_in(client, user)
    assert client.get("/bureau/").status_code == 200
    user.tenant.status = TenantStatus.suspended
    db.session.commit()
    assert client.get("/bureau/").status_code == 302  # the session no longer counts
    response = _post(client, "wang.admin", PASSWORD)
    assert response.status_code == 401


def test_sign_out_ends_the_session_and_is_audited(client, db, user):
    sign_in(client, user)
    assert client.post("/sign-out").status_code == 302
    assert client.get("/bureau/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"auth.signed_in", "auth.signed_out"} <= set(actions)


def test_session_cookie_is_http_only(client, user):
    response = _post(client, "wang.admin", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(app, client, user):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        cookie = _post(client, "wang.admin", PASSWORD).headers["Set-Cookie"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "Secure" in cookie


def test_redirect_after_sign_in_stays_on_this_site(client, user):
    response = client.post(
        "/sign-in?next=https://evil.example/", data={"username": "wang.admin", "password": PASSWORD}
    )
    assert response.location == "/"


def test_forms_need_the_csrf_token(app, client, user):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = _post(client, "wang.admin", PASSWORD)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
