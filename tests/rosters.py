"""Rosters of posts, built through the workforce's own schema and service."""

from __future__ import annotations

from datetime import date

from aidbridge.extensions import db
from aidbridge.tenancy import tenant_context
from aidbridge.workforce import service as workforce
from aidbridge.workforce.schemas import PostInputSchema

from factories import resident_id

STARTS = "2026-01-05"


def post_json(category: str = "management", **fields) -> dict:
    """A post as the API takes it: held, full-time, from 5 January 2026."""
    return {
        "title": "社会工作者" if category == "social_work" else "岗位",
        "category": category,
        "holder_name": "王芳",
        "starts_on": STARTS,
        **fields,
    }


def certified(number: str, **fields) -> dict:
    """A social-work post held by a social worker certified in June 2025."""
    return post_json(
        "social_work",
        **{
            "qualification": "social_worker",
            "certificate_number": number,
            "certified_on": "2025-06-01",
            **fields,
        },
    )


def make_post(tenant, category: str = "management", **fields):
    """A post of ``tenant``'s roster, as the API would add it."""
    return add(tenant, post_json(category, **fields))


def add(tenant, payload: dict):
    data = PostInputSchema().load(payload)
    with tenant_context(tenant.id):
        post = workforce.add_post(tenant, data, None)
        db.session.commit()
    return post


def make_roster(tenant, **counts: int) -> list:
    """``make_roster(agency, social_work=3, management=7)``: that many posts of each
    category, their holders uncertified."""
    return [make_post(tenant, category) for category, count in counts.items() for _ in range(count)]


def holder_id() -> str:
    """A holder's valid resident ID number (a different one each call)."""
    return resident_id(date(1990, 3, 8))
