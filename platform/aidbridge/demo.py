"""Demo tenants and users for the embedded mode, created through the normal services."""

from __future__ import annotations

from sqlalchemy import select

from aidbridge.accounts import service
from aidbridge.accounts.credit_code import check_character
from aidbridge.accounts.models import Role, Tenant, TenantType, User
from aidbridge.extensions import db
from aidbridge.tenancy import tenant_context

DEMO_PASSWORD = "aidbridge-demo"


def _code(first17: str) -> str:
    return first17 + check_character(first17)


# (type, name, credit code, jurisdiction, [(username, full name, roles)]); the first user
# of each tenant is its administrator.
DEMO_TENANTS = [
    (
        TenantType.operator,
        "AidBridge 平台运营中心",
        _code("52320600MJD000001"),
        "320600",
        [
            ("operator", "平台运营员", [Role.operator, Role.admin]),
        ],
    ),
    (
        TenantType.bureau,
        "南通市民政局",
        _code("11320600014000001"),
        "320600",
        [
            ("bureau.admin", "王建国", [Role.admin]),
            ("bureau.caseworker", "李梅", [Role.caseworker]),
            ("bureau.assessor", "张伟", [Role.assessor]),
            ("bureau.monitor", "陈静", [Role.monitor]),
        ],
    ),
    (
        TenantType.charity,
        "南通市慈善总会",
        _code("53320600509000001"),
        "320600",
        [
            ("charity.admin", "刘芳", [Role.admin]),
            ("charity.worker", "赵磊", [Role.caseworker]),
        ],
    ),
    (
        TenantType.agency,
        "崇川区启航社会工作服务中心",
        _code("52320613MJD000002"),
        "320613",
        [
            ("agency.admin", "孙悦", [Role.admin]),
            ("agency.worker", "周洁", [Role.caseworker]),
            ("agency.assessor", "吴昊", [Role.assessor]),
        ],
    ),
    (
        TenantType.bureau,
        "景德镇市昌江区民政局",
        _code("11360202014000001"),
        "360202",
        [
            ("changjiang.admin", "黄涛", [Role.admin]),
        ],
    ),
]


def load_demo() -> list[tuple[str, str, list[str]]]:
    """Create what is missing; running it twice changes nothing. Returns the accounts."""
    accounts = []
    for tenant_type, name, code, area, users in DEMO_TENANTS:
        tenant = db.session.scalar(select(Tenant).where(Tenant.credit_code == code))
        first_username, first_name, _roles = users[0]
        if tenant is None:
            tenant, _admin = service.create_tenant(
                {
                    "type": tenant_type,
                    "name": name,
                    "credit_code": code,
                    "jurisdiction_code": area,
                    "policy_pack": None,
                    "admin": {
                        "username": first_username,
                        "full_name": first_name,
                        "email": None,
                        "password": DEMO_PASSWORD,
                    },
                }
            )
        with tenant_context(tenant.id):
            for username, full_name, roles in users:
                user = db.session.scalar(select(User).where(User.username == username))
                if user is None:
                    user = service.create_user(
                        tenant,
                        {
                            "username": username,
                            "full_name": full_name,
                            "email": None,
                            "password": DEMO_PASSWORD,
                            "roles": roles,
                        },
                        actor=None,  # the system itself
                    )
                elif set(roles) - user.roles:
                    service.update_user(
                        tenant, user, {"roles": sorted(set(roles) | user.roles)}, actor=None
                    )
                accounts.append((tenant.name, username, [str(r) for r in roles]))
    return accounts
