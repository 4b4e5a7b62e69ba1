"""Interface names of the glossary's codes, translated (GLOSSARY.md shows the Chinese terms)."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from aidbridge.accounts.models import Role, TenantStatus, TenantType
from aidbridge.accounts.permissions import Permission, can
from aidbridge.areas.models import AreaLevel

ROLE = {
    Role.admin: _l("Administrator"),
    Role.caseworker: _l("Caseworker / social worker"),
    Role.assessor: _l("Assessor"),
    Role.monitor: _l("Monitor"),
    Role.operator: _l("Platform operator"),
}
TENANT_TYPE = {
    TenantType.bureau: _l("Government bureau"),
    TenantType.charity: _l("Charity"),
    TenantType.agency: _l("Social-work agency"),
    TenantType.operator: _l("Platform operator"),
}
TENANT_STATUS = {TenantStatus.active: _l("Active"), TenantStatus.suspended: _l("Suspended")}
PERMISSION = {
    Permission.manage_users: _l("Manage users, roles and passwords"),
    Permission.read_audit: _l("Read the audit log"),
    Permission.manage_tenants: _l("Create and suspend tenants"),
    Permission.use_api: _l("Use the REST API with your own tokens"),
}
AREA_LEVEL = {
    AreaLevel.province: _l("Province"),
    AreaLevel.city: _l("City"),
    AreaLevel.district: _l("District / county"),
    AreaLevel.street: _l("Street / township"),
    AreaLevel.community: _l("Community / village"),
}


def role_label(role) -> str:
    return str(ROLE[Role(role)])


def current_user_permissions() -> set[str]:
    return {str(p) for p in Permission if can(current_user, p)}


def register_labels(app) -> None:
    """Make the label tables (and the signed-in user's permissions) available to templates."""
    app.jinja_env.globals.update(
        ROLE=ROLE,
        TENANT_TYPE=TENANT_TYPE,
        TENANT_STATUS=TENANT_STATUS,
        PERMISSION=PERMISSION,
        AREA_LEVEL=AREA_LEVEL,
        current_user_permissions=current_user_permissions,
    )
