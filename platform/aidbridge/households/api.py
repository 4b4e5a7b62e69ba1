"""API routes: a bureau's households, their members, facts and decisions."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.clock import local_today
from aidbridge.errors import InvalidInput
from aidbridge.households import cases, importing, service
from aidbridge.households.models import (
    CaseGrant,
    EconomicItem,
    Household,
    HouseholdImport,
    Member,
)
from aidbridge.households.schemas import (
    AgencySchema,
    CaseGrantInputSchema,
    CaseGrantSchema,
    CaseSchema,
    DecisionInputSchema,
    DecisionSchema,
    HouseholdChangeSchema,
    HouseholdDetailSchema,
    HouseholdImportSchema,
    HouseholdImportSummarySchema,
    HouseholdQuery,
    HouseholdSchema,
    ImportQuery,
    ItemChangeSchema,
    ItemInputSchema,
    ItemSchema,
    MemberChangeSchema,
    MemberInputSchema,
    MemberSchema,
    RegistrationSchema,
    RevealedSchema,
    ReviewsSchema,
)
from aidbridge.i18n import N_
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup
from aidbridge.web.downloads import attachment

TAG = "households"
NOT_A_FILE = N_("send the CSV or XLSX file as the body, or as the multipart field 'file'")
KEEP = Permission.register_households
HOUSEHOLD = {"household_id": Household}
# A household as the caller may work on it: a bureau's own, or a case a bureau has open
# for the caller's agency (the request then acts in that bureau's scope).
CASE = {
    "household_id": SharedLookup(
        Household, lambda household_id: cases.find_case(current_user.tenant, household_id)
    )
}
MEMBER = {**HOUSEHOLD, "member_id": Member}
ITEM = {**HOUSEHOLD, "item_id": EconomicItem}


@endpoint(
    "/households",
    summary="Your households, filtered by area, outcome, review date or ID number",
    tag=TAG,
    query=HouseholdQuery,
    response=HouseholdSchema,
    many=True,
    permission=KEEP,
)
def list_households(args):
    return service.households_query(args, local_today())


@endpoint(
    "/households/reviews",
    summary="Reviews due (within the notice period) and overdue, per street",
    tag=TAG,
    response=ReviewsSchema,
    permission=KEEP,
)
def reviews_by_street():
    today = local_today()
    return {
        "on": today,
        "notice_days": current_app.config["REVIEW_NOTICE_DAYS"],
        "streets": service.reviews_by_street(today),
    }


@endpoint(
    "/households",
    "POST",
    summary="Register a household with its members and economic facts",
    tag=TAG,
    body=RegistrationSchema,
    response=HouseholdDetailSchema,
    status=201,
    permission=KEEP,
    errors=(409,),
)
def register_household(data):
    return service.register(current_user.tenant, data)


@endpoint(
    "/households/<int:household_id>",
    summary="A household with its members (numbers masked) and facts: your bureau's, "
    "or a case a bureau has open for your agency",
    tag=TAG,
    response=HouseholdDetailSchema,
    permission=Permission.read_households,
    load=CASE,
)
def get_household(household):
    return household


@endpoint(
    "/households/<int:household_id>",
    "PATCH",
    summary="Change a household's address, phone, authorisation or flags",
    tag=TAG,
    body=HouseholdChangeSchema,
    response=HouseholdDetailSchema,
    permission=KEEP,
    load=HOUSEHOLD,
)
def update_household(household, data):
    return service.update_household(current_user.tenant, household, data)


@endpoint(
    "/households/<int:household_id>/phone",
    summary="The household's phone number in full (the reading is logged)",
    tag=TAG,
    response=RevealedSchema,
    permission=Permission.read_personal_data,
    load=HOUSEHOLD,
)
def reveal_phone(household):
    return {"value": service.reveal_phone(household)}


@endpoint(
    "/households/<int:household_id>/members",
    "POST",
    summary="Add a member",
    tag=TAG,
    body=MemberInputSchema,
    response=MemberSchema,
    status=201,
    permission=KEEP,
    load=HOUSEHOLD,
    errors=(409,),
)
def add_member(household, data):
    return service.add_member(household, data)


@endpoint(
    "/households/<int:household_id>/members/<int:member_id>",
    "PATCH",
    summary="Change a member",
    tag=TAG,
    body=MemberChangeSchema,
    response=MemberSchema,
    permission=KEEP,
    load=MEMBER,
    errors=(409,),
)
def update_member(household, member, data):
    return service.update_member(service.part_of(household, member), data)


@endpoint(
    "/households/<int:household_id>/members/<int:member_id>/id-number",
    summary="A member's ID number in full (the reading is logged)",
    tag=TAG,
    response=RevealedSchema,
    permission=Permission.read_personal_data,
    load=MEMBER,
)
def reveal_id_number(household, member):
    return {"value": service.reveal_id_number(service.part_of(household, member))}


@endpoint(
    "/households/<int:household_id>/items",
    "POST",
    summary="Record an income, a rigid expenditure or a property item",
    tag=TAG,
    body=ItemInputSchema,
    response=ItemSchema,
    status=201,
    permission=KEEP,
    load=HOUSEHOLD,
)
def add_item(household, data):
    return service.add_item(household, data)


@endpoint(
    "/households/<int:household_id>/items/<int:item_id>",
    "PATCH",
    summary="Change an item's amount, dates or note (end it with ends_on)",
    tag=TAG,
    body=ItemChangeSchema,
    response=ItemSchema,
    permission=KEEP,
    load=ITEM,
)
def update_item(household, item, data):
    return service.update_item(service.part_of(household, item), data)


@endpoint(
    "/households/<int:household_id>/items/<int:item_id>",
    "DELETE",
    summary="Remove an item recorded in error",
    tag=TAG,
    permission=KEEP,
    load=ITEM,
)
def remove_item(household, item):
    service.remove_item(service.part_of(household, item))


@endpoint(
    "/households/<int:household_id>/decisions",
    "POST",
    summary="Classify the household under the policy pack in force on a date",
    tag=TAG,
    body=DecisionInputSchema,
    response=DecisionSchema,
    status=201,
    permission=KEEP,
    load=HOUSEHOLD,
)
def decide(household, data):
    return service.decide(household, data["decided_on"], current_user)


@endpoint(
    "/households/<int:household_id>/decisions",
    summary="The household's decisions, latest first, each with its rule trace",
    tag=TAG,
    query=PageQuery,
    response=DecisionSchema,
    many=True,
    permission=KEEP,
    load=HOUSEHOLD,
)
def list_decisions(household, args):
    return service.decisions_query(household)


# --- bulk import ---------------------------------------------------------------------------


# --- cases granted to agencies --------------------------------------------------------------


@endpoint(
    "/agencies",
    summary="The social-work agencies of your pool, to which you may grant cases",
    tag="cases",
    query=PageQuery,
    response=AgencySchema,
    many=True,
    permission=Permission.grant_cases,
)
def list_agencies(args):
    return cases.agencies_query(current_user.tenant)


@endpoint(
    "/households/<int:household_id>/grants",
    summary="The agencies the household's case is (or was) open to",
    tag="cases",
    query=PageQuery,
    response=CaseGrantSchema,
    many=True,
    permission=KEEP,
    load=HOUSEHOLD,
)
def list_grants(household, args):
    return cases.grants_query(household)


@endpoint(
    "/households/<int:household_id>/grants",
    "POST",
    summary="Open the household's case to an agency that assists with its assessment",
    tag="cases",
    body=CaseGrantInputSchema,
    response=CaseGrantSchema,
    status=201,
    permission=Permission.grant_cases,
    load=HOUSEHOLD,
    errors=(409,),
)
def grant_case(household, data):
    return cases.grant(current_user.tenant, household, data, current_user)


@endpoint(
    "/households/<int:household_id>/grants/<int:grant_id>/end",
    "POST",
    summary="End an agency's access to the case (what it recorded stays)",
    tag="cases",
    response=CaseGrantSchema,
    permission=Permission.grant_cases,
    load={**HOUSEHOLD, "grant_id": CaseGrant},
    errors=(409,),
)
def end_grant(household, grant):
    return cases.end(service.part_of(household, grant), current_user)


@endpoint(
    "/cases",
    summary="The cases bureaus have open for your agency, newest first",
    tag="cases",
    query=PageQuery,
    response=CaseSchema,
    many=True,
    permission=Permission.read_households,
)
def list_cases(args):
    return cases.open_cases_query(current_user.tenant)


@endpoint(
    "/households/import",
    "POST",
    summary="Import households and members from a CSV or XLSX file (the body, or the "
    "multipart field 'file') in the layout of /households/import/template.csv; runs as a "
    "job, whose report is in the answer once it has run (GET /households/imports/{id})",
    tag=TAG,
    query=ImportQuery,
    response=HouseholdImportSchema,
    status=202,
    permission=KEEP,
    errors=(422,),
)
def import_households(args):
    raw, name = _upload()
    return importing.submit(
        current_user.tenant, current_user, raw, args["file_name"] or name, args["mode"]
    )


def _upload() -> tuple[bytes, str]:
    """The file and its name: the body itself, or the multipart field ``file``."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        return (upload.read(), upload.filename or "") if upload else (b"", "")
    if request.mimetype == "application/json":
        raise InvalidInput.field("file", NOT_A_FILE)
    return request.get_data(), ""


@endpoint(
    "/households/imports",
    summary="Your imports of households, newest first, with their counts",
    tag=TAG,
    response=HouseholdImportSummarySchema,
    many=True,
    permission=KEEP,
)
def list_imports(args):
    return importing.imports_query()


@endpoint(
    "/households/imports/<int:household_import_id>",
    summary="An import of households with its report: counts and every rejected row",
    tag=TAG,
    response=HouseholdImportSchema,
    permission=KEEP,
    load={"household_import_id": HouseholdImport},
)
def get_import(household_import):
    return household_import


@endpoint(
    "/households/import/template.csv",
    summary="The import layout: the header row and an example household (UTF-8 CSV)",
    tag=TAG,
    permission=KEEP,
    raw="text/csv",
)
def import_template_csv():
    return attachment(importing.template_csv(), "text/csv", "households.csv")


@endpoint(
    "/households/import/template.xlsx",
    summary="The import layout as an XLSX workbook whose cells are text (ID numbers keep "
    "their digits)",
    tag=TAG,
    permission=KEEP,
    raw=importing.XLSX_TYPE,
)
def import_template_xlsx():
    return attachment(importing.template_xlsx(), importing.XLSX_TYPE, "households.xlsx")
