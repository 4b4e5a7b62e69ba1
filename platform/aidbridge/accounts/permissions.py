"""What each role may do. One table, read by the API, the pages and the templates."""

from __future__ import annotations

from enum import StrEnum

from aidbridge.accounts.models import Role, TenantType


class Permission(StrEnum):
    manage_users = "manage_users"
    read_audit = "read_audit"
    manage_tenants = "manage_tenants"
    use_api = "use_api"
    publish_policy = "publish_policy"


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.manage_users: frozenset({Role.admin}),
    Permission.read_audit: frozenset({Role.admin, Role.monitor}),
    Permission.manage_tenants: frozenset({Role.operator}),
    Permission.use_api: frozenset(Role),
    Permission.publish_policy: frozenset({Role.operator}),
}

# Roles a tenant of each type may grant to its users.
ASSIGNABLE_ROLES: dict[TenantType, frozenset[Role]] = {
    TenantType.bureau: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    TenantType.charity: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    TenantType.agency: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    TenantType.operator: frozenset({Role.admin, Role.operator, Role.monitor}),
}


def can(user, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.roles & GRANTS[permission])
