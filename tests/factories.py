"""Test data, built through the real models (and services where rules matter)."""

from __future__ import annotations

import itertools
from functools import cache

from aidbridge.accounts import service
from aidbridge.accounts.credit_code import check_character
from aidbridge.accounts.models import Role, RoleGrant, Tenant, TenantType, User
from aidbridge.extensions import db
from aidbridge.pool.models import Service
from aidbridge.tenancy import tenant_context

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
    db.session.commit()
    return plain


# Ask for English answers (Chinese is the default), so messages read as the code has them.
ENGLISH = {"Accept-Language": "en"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, user: User, password: str = PASSWORD):
    response = client.post("/sign-in", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.text
    return response


def make_service(
    tenant: Tenant, status: str = "draft", areas: list[str] | None = None, **fields
) -> Service:
    """A service through the pool's own rules (validation, search index, status)."""
    from aidbridge.pool import service as pool
    from aidbridge.pool.models import ServiceStatus

    data = {
        "name": "上门访视服务",
        "description": "为困难老人提供上门访视",
        "dimension": "care",
        "subcategory": "care.home_visit",
        "target_groups": frozenset(),
        "categories": frozenset(),
        "min_age": None,
        "max_age": None,
        "requires_disability": False,
        "disability_types": frozenset(),
        "eligibility_notes": "",
        "areas": areas or [tenant.jurisdiction_code],
        "locations": [],
        "schedules": [],
        "capacity": {"unit": "户次", "period": "month", "per_period": 20, "available": 20},
        "funding": "own_funds",
        "project_id": None,
        **fields,
    }
    with tenant_context(tenant.id):
        created = pool.create_service(tenant, data)
        if status != "draft":
            user = make_user(tenant, "caseworker")
            pool.set_status(created, ServiceStatus(status), user)
        db.session.commit()
    return created


def make_project(tenant: Tenant, status: str = "draft", **fields):
    """A charity project through the pool's rules."""
    from datetime import date

    from aidbridge.pool import service as pool
    from aidbridge.pool.models import ProjectStatus

    data = {
        "title": "困境儿童关爱计划",
        "aims": "为困境儿童提供学业辅导和心理陪伴",
        "dimensions": ["education", "psychological"],
        "target_groups": frozenset({"minors"}),
        "areas": [tenant.jurisdiction_code],
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "funding_target_fen": 50_000_000,
        "funds_raised_fen": 18_750_000,
        **fields,
    }
    with tenant_context(tenant.id):
        project = pool.create_project(tenant, data)
        if status != "draft":
            pool.set_project_status(project, ProjectStatus(status))
        db.session.commit()
    return project


def resident_id(born, area: str = "320602", female: bool = False) -> str:
    """A valid resident ID number for someone born on ``born`` (unique per call)."""
    from aidbridge.resident_id import check_character

    serial = next(_serial) % 500 * 2 + (0 if female else 1)
    body = f"{area}{born:%Y%m%d}{serial:03d}"
    return body + check_character(body)


def wrong_check(number: str) -> str:
    """``number`` with a check character that is certainly wrong (whatever it had)."""
    from aidbridge.resident_id import check_character

    return number[:17] + ("1" if check_character(number[:17]) != "1" else "2")


def member_data(born, relation: str = "head", **fields) -> dict:
    """A member as the households API takes it."""
    return {
        "name": "张三",
        "id_number": resident_id(born),
        "relation": relation,
        "labour_capacity": "full",
        "employment": "unemployed",
        **fields,
    }


def frail_parent_data(born) -> dict:
    """A parent in full care whom no legal supporter is able to support (proposes care)."""
    return member_data(
        born,
        relation="parent",
        name="李四",
        labour_capacity="none",
        employment="not_in_labour_force",
        self_care="full_care",
        supporter="none",
    )


def household_data(*members: dict, **fields) -> dict:
    """A Nantong household (和平桥街道 北大街社区) as the households API takes it."""
    from datetime import date

    return {
        "area_code": "320613001001",
        "address": "北大街12号3幢201室",
        "setting": "urban",
        "phone": "13812345678",
        "checks_authorised_on": "2026-11-02",
        "registered_on": "2026-11-02",
        "members": list(members) or [member_data(date(1970, 5, 1))],
        **fields,
    }


def register_household(tenant: Tenant, data: dict | None = None):
    """A household through the households service (validated by the API's schema)."""
    from aidbridge.households import service as households
    from aidbridge.households.schemas import RegistrationSchema

    with tenant_context(tenant.id):
        household = households.register(tenant, RegistrationSchema().load(data or household_data()))
        db.session.commit()
    return household


def next_nantong_pack(version: str = "2027", starts_on: str = "2027-04-01") -> str:
    """The shipped Nantong 2021 pack's text as a later version, in force from ``starts_on``."""
    from aidbridge.policy.pack import shipped_pack_files

    text = shipped_pack_files()["nantong-2021"]
    for old, new in (
        ('version = "2021"', f'version = "{version}"'),
        ("starts_on = 2021-04-29", f"starts_on = {starts_on}"),
    ):
        assert old in text, f"the shipped pack no longer has {old!r}"
        text = text.replace(old, new)
    return text
