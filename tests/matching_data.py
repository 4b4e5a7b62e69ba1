"""Matching test data: households assessed with open needs, and published services,
through the real services (registration, assessment, the pool)."""

from __future__ import annotations

from datetime import date

from aidbridge.extensions import db
from aidbridge.needs import service as needs
from aidbridge.needs.models import Need
from aidbridge.needs.schemas import AssessmentInputSchema
from aidbridge.tenancy import tenant_context

from factories import household_data, make_service, member_data, register_household

# 和平桥街道 (320613001) with its communities 北大街 (…001) and 南大街 (…002); 城东街道.
STREET = "320613001"
NORTH, SOUTH = "320613001001", "320613001002"
OTHER_STREET = "320613002"
OTHER_STREET_COMMUNITY = "320613002001"


def published(provider, **fields):
    """A published service of ``provider``: care home visits in the whole city unless
    told otherwise, 20 places."""
    places = fields.pop("places", 20)
    fields.setdefault("areas", [provider.jurisdiction_code])
    fields.setdefault(
        "capacity",
        {"unit": "户次", "period": "month", "per_period": max(places, 1), "available": places},
    )
    return make_service(provider, status="published", **fields)


def assessed(bureau, *wanted: dict, area=NORTH, members=None, consents=True, **household):
    """A household of ``bureau`` in ``area`` assessed with the needs ``wanted`` (each a
    need as the assessment API takes it; ``member`` names a member by position).
    Returns (household, [need items, in order])."""
    data = household_data(
        *(members or [member_data(date(1960, 3, 1))]), area_code=area, **household
    )
    created = register_household(bureau, data)
    with tenant_context(bureau.id):
        rows = []
        for need in wanted:
            need = {"severity": "moderate", "urgency": "routine", **need}
            member = need.pop("member", None)
            need["member_id"] = None if member is None else created.members[member].id
            rows.append(need)
        needs.assess(
            created,
            AssessmentInputSchema().load(
                {"assessed_on": "2026-11-20", "consents_to_share": consents, "needs": rows}
            ),
            None,
        )
        db.session.commit()
        items = [
            db.session.scalars(
                db.select(Need).where(
                    Need.household_id == created.id,
                    Need.dimension == r["dimension"],
                    Need.member_id == r["member_id"]
                    if r["member_id"]
                    else Need.member_id.is_(None),
                )
            ).one()
            for r in rows
        ]
    return created, items
