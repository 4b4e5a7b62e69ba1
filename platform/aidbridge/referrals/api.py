"""API routes: referrals between a bureau and a provider — offering, answering,
revoking, and reading them as each side may."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.clock import utcnow
from aidbridge.households.schemas import RevealedSchema
from aidbridge.matching.models import MatchingRun
from aidbridge.referrals import service
from aidbridge.referrals.models import Referral
from aidbridge.referrals.schemas import (
    AcceptInputSchema,
    CloseInputSchema,
    DeclineInputSchema,
    OfferedSchema,
    RecordInputSchema,
    ReferralQuery,
    ReferralSchema,
    RevokeInputSchema,
    ServiceRecordSchema,
)
from aidbridge.tenancy import SharedLookup

TAG = "referrals"
READ, OFFER, ANSWER = (
    Permission.read_referrals,
    Permission.offer_referrals,
    Permission.answer_referrals,
)
# A referral as the caller may see it: the bureau's own, or one offered to the caller.
REFERRAL = {
    "referral_id": SharedLookup(
        Referral, lambda referral_id: service.find_referral(current_user.tenant, referral_id)
    )
}


def _seen(referral: Referral) -> dict:
    return service.view(referral, current_user.tenant)


@endpoint(
    "/referrals",
    summary="The referrals between you and the other side: a bureau's, or a provider's "
    "inbox (offers awaiting an answer first, most urgent and soonest due first)",
    tag=TAG,
    query=ReferralQuery,
    response=ReferralSchema,
    many=True,
    permission=READ,
    present=_seen,
)
def list_referrals(args):
    return service.referrals_query(current_user.tenant, args)


@endpoint(
    "/referrals/<int:referral_id>",
    summary="A referral with its history; the provider sees the household's address "
    "and head only once it accepted (each reading logged)",
    tag=TAG,
    response=ReferralSchema,
    permission=READ,
    load=REFERRAL,
)
def get_referral(referral):
    return _seen(referral)


@endpoint(
    "/referrals/<int:referral_id>/offer",
    "POST",
    summary="Offer a proposed referral to its provider, with the response time of the "
    "policy pack (ALL-PR-1; an emergency ALL-EM-2)",
    tag=TAG,
    response=ReferralSchema,
    permission=OFFER,
    load=REFERRAL,
)
def offer(referral):
    return _seen(service.offer(referral, current_user, utcnow()))


@endpoint(
    "/matching/runs/<int:run_id>/offer",
    "POST",
    summary="Offer every proposed referral of a run to its provider",
    tag=TAG,
    response=OfferedSchema,
    permission=OFFER,
    load={"run_id": MatchingRun},
)
def offer_run(run):
    return service.offer_run(run.id, current_user, utcnow())


@endpoint(
    "/referrals/<int:referral_id>/revoke",
    "POST",
    summary="Withdraw a referral not yet in service; what it held goes back",
    tag=TAG,
    body=RevokeInputSchema,
    response=ReferralSchema,
    permission=OFFER,
    load=REFERRAL,
)
def revoke(referral, data):
    return _seen(service.revoke(referral, data["note"], current_user, utcnow()))


@endpoint(
    "/referrals/<int:referral_id>/accept",
    "POST",
    summary="Accept an offered referral, naming the social worker who will serve it; "
    "of two at the same moment one wins, the other gets 409",
    tag=TAG,
    body=AcceptInputSchema,
    response=ReferralSchema,
    permission=ANSWER,
    load=REFERRAL,
    errors=(409,),
)
def accept(referral, data):
    return _seen(service.accept(referral, data["worker_id"], current_user, utcnow()))


@endpoint(
    "/referrals/<int:referral_id>/decline",
    "POST",
    summary="Decline an offered referral with a reason; the need is matched again without you",
    tag=TAG,
    body=DeclineInputSchema,
    response=ReferralSchema,
    permission=ANSWER,
    load=REFERRAL,
    errors=(409,),
)
def decline(referral, data):
    return _seen(service.decline(referral, data, current_user, utcnow()))


@endpoint(
    "/referrals/<int:referral_id>/records",
    "POST",
    summary="Record a visit, session, training hours or goods delivered on an accepted "
    "case; for a contract-funded service it draws the contract down",
    tag=TAG,
    body=RecordInputSchema,
    response=ServiceRecordSchema,
    status=201,
    permission=ANSWER,
    load=REFERRAL,
)
def record_service(referral, data):
    return service.record_view(service.record_service(referral, data, current_user, utcnow()))


@endpoint(
    "/referrals/<int:referral_id>/close",
    "POST",
    summary="Close the case: completed (after a service record) or closed unresolved, "
    "with the outcome, the household's satisfaction and the need's severity at closing",
    tag=TAG,
    body=CloseInputSchema,
    response=ReferralSchema,
    permission=ANSWER,
    load=REFERRAL,
)
def close(referral, data):
    return _seen(service.close(referral, data, current_user, utcnow()))


@endpoint(
    "/referrals/<int:referral_id>/phone",
    summary="The household's phone in full, once the referral is accepted (the reading is logged)",
    tag=TAG,
    response=RevealedSchema,
    permission=READ,
    load=REFERRAL,
    errors=(409,),
)
def reveal_referral_phone(referral):
    return {"value": service.reveal_phone(referral, current_user)}
