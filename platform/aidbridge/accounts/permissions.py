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
    register_households = "register_households"
    read_personal_data = "read_personal_data"
    assess_needs = "assess_needs"
    take_in_emergency = "take_in_emergency"
    read_households = "read_households"
    grant_cases = "grant_cases"
    manage_contracts = "manage_contracts"
    read_contracts = "read_contracts"
    record_deliveries = "record_deliveries"
    keep_roster = "keep_roster"
    read_roster = "read_roster"
    read_staff_id_numbers = "read_staff_id_numbers"
    read_compliance = "read_compliance"
    run_matching = "run_matching"
    read_matching = "read_matching"
    offer_referrals = "offer_referrals"
    answer_referrals = "answer_referrals"
    read_referrals = "read_referrals"
    read_monitoring = "read_monitoring"


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.manage_users: frozenset({Role.admin}),
    Permission.read_audit: frozenset({Role.admin, Role.monitor}),
    Permission.manage_tenants: frozenset({Role.operator}),
    Permission.use_api: frozenset(Role),
    Permission.publish_policy: frozenset({Role.operator}),
    Permission.register_households: frozenset({Role.admin, Role.caseworker, Role.assessor}),
    # Seeing an ID or phone number in full (each time audited, ALL-OV-3).
    Permission.read_personal_data: frozenset({Role.caseworker, Role.assessor}),
    # The needs assessment is professional work: assessors and caseworkers (ALL-PS-2).
    Permission.assess_needs: frozenset({Role.caseworker, Role.assessor}),
    # Registering a household on an emergency and opening its need at once (ALL-EM-1).
    Permission.take_in_emergency: frozenset({Role.caseworker, Role.assessor}),
    # Reading households and their assessments: a bureau's own, an agency's granted cases.
    Permission.read_households: frozenset({Role.admin, Role.caseworker, Role.assessor}),
    # Opening a household to an agency that assists with its assessment, and ending it.
    Permission.grant_cases: frozenset({Role.admin, Role.caseworker}),
    # The purchase list and contracts (ALL-PS-1): kept by the bureau, read by both sides.
    Permission.manage_contracts: frozenset({Role.admin, Role.caseworker}),
    Permission.read_contracts: frozenset(
        {Role.admin, Role.caseworker, Role.assessor, Role.monitor}
    ),
    # Recording the units a provider delivered under a contract (its drawdown).
    Permission.record_deliveries: frozenset({Role.admin, Role.caseworker, Role.assessor}),
    # A provider's roster of posts (NT21-SW-1, CJ21-SW-1…): keeping it, and reading it
    # with the provider's own social-work post share and its monthly record.
    Permission.keep_roster: frozenset({Role.admin, Role.caseworker}),
    Permission.read_roster: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    # A post holder's ID number in full: the provider's own staff, each reading audited.
    Permission.read_staff_id_numbers: frozenset({Role.admin}),
    # A bureau reading the social-work post shares of its pool's providers.
    Permission.read_compliance: frozenset(
        {Role.admin, Role.caseworker, Role.assessor, Role.monitor}
    ),
    # Matching a bureau's open needs with the pool: runs for its jurisdiction or an area,
    # an urgent need at once (ALL-EM-2), previews; and reading what runs found.
    Permission.run_matching: frozenset({Role.admin, Role.caseworker, Role.assessor}),
    Permission.read_matching: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    # Referrals (ALL-PR-1): the bureau offers its matches to the providers and revokes
    # them; a provider's staff accept an offer, assigning a social worker, or decline it;
    # both sides read the referrals between them.
    Permission.offer_referrals: frozenset({Role.admin, Role.caseworker, Role.assessor}),
    Permission.answer_referrals: frozenset({Role.admin, Role.caseworker}),
    Permission.read_referrals: frozenset(
        {Role.admin, Role.caseworker, Role.assessor, Role.monitor}
    ),
    # The measures of purchased services (ALL-PS-1, ALL-OV-5): a bureau's, a provider's own.
    Permission.read_monitoring: frozenset(
        {Role.admin, Role.caseworker, Role.assessor, Role.monitor}
    ),
}

# Permissions that only some kinds of tenant have, whatever the role: households are
# registered and kept by government bureaus; social-work agencies assess the cases a
# bureau grants them, never seeing ID or phone numbers in full.
TENANT_TYPES: dict[Permission, frozenset[TenantType]] = {
    Permission.register_households: frozenset({TenantType.bureau}),
    Permission.read_personal_data: frozenset({TenantType.bureau}),
    Permission.assess_needs: frozenset({TenantType.bureau, TenantType.agency}),
    Permission.take_in_emergency: frozenset({TenantType.bureau}),
    Permission.read_households: frozenset({TenantType.bureau, TenantType.agency}),
    Permission.grant_cases: frozenset({TenantType.bureau}),
    Permission.manage_contracts: frozenset({TenantType.bureau}),
    Permission.read_contracts: frozenset(
        {TenantType.bureau, TenantType.charity, TenantType.agency}
    ),
    Permission.record_deliveries: frozenset({TenantType.charity, TenantType.agency}),
    Permission.keep_roster: frozenset({TenantType.charity, TenantType.agency}),
    Permission.read_roster: frozenset({TenantType.charity, TenantType.agency}),
    Permission.read_staff_id_numbers: frozenset({TenantType.charity, TenantType.agency}),
    Permission.read_compliance: frozenset({TenantType.bureau}),
    Permission.run_matching: frozenset({TenantType.bureau}),
    Permission.read_matching: frozenset({TenantType.bureau}),
    Permission.offer_referrals: frozenset({TenantType.bureau}),
    Permission.answer_referrals: frozenset({TenantType.charity, TenantType.agency}),
    Permission.read_referrals: frozenset(
        {TenantType.bureau, TenantType.charity, TenantType.agency}
    ),
    Permission.read_monitoring: frozenset(
        {TenantType.bureau, TenantType.charity, TenantType.agency}
    ),
}

# Roles a tenant of each type may grant to its users.
ASSIGNABLE_ROLES: dict[TenantType, frozenset[Role]] = {
    TenantType.bureau: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    TenantType.charity: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    TenantType.agency: frozenset({Role.admin, Role.caseworker, Role.assessor, Role.monitor}),
    TenantType.operator: frozenset({Role.admin, Role.operator, Role.monitor}),
}


def grants(roles, tenant_type: TenantType, permission: Permission) -> bool:
    """Whether roles held in a tenant of this type give the permission."""
    kinds = TENANT_TYPES.get(permission)
    if kinds is not None and tenant_type not in kinds:
        return False
    return bool(roles & GRANTS[permission])


def can(user, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return grants(user.roles, user.tenant.type, permission)
