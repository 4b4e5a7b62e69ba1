"""Which kind of client a request comes from: a program (the REST and HSDS APIs, bearer
tokens, JSON, Accept-Language) or a person in the pages (session, forms, HTML)."""

from __future__ import annotations

from flask import has_request_context, request

# By path, not blueprint: a 404 under /api/ has no blueprint but is still an API answer.
API_PREFIXES = ("/api/", "/hsds/")


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith(API_PREFIXES)
