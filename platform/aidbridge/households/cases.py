"""Cases a bureau grants to social-work agencies, which assist with the assessment.

A household stays its bureau's record. While a grant is open, the agency's assessors
may read the household (ID and phone numbers masked) and assess its needs; for that
request they act in the bureau's scope, so the assessment they record is the bureau's,
with their name and organisation on it (CN21-AS-1: one assessment every agency uses).
Ending the grant ends the access at once; the grant is kept, as history.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from aidbridge.accounts.models import Tenant, TenantStatus, TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.audit import service as audit
from aidbridge.clock import utcnow
from aidbridge.errors import Conflict, InvalidInput
from aidbridge.extensions import db
from aidbridge.households.models import CaseGrant, Household
from aidbridge.i18n import N_
from aidbridge.notifications import service as notifications
from aidbridge.tenancy import act_for, tenant_context


def agencies_query(bureau: Tenant):
    """The agencies a bureau may grant cases to: active agencies of its pool (the tenants
    that follow its policy pack)."""
    return (
        select(Tenant)
        .options(joinedload(Tenant.jurisdiction))
        .where(
            Tenant.type == TenantType.agency,
            Tenant.status == TenantStatus.active,
            Tenant.policy_pack == bureau.policy_pack,
        )
        .order_by(Tenant.name, Tenant.id)
    )


def grant(bureau: Tenant, household: Household, data: dict, actor) -> CaseGrant:
    """Open the household to an agency of the bureau's pool and tell its assessors."""
    agency = db.session.scalar(agencies_query(bureau).where(Tenant.id == data["agency_id"]))
    if agency is None:
        raise InvalidInput.field("agency_id", N_("no such active agency in your pool"))
    case = CaseGrant(
        household=household,
        agency_id=agency.id,
        note=data["note"],
        granted_by_id=actor.id if actor else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(case)
            db.session.flush()
    except IntegrityError:
        raise Conflict.field("agency_id", N_("the agency already has this case")) from None
    # The agency's notifications are its rows, written in its scope, where a flush
    # refuses the bureau's pending rows: the grant is flushed before, the audit after.
    with tenant_context(agency.id):
        notifications.notify(
            agency.id,
            Permission.assess_needs,
            "case_granted",
            N_("%(bureau)s asks you to assist with the assessment of household %(household)s"),
            {"bureau": bureau.name, "household": household.id},
        )
    audit.record(
        "case.grant",
        "household",
        household.id,
        tenant_id=household.tenant_id,
        after={"grant": case.id, "agency": agency.id, "note": case.note},
    )
    return case


def end(case: CaseGrant, actor) -> CaseGrant:
    """End the agency's access to the case; what it recorded stays."""
    if not case.is_open:
        raise Conflict.field("ended_at", N_("the grant has already ended"))
    case.ended_at = utcnow()
    case.ended_by_id = actor.id if actor else None
    audit.record(
        "case.end",
        "household",
        case.household_id,
        tenant_id=case.tenant_id,
        after={"grant": case.id, "agency": case.agency_id},
    )
    return case


def grants_query(household: Household):
    """The household's grants, open ones first, then newest."""
    return (
        select(CaseGrant)
        .where(CaseGrant.household_id == household.id)
        .options(joinedload(CaseGrant.agency), joinedload(CaseGrant.granted_by))
        .order_by(CaseGrant.ended_at.is_not(None), CaseGrant.granted_at.desc(), CaseGrant.id)
    )


def open_cases_query(agency: Tenant):
    """The cases bureaus have open for the agency, newest first. Read across tenants on
    purpose: the grants are the bureaus' rows, and they name this agency."""
    return (
        select(CaseGrant)
        .join(CaseGrant.household)
        .where(CaseGrant.agency_id == agency.id, CaseGrant.ended_at.is_(None))
        .options(
            # In one statement: the agency's own scope would hide the bureau's members
            # from a later load.
            joinedload(CaseGrant.household).joinedload(Household.area),
            joinedload(CaseGrant.household).selectinload(Household.members),
            joinedload(CaseGrant.bureau),
        )
        .order_by(CaseGrant.granted_at.desc(), CaseGrant.id.desc())
        .execution_options(all_tenants=True)
    )


def open_grant(household: Household, agency: Tenant) -> CaseGrant | None:
    """The agency's open grant of the household (in the household's bureau's scope)."""
    return db.session.scalar(
        select(CaseGrant).where(
            CaseGrant.household_id == household.id,
            CaseGrant.agency_id == agency.id,
            CaseGrant.ended_at.is_(None),
        )
    )


def find_case(viewer: Tenant, household_id: int) -> Household | None:
    """The household as ``viewer`` may work on it: its own, or one a bureau has open for
    it. For the latter the rest of the request acts in the bureau's scope, so that what
    the agency reads and records is the bureau's record (see the module's docstring)."""
    own = db.session.scalar(select(Household).where(Household.id == household_id))
    if own is not None:
        return own
    granted = db.session.scalar(
        select(Household)
        .join(CaseGrant, CaseGrant.household_id == Household.id)
        .where(
            Household.id == household_id,
            CaseGrant.agency_id == viewer.id,
            CaseGrant.ended_at.is_(None),
        )
        .execution_options(all_tenants=True)
    )
    if granted is not None:
        act_for(granted.tenant_id)
    return granted
