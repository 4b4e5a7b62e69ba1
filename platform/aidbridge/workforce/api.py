"""API routes: a provider's roster of posts and its social-work post share; a bureau's
view of its pool's providers."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.models import Tenant
from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.clock import local_today
from aidbridge.households.schemas import RevealedSchema
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup
from aidbridge.workforce import service
from aidbridge.workforce.models import Post
from aidbridge.workforce.schemas import (
    ComplianceQuery,
    ComplianceSnapshotSchema,
    OrganisationComplianceSchema,
    PostChangeSchema,
    PostEndSchema,
    PostInputSchema,
    PostQuery,
    PostSchema,
    ProvidersComplianceSchema,
)

TAG = "workforce"
POST = {"post_id": Post}
# A charity or agency of the caller's pool; another pool's, or a tenant that is no
# provider, is a 404.
PROVIDER = {
    "provider_id": SharedLookup(
        Tenant, lambda provider_id: service.find_provider(current_user.tenant, provider_id)
    )
}


@endpoint(
    "/posts",
    summary="Your organisation's roster of posts, latest start first (filter: active on a "
    "date, category, contract served)",
    tag=TAG,
    query=PostQuery,
    response=PostSchema,
    many=True,
    permission=Permission.read_roster,
)
def list_posts(args):
    return service.posts_query(args)


@endpoint(
    "/posts",
    "POST",
    summary="Add a post to your roster, with its holder (none while vacant), the holder's "
    "social-work certificate and the contracts it serves",
    tag=TAG,
    body=PostInputSchema,
    response=PostSchema,
    status=201,
    permission=Permission.keep_roster,
    errors=(409,),
)
def add_post(data):
    return service.add_post(current_user.tenant, data, current_user)


@endpoint(
    "/posts/<int:post_id>",
    summary="A post of your roster (the holder's ID number masked)",
    tag=TAG,
    response=PostSchema,
    permission=Permission.read_roster,
    load=POST,
)
def get_post(post):
    return post


@endpoint(
    "/posts/<int:post_id>",
    "PATCH",
    summary="Change a post: its holder, certificate, dates or the contracts it serves",
    tag=TAG,
    body=PostChangeSchema,
    response=PostSchema,
    permission=Permission.keep_roster,
    load=POST,
    errors=(409,),
)
def update_post(post, data):
    return service.update_post(post, data, current_user)


@endpoint(
    "/posts/<int:post_id>/end",
    "POST",
    summary="End a post on its last day (it stays in the roster's history)",
    tag=TAG,
    body=PostEndSchema,
    response=PostSchema,
    permission=Permission.keep_roster,
    load=POST,
)
def end_post(post, data):
    return service.end_post(post, data["ends_on"], current_user)


@endpoint(
    "/posts/<int:post_id>/id-number",
    summary="The post holder's ID number in full (the reading is logged)",
    tag=TAG,
    response=RevealedSchema,
    permission=Permission.read_staff_id_numbers,
    load=POST,
)
def reveal_post_holder_id_number(post):
    return {"value": service.reveal_holder_id_number(post)}


@endpoint(
    "/compliance",
    summary="Your organisation's share of social-work posts under its pack's rule, today "
    "or on a date: as a whole, for each contract in force, and the days it changed in "
    "the twelve months before",
    tag=TAG,
    query=ComplianceQuery,
    response=OrganisationComplianceSchema,
    permission=Permission.read_roster,
)
def get_own_compliance(args):
    return service.organisation_compliance(current_user.tenant, args["on"] or local_today())


@endpoint(
    "/compliance/snapshots",
    summary="Your organisation's share of social-work posts month by month, latest first",
    tag=TAG,
    query=PageQuery,
    response=ComplianceSnapshotSchema,
    many=True,
    permission=Permission.read_roster,
)
def list_own_compliance_snapshots(args):
    return service.snapshots_query(current_user.tenant)


@endpoint(
    "/providers/compliance",
    summary="Every active charity and agency of your pool with its share of social-work "
    "posts, today or on a date (those falling short first)",
    tag=TAG,
    query=ComplianceQuery,
    response=ProvidersComplianceSchema,
    permission=Permission.read_compliance,
)
def list_providers_compliance(args):
    on = args["on"] or local_today()
    return {"on": on, "providers": service.providers_overview(current_user.tenant, on)}


@endpoint(
    "/providers/<int:provider_id>/compliance/snapshots",
    summary="A provider of your pool: its share of social-work posts month by month, latest first",
    tag=TAG,
    query=PageQuery,
    response=ComplianceSnapshotSchema,
    many=True,
    permission=Permission.read_compliance,
    load=PROVIDER,
)
def list_provider_compliance_snapshots(provider, args):
    return service.snapshots_query(provider)
