"""Interface names of the glossary's codes, translated (GLOSSARY.md shows the Chinese terms)."""

from flask_babel import get_locale, gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from aidbridge.accounts.models import Role, TenantStatus, TenantType
from aidbridge.accounts.permissions import Permission, can
from aidbridge.contracts.models import ContractStatus, FundingSource, ItemStatus, ServiceUnit
from aidbridge.exports.models import ExportStatus
from aidbridge.households.models import ImportMode, ImportStatus, ItemKind, trace_text
from aidbridge.i18n import translate
from aidbridge.matching.models import Reason, RunMode, RunStatus
from aidbridge.money import format_yuan
from aidbridge.policy.facts import Outcome
from aidbridge.pool.models import CapacityPeriod, Funding, ProjectStatus, ServiceStatus
from aidbridge.referrals.models import CaseOutcome, DeclineReason, RecordKind, ReferralStatus
from aidbridge.vocab import (
    AssistanceCategory,
    DisabilityType,
    EmploymentStatus,
    ExpenditureType,
    IncomeType,
    LabourCapacity,
    NeedDimension,
    PropertyType,
    Relation,
    SchoolStage,
    SelfCare,
    Setting,
    Severity,
    Sex,
    Supporter,
    TargetGroup,
    Urgency,
)
from aidbridge.workforce.models import PostCategory, Qualification

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
    Permission.register_households: _l("Register households and record their facts"),
    Permission.read_personal_data: _l("See ID and phone numbers in full (each time logged)"),
    Permission.assess_needs: _l("Assess households' needs"),
    Permission.take_in_emergency: _l("Take in a household on an emergency"),
    Permission.read_households: _l("Read households and their assessments"),
    Permission.grant_cases: _l("Grant cases to social-work agencies"),
    Permission.manage_contracts: _l("Keep the purchase list and purchase-of-service contracts"),
    Permission.read_contracts: _l("Read purchase-of-service contracts"),
    Permission.record_deliveries: _l("Record services delivered under contracts"),
    Permission.keep_roster: _l("Keep the roster of posts"),
    Permission.read_roster: _l("Read the roster of posts and its social-work post share"),
    Permission.read_staff_id_numbers: _l("See post holders' ID numbers in full (each time logged)"),
    Permission.read_compliance: _l("Read providers' social-work post shares"),
    Permission.run_matching: _l("Run the matching of needs with services"),
    Permission.read_matching: _l("Read matching runs, their matches and unmatched needs"),
    Permission.offer_referrals: _l("Offer matched needs to providers, and revoke referrals"),
    Permission.answer_referrals: _l("Accept or decline the referrals offered to you"),
    Permission.read_referrals: _l("Read the referrals between bureau and provider"),
    Permission.read_monitoring: _l("Read the measures of purchased services"),
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

OUTCOME = {
    Outcome.dibao: _l("Dibao"),
    Outcome.low_income: _l("Low-income household"),
    Outcome.expenditure_type: _l("Expenditure-type hardship"),
    Outcome.gradual_exit: _l("Gradual exit"),
    Outcome.emergency: _l("Emergency hardship"),
    Outcome.tekun: _l("Tekun person"),
    Outcome.individual_inclusion: _l("Individually included in dibao"),
}
SETTING = {Setting.urban: _l("Urban"), Setting.rural: _l("Rural")}
SEX = {Sex.male: _l("Male"), Sex.female: _l("Female")}
RELATION = {
    Relation.head: _l("Head of household"),
    Relation.spouse: _l("Spouse"),
    Relation.child: _l("Child"),
    Relation.parent: _l("Parent"),
    Relation.grandchild: _l("Grandchild"),
    Relation.grandparent: _l("Grandparent"),
    Relation.sibling: _l("Sibling"),
    Relation.other: _l("Other relative"),
}
LABOUR_CAPACITY = {
    LabourCapacity.full: _l("Able to work"),
    LabourCapacity.partial: _l("Partly lost"),
    LabourCapacity.none: _l("Lost"),
}
EMPLOYMENT = {
    EmploymentStatus.employed: _l("Employed"),
    EmploymentStatus.flexible: _l("Flexible employment"),
    EmploymentStatus.unemployed: _l("Unemployed"),
    EmploymentStatus.not_in_labour_force: _l("Not in the labour force"),
}
SCHOOL_STAGE = {
    SchoolStage.preschool: _l("Pre-school"),
    SchoolStage.primary: _l("Primary school"),
    SchoolStage.junior_secondary: _l("Junior secondary"),
    SchoolStage.senior_secondary: _l("Senior secondary"),
    SchoolStage.vocational: _l("Vocational school"),
    SchoolStage.higher: _l("Higher education"),
}
SELF_CARE = {
    SelfCare.self_care: _l("Self-care"),
    SelfCare.half_care: _l("Half care"),
    SelfCare.full_care: _l("Full care"),
}
SUPPORTER = {
    Supporter.able: _l("Has a supporter able to support"),
    Supporter.unable: _l("Supporter unable to support"),
    Supporter.none: _l("No legal supporter"),
}
ITEM_KIND = {
    ItemKind.income: _l("Income (monthly)"),
    ItemKind.expenditure: _l("Rigid expenditure (monthly)"),
    ItemKind.property: _l("Property (value)"),
}
ITEM_TYPE = {
    ItemKind.income: {
        IncomeType.wages: _l("Wages"),
        IncomeType.business: _l("Business income"),
        IncomeType.property: _l("Property income"),
        IncomeType.transfer: _l("Transfer income"),
        IncomeType.pension: _l("Pension"),
        IncomeType.rural_basic_pension: _l("Rural basic pension"),
    },
    ItemKind.expenditure: {
        ExpenditureType.medical: _l("Medical"),
        ExpenditureType.education: _l("Education"),
        ExpenditureType.other: _l("Other rigid expenditure"),
    },
    ItemKind.property: {
        PropertyType.deposit: _l("Deposits"),
        PropertyType.securities: _l("Securities"),
        PropertyType.vehicle: _l("Motor vehicle"),
        PropertyType.real_estate: _l("Real estate"),
        PropertyType.other: _l("Other property"),
    },
}

# In their own context: "Employment" is 就业 here but 就业状况 for a member.
NEED_DIMENSION = {
    NeedDimension.material: lazy_pgettext("need dimension", "Material"),
    NeedDimension.care: lazy_pgettext("need dimension", "Care"),
    NeedDimension.psychological: lazy_pgettext("need dimension", "Psychological"),
    NeedDimension.employment: lazy_pgettext("need dimension", "Employment"),
    NeedDimension.education: lazy_pgettext("need dimension", "Education"),
    NeedDimension.health: lazy_pgettext("need dimension", "Health"),
    NeedDimension.housing: lazy_pgettext("need dimension", "Housing"),
    NeedDimension.legal: lazy_pgettext("need dimension", "Legal"),
    NeedDimension.social_support: lazy_pgettext("need dimension", "Social support"),
    NeedDimension.emergency: lazy_pgettext("need dimension", "Emergency"),
}
SEVERITY = {
    Severity.none: _l("None"),
    Severity.mild: _l("Mild"),
    Severity.moderate: _l("Moderate"),
    Severity.severe: _l("Severe"),
}
URGENCY = {
    Urgency.routine: _l("Routine"),
    Urgency.priority: _l("Priority"),
    # 紧急, where a household's emergency hardship is 急难.
    Urgency.emergency: lazy_pgettext("urgency", "Emergency"),
}
CHANGE = {"worse": _l("worse"), "better": _l("better"), "same": _l("unchanged")}
IMPORT_MODE = {
    ImportMode.check: _l("Check only: write nothing, show what would be imported"),
    ImportMode.accepted: _l("Import the accepted households, report the rejected rows"),
    ImportMode.all_or_nothing: _l("Import only if every row is accepted, else nothing"),
}
IMPORT_STATUS = {
    ImportStatus.queued: _l("Waiting"),
    ImportStatus.running: _l("Running"),
    ImportStatus.checked: _l("Checked"),
    ImportStatus.imported: _l("Imported"),
    ImportStatus.refused: _l("Nothing imported"),
    ImportStatus.failed: _l("Failed, nothing imported"),
}

# A contract's spending beside its time elapsed (monitoring.service._burn).
BURN = {"on_track": _l("on track"), "behind": _l("behind"), "ahead": _l("ahead")}

EXPORT_STATUS = {
    ExportStatus.queued: _l("Waiting"),
    ExportStatus.running: _l("Being prepared"),
    ExportStatus.ready: _l("Ready"),
    ExportStatus.failed: _l("Failed, nothing kept"),
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


SERVICE_UNIT = {
    ServiceUnit.hour: _l("hour"),
    ServiceUnit.session: _l("session"),
    ServiceUnit.visit: _l("home visit"),
    ServiceUnit.person_time: _l("person-time"),
    ServiceUnit.household_month: _l("household-month"),
    ServiceUnit.piece: _l("piece"),
}
ITEM_STATUS = {
    ItemStatus.draft: _l("Draft"),
    ItemStatus.published: _l("Published"),
    ItemStatus.withdrawn: _l("Withdrawn"),
}
FUNDING_SOURCE = {
    FundingSource.special_funds: _l("Social-assistance special funds"),
    FundingSource.welfare_lottery: _l("Welfare-lottery public-welfare funds"),
    FundingSource.venture_philanthropy: _l("Venture philanthropy"),
    FundingSource.charity_funds: _l("Charity funds"),
}
CONTRACT_STATUS = {
    ContractStatus.draft: _l("Draft"),
    ContractStatus.active: _l("Active"),
    ContractStatus.suspended: _l("Suspended"),
    ContractStatus.closed: _l("Closed"),
}
POST_CATEGORY = {
    PostCategory.social_work: _l("Social-work post"),
    PostCategory.professional_technical: _l("Other professional-technical post"),
    PostCategory.management: _l("Management post"),
    PostCategory.support: _l("Support post"),
}
# 社会工作者职业水平证书: the level the holder's certificate attests.
QUALIFICATION = {
    Qualification.assistant_social_worker: _l("Assistant social worker"),
    Qualification.social_worker: _l("Social worker"),
    Qualification.senior_social_worker: _l("Senior social worker"),
}


RUN_MODE = {
    RunMode.batch: _l("Batch run"),
    RunMode.nightly: _l("Nightly run"),
    RunMode.instant: _l("Instant match"),
}
RUN_STATUS = {
    RunStatus.queued: _l("Queued"),
    RunStatus.running: _l("Running"),
    RunStatus.succeeded: _l("Succeeded"),
    RunStatus.failed: _l("Failed"),
}
# The phases of a run whose seconds it records, in the order they run.
RUN_PHASE = {
    "load": _l("Reading the needs and services"),
    "build": _l("Building the candidate pairs"),
    "greedy": _l("Greedy reference"),
    "solve": _l("Optimum (min-cost flow)"),
    "explain": _l("Explanations"),
    "write": _l("Writing the referrals"),
    "total": _l("Total"),
}
# Why candidate services were set aside for a need (and, for an unmatched need, why it
# is unmatched): short words for tables.
REASON = {
    Reason.no_service: _l("no service of this need in the area"),
    Reason.subcategory: _l("serves another sub-category"),
    Reason.category: _l("not for the household's assistance categories"),
    Reason.age: _l("outside the age range"),
    Reason.disability: _l("only for persons with a disability"),
    Reason.consent: _l("non-government provider, and the household did not consent to share"),
    Reason.already_referred: _l("already served or referred"),
    Reason.declined_before: _l("its provider declined this need before"),
    Reason.provider_blocked: _l("provider blocked by the social-work post rule"),
    Reason.contract_inactive: _l("its contract is not active"),
    Reason.contract_units: _l("no contract units left"),
    Reason.contract_budget: _l("no contract budget left"),
    Reason.full: _l("no places left"),
    Reason.member_other_need: _l("serves another need of the same member"),
    Reason.capacity_taken: _l("places taken by more urgent or closer needs"),
}
# The parts of a pair's cost (matching.costs.WEIGHTS), and what each weighs.
COST_PART = {
    "distance": _l("Distance"),
    "performance": _l("Provider's record"),
    "continuity": _l("Continuity"),
    "price": _l("Price"),
}
COST_PART_HELP = {
    "distance": _l("How far the household lives from the service's nearest point"),
    "performance": _l("How often the provider accepted and completed its referrals"),
    "continuity": _l("Prefer a provider already serving the household"),
    "price": _l("The unit price of a contract-funded service; free services cost nothing"),
}
REFERRAL_STATUS = {
    ReferralStatus.proposed: lazy_pgettext("referral status", "Proposed"),
    ReferralStatus.offered: lazy_pgettext("referral status", "Offered"),
    ReferralStatus.accepted: lazy_pgettext("referral status", "Accepted"),
    ReferralStatus.declined: lazy_pgettext("referral status", "Declined"),
    ReferralStatus.expired: lazy_pgettext("referral status", "Expired"),
    ReferralStatus.revoked: lazy_pgettext("referral status", "Revoked"),
    ReferralStatus.in_service: lazy_pgettext("referral status", "In service"),
    ReferralStatus.completed: lazy_pgettext("referral status", "Completed"),
    ReferralStatus.closed_unresolved: lazy_pgettext("referral status", "Closed unresolved"),
}

DECLINE_REASON = {
    DeclineReason.no_capacity: _l("No capacity"),
    DeclineReason.not_eligible: _l("Not eligible"),
    DeclineReason.cannot_contact: _l("Cannot contact the household"),
    DeclineReason.outside_area: _l("Outside our area"),
    DeclineReason.household_refused: _l("The household refused"),
    DeclineReason.other: _l("Other (say why)"),
}
CASE_OUTCOME = {
    CaseOutcome.resolved: _l("Need resolved"),
    CaseOutcome.partly_resolved: _l("Partly resolved"),
    CaseOutcome.not_resolved: _l("Not resolved"),
    CaseOutcome.moved: _l("Household moved"),
    CaseOutcome.deceased: _l("Deceased"),
    CaseOutcome.other: _l("Other (say what)"),
}
RECORD_KIND = {
    RecordKind.visit: _l("Home visit"),
    RecordKind.session: _l("Session"),
    RecordKind.training_hour: _l("Training hours"),
    RecordKind.goods: _l("Goods delivered"),
}


def why_unmatched(reason) -> str:
    """Why an unmet need is unmatched; none (no matching run has considered it yet, or the
    measures' "not_matched_yet") reads so."""
    return str(REASON[reason]) if reason in REASON else gettext("not matched yet")


def term_label(term) -> str:
    """A taxonomy term in the interface language."""
    return term.name_zh if str(get_locale()).startswith("zh") else term.name_en


def step_text(record: dict) -> str:
    """A decision's stored step (or entitlement) in the interface language."""
    return trace_text(record, gettext)


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
        OUTCOME=OUTCOME,
        SETTING=SETTING,
        SEX=SEX,
        RELATION=RELATION,
        LABOUR_CAPACITY=LABOUR_CAPACITY,
        EMPLOYMENT=EMPLOYMENT,
        SCHOOL_STAGE=SCHOOL_STAGE,
        SELF_CARE=SELF_CARE,
        SUPPORTER=SUPPORTER,
        ITEM_KIND=ITEM_KIND,
        ITEM_TYPE=ITEM_TYPE,
        NEED_DIMENSION=NEED_DIMENSION,
        SEVERITY=SEVERITY,
        URGENCY=URGENCY,
        CHANGE=CHANGE,
        IMPORT_MODE=IMPORT_MODE,
        IMPORT_STATUS=IMPORT_STATUS,
        EXPORT_STATUS=EXPORT_STATUS,
        BURN=BURN,
        SERVICE_UNIT=SERVICE_UNIT,
        ITEM_STATUS=ITEM_STATUS,
        FUNDING_SOURCE=FUNDING_SOURCE,
        CONTRACT_STATUS=CONTRACT_STATUS,
        POST_CATEGORY=POST_CATEGORY,
        QUALIFICATION=QUALIFICATION,
        RUN_MODE=RUN_MODE,
        RUN_STATUS=RUN_STATUS,
        RUN_PHASE=RUN_PHASE,
        REASON=REASON,
        why_unmatched=why_unmatched,
        COST_PART=COST_PART,
        COST_PART_HELP=COST_PART_HELP,
        REFERRAL_STATUS=REFERRAL_STATUS,
        DECLINE_REASON=DECLINE_REASON,
        CASE_OUTCOME=CASE_OUTCOME,
        RECORD_KIND=RECORD_KIND,
        term_label=term_label,
        step_text=step_text,
        translate=translate,
        current_user_permissions=current_user_permissions,
    )
    app.jinja_env.filters["yuan"] = format_yuan
