"""The API's description of itself."""

from flask import current_app

from aidbridge.api import endpoint
from aidbridge.api.openapi import build_spec


@endpoint(
    "/openapi.json",
    summary="This OpenAPI 3 document",
    tag="meta",
    public=True,
    permission=None,
    raw="application/json",
)
def openapi():
    return build_spec(current_app.config.get("API_VERSION", "1.0"))
