"""API routes: the policy packs (public policy, readable by every tenant) and
publishing a new version (platform operator)."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.policy import service as policy
from aidbridge.policy.models import PolicyPackVersion
from aidbridge.policy.schemas import (
    PackPublishSchema,
    PackVersionDetailSchema,
    PackVersionQuery,
    PackVersionSchema,
)


@endpoint(
    "/policy/packs",
    summary="Published policy-pack versions, newest first per jurisdiction",
    tag="policy",
    response=PackVersionSchema,
    many=True,
    query=PackVersionQuery,
)
def list_packs(args):
    return policy.versions_query(args.get("jurisdiction"))


@endpoint(
    "/policy/packs/<int:pack_id>",
    summary="One policy-pack version: its text, standards, local settings and rules",
    tag="policy",
    response=PackVersionDetailSchema,
    load={"pack_id": PolicyPackVersion},
)
def get_pack(pack):
    return policy.describe(pack)


@endpoint(
    "/policy/packs",
    "POST",
    summary="Publish a new version of a jurisdiction's pack, in force from its starts_on",
    tag="policy",
    body=PackPublishSchema,
    response=PackVersionDetailSchema,
    status=201,
    permission=Permission.publish_policy,
)
def publish_pack(data):
    return policy.describe(policy.publish(data["text"], current_user))
