"""Interface names of the glossary's codes, translated (GLOSSARY.md shows the Chinese terms)."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from aidbridge.accounts.models import Role, TenantStatus, TenantType
from aidbridge.accounts.permissions import Permission, can
from aidbridge.i18n import translate
from aidbridge.money import format_yuan
from aidbridge.pool.models import CapacityPeriod, Funding, ProjectStatus, ServiceStatus
from aidbridge.vocab import AssistanceCategory, DisabilityType, TargetGroup

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
    Permission.publish_policy: _l("Publish policy-pack versions"),
}


TARGET_GROUP = {
    TargetGroup.elderly: _l("Elderly"),
    TargetGroup.minors: _l("Minors"),
    TargetGroup.disabled: _l("Persons with disabilities"),
    TargetGroup.seriously_ill: _l("Seriously ill"),
    TargetGroup.unemployed: _l("Unemployed"),
}
CATEGORY = {
    AssistanceCategory.dibao: _l("Minimum living guarantee (dibao)"),
    AssistanceCategory.tekun: _l("Extreme poverty support (tekun)"),
    AssistanceCategory.low_income: _l("Low-income household"),
    AssistanceCategory.expenditure_type: _l("Expenditure-type hardship"),
    AssistanceCategory.emergency: _l("Emergency assistance"),
}
DISABILITY_TYPE = {
    DisabilityType.physical: _l("Physical"),
    DisabilityType.visual: _l("Visual"),
    DisabilityType.hearing: _l("Hearing"),
    DisabilityType.speech: _l("Speech"),
    DisabilityType.intellectual: _l("Intellectual"),
    DisabilityType.mental: _l("Mental"),
    DisabilityType.multiple: _l("Multiple"),
}
CAPACITY_PERIOD = {
    CapacityPeriod.week: _l("per week"),
    CapacityPeriod.month: _l("per month"),
    CapacityPeriod.quarter: _l("per quarter"),
    CapacityPeriod.year: _l("per year"),
}
FUNDING = {
    Funding.own_funds: _l("Own funds / free"),
    Funding.charity_funded: _l("Charity-funded"),
    Funding.government_purchased: _l("Government-purchased"),
}
SERVICE_STATUS = {
    ServiceStatus.draft: _l("Draft"),
    ServiceStatus.published: _l("Published"),
    ServiceStatus.paused: _l("Paused"),
    ServiceStatus.retired: _l("Retired"),
}
PROJECT_STATUS = {
    ProjectStatus.draft: _l("Draft"),
    ProjectStatus.active: _l("In progress"),
    ProjectStatus.completed: _l("Completed"),
    ProjectStatus.cancelled: _l("Cancelled"),
}


WEEKDAY = {
    "MO": _l("Mon"),
    "TU": _l("Tue"),
    "WE": _l("Wed"),
    "TH": _l("Thu"),
    "FR": _l("Fri"),
    "SA": _l("Sat"),
    "SU": _l("Sun"),
}


def term_label(term) -> str:
    """A taxonomy term in the interface language."""
    return term.name_zh if str(get_locale()).startswith("zh") else term.name_en


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
        TARGET_GROUP=TARGET_GROUP,
        CATEGORY=CATEGORY,
        DISABILITY_TYPE=DISABILITY_TYPE,
        CAPACITY_PERIOD=CAPACITY_PERIOD,
        FUNDING=FUNDING,
        SERVICE_STATUS=SERVICE_STATUS,
        PROJECT_STATUS=PROJECT_STATUS,
        WEEKDAY=WEEKDAY,
        term_label=term_label,
        translate=translate,
        current_user_permissions=current_user_permissions,
    )
    app.jinja_env.filters["yuan"] = format_yuan
