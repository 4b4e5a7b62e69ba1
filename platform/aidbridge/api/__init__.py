"""The REST API under ``/api/v1``: JSON only, bearer tokens, marshmallow schemas."""

from aidbridge.api.framework import api, endpoint

__all__ = ["api", "endpoint"]
