"""Test data, built through the real models (and services where rules matter)."""

from __future__ import annotations

import itertools
from functools import cache

from aidbridge.accounts import service
from aidbridge.accounts.credit_code import check_character
from aidbridge.accounts.models import Role, RoleGrant, Tenant, TenantType, User
from aidbridge.extensions import db

PASSWORD = "correct-horse-battery"
_serial = itertools.count(1)


@cache
def _password_hash() -> str:
    return service.hash_password(PASSWORD)


def credit_code(prefix: str = "52320600") -> str:
    body = f"{prefix}{next(_serial):09d}"[:17]
    return body + check_character(body)


def make_tenant(
    kind: TenantType | str = TenantType.bureau,
    name: str | None = None,
    jurisdiction: str = "320600",
    policy_pack: str | None = None,
) -> Tenant:
    n = next(_serial)
    tenant = Tenant(
        type=TenantType(kind),
        name=name or f"测试机构{n}",
        credit_code=credit_code(),
        jurisdiction_code=jurisdiction,
        policy_pack=policy_pack or "nantong",
    )
    db.session.add(tenant)
    db.session.commit()
    return tenant


def make_user(
    tenant: Tenant, *roles: Role | str, username: str | None = None, active: bool = True
) -> User:
    roles = roles or (Role.caseworker,)
    user = User(
        tenant_id=tenant.id,
        username=username or f"user{next(_serial)}",
        full_name=f"测试用户{next(_serial)}",
        password_hash=_password_hash(),
        active=active,
    )
    user.role_grants = [RoleGrant(tenant_id=tenant.id, role=Role(r)) for r in roles]
    db.session.add(user)
    db.session.commit()
    return user


def make_token(user: User) -> str:
    _token, plain = service.create_token(user, "test", None)
    return plain


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, user: User, password: str = PASSWORD):
    response = client.post("/sign-in", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.text
    return response
