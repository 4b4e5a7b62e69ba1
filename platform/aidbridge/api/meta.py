"""The API's description of itself."""

from functools import cache

from aidbridge.api import endpoint
from aidbridge.api.openapi import build_spec

# The document's version: bumped when the /api/v1 contract changes compatibly.
API_VERSION = "1.0"


@endpoint(
    "/openapi.json",
    summary="This OpenAPI 3 document",
    tag="meta",
    public=True,
    permission=None,
    raw="application/json",
)
def openapi():
    return _spec()


@cache
def _spec() -> dict:
    # Routes are all declared at start-up; the document never changes after.
    return build_spec(API_VERSION)
