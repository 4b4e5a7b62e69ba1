"""API routes: a bureau's matching runs, what they found, instant matches and previews."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.matching import service
from aidbridge.matching.models import MatchingRun
from aidbridge.matching.schemas import (
    InstantInputSchema,
    InstantSchema,
    MatchQuery,
    MatchSchema,
    NeedMatchingSchema,
    PreviewInputSchema,
    PreviewSchema,
    RunInputSchema,
    RunQuery,
    RunSchema,
    UnmatchedNeedSchema,
    UnmatchedQuery,
    UnmatchedSummarySchema,
)
from aidbridge.needs.models import Need

TAG = "matching"
RUN = {"run_id": MatchingRun}
READ, MATCH = Permission.read_matching, Permission.run_matching


@endpoint(
    "/matching/runs",
    summary="Your matching runs, newest first",
    tag=TAG,
    query=RunQuery,
    response=RunSchema,
    many=True,
    permission=READ,
)
def list_runs(args):
    return service.runs_query(args)


@endpoint(
    "/matching/runs",
    "POST",
    summary="Start a matching run for your jurisdiction or an area of it: it runs as a job "
    "(202); its open needs are paired with the pool's services at the global optimum",
    tag=TAG,
    body=RunInputSchema,
    response=RunSchema,
    status=202,
    permission=MATCH,
    errors=(409,),
)
def start_run(data):
    return service.start_run(current_user.tenant, current_user, data)


@endpoint(
    "/matching/runs/<int:run_id>",
    summary="A matching run: its status, counts (matched by urgency, unmatched by reason, "
    "the greedy reference's result beside the optimum) and timings",
    tag=TAG,
    response=RunSchema,
    permission=READ,
    load=RUN,
)
def get_run(run):
    return run


@endpoint(
    "/matching/runs/<int:run_id>/matches",
    summary="The referrals a run proposed, most urgent first, each with the rules that "
    "admitted it, the parts of its cost and the next-best alternatives",
    tag=TAG,
    query=MatchQuery,
    response=MatchSchema,
    many=True,
    permission=READ,
    load=RUN,
)
def list_matches(run, args):
    return service.matches_query(run, args)


@endpoint(
    "/matching/runs/<int:run_id>/unmatched",
    summary="The needs a run could not serve, each with why and how many candidate "
    "services each rule set aside",
    tag=TAG,
    query=UnmatchedQuery,
    response=UnmatchedNeedSchema,
    many=True,
    permission=READ,
    load=RUN,
)
def list_unmatched(run, args):
    return service.unmatched_query(run, args)


@endpoint(
    "/matching/runs/<int:run_id>/unmatched/summary",
    summary="A run's unmatched needs counted by street, dimension and reason: what to buy "
    "next, and where",
    tag=TAG,
    response=UnmatchedSummarySchema,
    permission=READ,
    load=RUN,
)
def unmatched_summary(run):
    return {"run_id": run.id, "groups": service.unmatched_summary(run)}


@endpoint(
    "/needs/<int:need_id>/match",
    "POST",
    summary="Match one need at once against the capacity left (an emergency, ALL-EM-2)",
    tag=TAG,
    body=InstantInputSchema,
    response=InstantSchema,
    status=201,
    permission=MATCH,
    load={"need_id": Need},
    errors=(409,),
)
def match_now(need, data):
    run = service.match_now(current_user.tenant, need, current_user, data)
    return service.instant_result(run)


@endpoint(
    "/needs/<int:need_id>/matching",
    summary="What matching last said of a need: its latest referral with the explanation, "
    "or why the latest run could not serve it",
    tag=TAG,
    response=NeedMatchingSchema,
    permission=READ,
    load={"need_id": Need},
)
def need_matching(need):
    return service.need_matching(need)


@endpoint(
    "/matching/preview",
    "POST",
    summary="What if: how many more needs more places on services of your pool, or new "
    "services in an area, would serve. Writes nothing",
    tag=TAG,
    body=PreviewInputSchema,
    response=PreviewSchema,
    permission=MATCH,
)
def preview(data):
    return service.preview(current_user.tenant, data)
