"""API routes: needs assessments of a household, and the bureau's need items."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.households.api import CASE
from aidbridge.households.service import part_of
from aidbridge.needs import service
from aidbridge.needs.models import Assessment, Need
from aidbridge.needs.schemas import (
    AssessmentDetailSchema,
    AssessmentInputSchema,
    AssessmentSchema,
    EmergencyIntakeSchema,
    IntakeSchema,
    NeedQuery,
    NeedSchema,
    ProposalQuery,
    ProposalSchema,
)
from aidbridge.schemas import PageQuery

TAG = "needs"
KEEP = Permission.register_households
READ = Permission.read_households


@endpoint(
    "/households/emergency",
    "POST",
    summary="Take in a household on an emergency (ALL-EM-1): register it with what is "
    "known now (ID numbers may follow, ALL-EM-3) and open its emergency need at once",
    tag=TAG,
    body=EmergencyIntakeSchema,
    response=IntakeSchema,
    status=201,
    permission=Permission.take_in_emergency,
    errors=(409,),
)
def take_in_emergency(data):
    assessment = service.take_in_emergency(current_user.tenant, data, current_user)
    return {
        "household": assessment.household,
        "assessment": assessment,
        "need": assessment.needs[0].need,
    }


@endpoint(
    "/households/<int:household_id>/assessments/proposal",
    summary="The needs, ratings and grade the household's facts suggest, with the reasons",
    tag=TAG,
    query=ProposalQuery,
    response=ProposalSchema,
    permission=Permission.assess_needs,
    load=CASE,
)
def propose(household, args):
    return service.proposal(household, args["on"])


@endpoint(
    "/households/<int:household_id>/assessments",
    "POST",
    summary="Record the household's needs assessment (a new version) and its need items",
    tag=TAG,
    body=AssessmentInputSchema,
    response=AssessmentDetailSchema,
    status=201,
    permission=Permission.assess_needs,
    load=CASE,
)
def assess(household, data):
    return service.detail(service.assess(household, data, current_user))


@endpoint(
    "/households/<int:household_id>/assessments",
    summary="The household's assessments, latest version first",
    tag=TAG,
    query=PageQuery,
    response=AssessmentSchema,
    many=True,
    permission=READ,
    load=CASE,
)
def list_assessments(household, args):
    return service.assessments_query(household)


@endpoint(
    "/households/<int:household_id>/assessments/<int:assessment_id>",
    summary="One assessment with the change per dimension since the previous one",
    tag=TAG,
    response=AssessmentDetailSchema,
    permission=READ,
    load={**CASE, "assessment_id": Assessment},
)
def get_assessment(household, assessment):
    return service.detail(part_of(household, assessment))


@endpoint(
    "/needs",
    summary="Your need items (open by default), most urgent first",
    tag=TAG,
    query=NeedQuery,
    response=NeedSchema,
    many=True,
    permission=KEEP,
)
def list_needs(args):
    return service.needs_query(args)


@endpoint(
    "/needs/<int:need_id>",
    summary="One need item with the reason it was proposed",
    tag=TAG,
    response=NeedSchema,
    permission=KEEP,
    load={"need_id": Need},
)
def get_need(need):
    return need
