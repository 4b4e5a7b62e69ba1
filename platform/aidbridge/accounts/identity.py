"""Who is asking: session users on pages, bearer tokens on the API; then the tenant scope.

The current tenant is resolved once per request, right here, from the
authenticated user. Everything after that reads through the tenant scope.
"""

from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from aidbridge.accounts import service
from aidbridge.accounts.models import User
from aidbridge.clients import is_api_request
from aidbridge.extensions import db, login_manager
from aidbridge.tenancy import all_tenants, enter_tenant, leave


@login_manager.user_loader
def load_session_user(session_id: str) -> User | None:
    # The API authenticates by token only, so a browser session cannot be used
    # to make API calls without a CSRF check.
    if is_api_request():
        return None
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    with all_tenants():
        user = db.session.scalar(
            select(User).where(User.id == int(user_id)).options(joinedload(User.tenant))
        )
    if user is None or user.session_version != int(version):
        return None
    if not user.active or not user.tenant.is_active:
        return None
    return user


@login_manager.request_loader
def load_token_user(req) -> User | None:
    if not is_api_request():
        return None
    scheme, _, plain = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not plain:
        return None
    token = service.valid_token(plain.strip())
    if token is None:
        return None
    g.api_token = token  # what the request was authenticated with
    return token.user


def init_identity(app: Flask) -> None:
    from flask_login import current_user

    @app.before_request
    def _enter_tenant_scope():
        # Signing in and out acts across accounts (the new user is rarely the
        # session's old one), so those pages scope what they touch themselves.
        if request.blueprint == "site":
            return
        if current_user.is_authenticated:
            g.tenant_scope = enter_tenant(current_user.tenant_id)

    @app.teardown_request
    def _leave_tenant_scope(exc):
        token = g.pop("tenant_scope", None)
        if token is not None:
            leave(token)
