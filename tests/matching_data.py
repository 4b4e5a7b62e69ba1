"""Matching test data: households assessed with open needs, and published services,
through the real services (registration, assessment, the pool)."""

from __future__ import annotations

from datetime import date

from aidbridge.clock import local_today
from aidbridge.extensions import db
from aidbridge.matching.models import MatchingRun
from aidbridge.needs import service as needs
from aidbridge.needs.models import Need
from aidbridge.needs.schemas import AssessmentInputSchema
from aidbridge.tenancy import tenant_context

from factories import household_data, make_service, member_data, register_household
from matching_checker import referral_problems, snapshot

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
                    Need.subcategory_code == r["subcategory"]
                    if r.get("subcategory")
                    else Need.subcategory_code.is_(None),
                    Need.member_id == r["member_id"]
                    if r["member_id"]
                    else Need.member_id.is_(None),
                )
            ).one()
            for r in rows
        ]
    return created, items


def contract_funding(
    bureau,
    provider,
    *,
    units=10,
    budget_fen=1_000_000,
    price_fen=5_000,
    dimension="care",
    subcategory=None,
    areas=None,
    compliant=True,
):
    """An active contract of ``bureau`` with ``provider`` buying one item of the need
    (``units`` at ``price_fen``, within ``budget_fen``), over a period around today.
    ``compliant``: the provider's roster meets NT21-SW-1 (3 social-work posts of 10),
    else it has none, and the Nantong pack blocks it from new matches of the contract."""
    from datetime import timedelta

    from aidbridge.clock import local_today
    from aidbridge.contracts import service as contracts
    from aidbridge.contracts.models import ContractStatus, ItemStatus
    from aidbridge.contracts.schemas import ContractInputSchema, PurchaseItemInputSchema

    from rosters import make_roster

    if compliant:
        make_roster(provider, social_work=3, management=7)
    today = local_today()
    with tenant_context(bureau.id):
        item = contracts.add_item(
            PurchaseItemInputSchema().load(
                {
                    "code": f"MI-{provider.id}-{units}-{price_fen}",
                    "name": "购买服务项目",
                    "dimension": dimension,
                    "subcategory": subcategory,
                    "unit": "visit",
                    "unit_price_fen": price_fen,
                }
            )
        )
        contracts.set_item_status(item, ItemStatus.published)
        contract = contracts.create_contract(
            bureau,
            ContractInputSchema().load(
                {
                    "provider_id": provider.id,
                    "number": f"HT-{provider.id}-{item.id}",
                    "title": "购买服务合同",
                    "starts_on": (today - timedelta(days=30)).isoformat(),
                    "ends_on": (today + timedelta(days=180)).isoformat(),
                    "budget_fen": budget_fen,
                    "funding_source": "special_funds",
                    "areas": areas or [bureau.jurisdiction_code],
                    "items": [{"purchase_item_id": item.id, "units": units}],
                }
            ),
        )
        if compliant:
            contracts.set_contract_status(contract, ContractStatus.active, today)
        else:  # activated before the roster fell short: the block bites new matches only
            contract.status = ContractStatus.active
        db.session.commit()
    return contract


def funded(bureau, provider, contract, **fields):
    """A published service of ``provider`` funded by ``contract``."""
    from aidbridge.contracts import service as contracts

    service = published(provider, **fields)
    # Read across tenants, as the provider's request does (the contract is the bureau's).
    contracts.fund_service(provider, service, contract.id)
    db.session.commit()
    return service


def run(api, **body) -> dict:
    """A run as the caseworker starts it (in process: finished when it answers), judged
    by the checker against the records as they were before it."""
    before = snapshot(db.session)
    started = api("POST", "/matching/runs", json=body)
    assert started.status_code == 202, started.json
    assert started.json["status"] == "succeeded", started.json
    found = db.session.get(MatchingRun, started.json["id"])
    assert referral_problems(db.session, found, before, local_today()) == []
    return started.json


def outcome(api, run_json: dict, need) -> dict:
    """What the run did with ``need``: {"service_id"…} when matched, else the unmatched
    row with its reason."""
    matches = api("GET", f"/matching/runs/{run_json['id']}/matches?per_page=200").json["items"]
    for match in matches:
        if match["need_id"] == need.id:
            return match
    unmatched = api("GET", f"/matching/runs/{run_json['id']}/unmatched?per_page=200").json
    return next(row for row in unmatched["items"] if row["need_id"] == need.id)
