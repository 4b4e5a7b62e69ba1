"""An independent judge of matching results: written apart from the engine, from the
problem's plain rows, so that the engine's own bookkeeping cannot vouch for itself.

It checks what a result must never do: pair a need with a service that was not a
candidate for it, serve a need twice, give a service more needs than its places, or
draw a contract item (or the contract above it) beyond its units, or choose twice from
a group (one member's needs that one service could serve).
"""

from __future__ import annotations

from collections import Counter


def problems_with(rows: dict, chosen: list[tuple[int, int]]) -> list[str]:
    """What is wrong with ``chosen`` (need position, service position) pairs for the
    problem given as rows: needs [(id, urgency)], services [(id, places, pool or -1)],
    pools [(id, units, parent pool or -1)], arcs [(need, service, cost, group or -1)]
    (a group's pairs are chosen at most once together). Empty: nothing."""
    found = []
    candidates = {(arc[0], arc[1]) for arc in rows["arcs"]}
    group = {(arc[0], arc[1]): arc[3] for arc in rows["arcs"] if len(arc) > 3 and arc[3] != -1}
    for g, times in Counter(group[pair] for pair in chosen if pair in group).items():
        if times > 1:
            found.append(f"group {g} chosen {times} times")
    for pair in chosen:
        if pair not in candidates:
            found.append(f"need {pair[0]} paired with service {pair[1]}, not a candidate")
    for need, times in Counter(need for need, _service in chosen).items():
        if times > 1:
            found.append(f"need {need} served {times} times")
    per_service = Counter(service for _need, service in chosen)
    per_pool: Counter = Counter()
    for service, taken in per_service.items():
        _id, places, pool = rows["services"][service]
        if taken > places:
            found.append(f"service {service} given {taken} needs for {places} places")
        while pool != -1:  # a match draws on its pool and on every pool above it
            per_pool[pool] += taken
            pool = rows["pools"][pool][2]
    for pool, taken in per_pool.items():
        units = rows["pools"][pool][1]
        if taken > units:
            found.append(f"pool {pool} drawn {taken} units of {units}")
    return found


def measure(rows: dict, chosen: list[tuple[int, int]]) -> tuple:
    """(emergencies, priority needs, routine needs served, −total cost): greater is better."""
    urgency = {index: need[1] for index, need in enumerate(rows["needs"])}
    cost = {(arc[0], arc[1]): arc[2] for arc in rows["arcs"]}
    served = Counter(urgency[need] for need, _service in chosen)
    return (served[2], served[1], served[0], -sum(cost[pair] for pair in chosen))


# --- the database: a run's referrals against the records they were made from ------------------

# What each decision outcome makes a household, as services name their categories: written
# here again, apart from the engine's table, from the glossary (gradual exit keeps dibao,
# NT21-LB-3; a member included alone receives dibao, NT21-LB-2).
OUTCOME_CATEGORY = {
    "dibao": "dibao",
    "gradual_exit": "dibao",
    "individual_inclusion": "dibao",
    "low_income": "low_income",
    "expenditure_type": "expenditure_type",
    "emergency": "emergency",
    "tekun": "tekun",
}
ACTIVE_STATES = {"proposed", "offered", "accepted", "in_service"}
CLOSED_STATES = {"completed", "closed_unresolved"}


def snapshot(session) -> dict:
    """What a run may draw on, before it runs: places per service, units left per
    contract item and budget left per contract (read by plain ORM loads)."""
    from aidbridge.contracts.models import Contract, ContractItem
    from aidbridge.pool.models import Service

    return {
        "places": {s.id: s.capacity_available for s in session.query(Service)},
        "units": {
            i.id: i.units - i.units_delivered - i.units_reserved
            for i in session.query(ContractItem)
        },
        "budget": {
            c.id: c.budget_fen - c.spent_fen - c.reserved_fen for c in session.query(Contract)
        },
    }


def admits(session, need, service, today, earlier: list) -> str | None:
    """Why ``service`` may not serve ``need`` on ``today`` (None: it may), judged from
    the records one by one; ``earlier``: the referrals made before."""
    from aidbridge.accounts.models import Tenant
    from aidbridge.clock import age_on
    from aidbridge.contracts.models import Contract
    from aidbridge.needs.models import Assessment
    from aidbridge.workforce.service import is_blocked

    household = need.household
    provider = session.get(Tenant, service.tenant_id)
    if service.status != "published" or provider.status != "active":
        return "not offered"
    if service.pool != household.jurisdiction:
        return "another pool"
    if service.dimension_code != str(need.dimension):
        return "no_service"
    lineage = [code for code in household.area.path.split("/") if code]
    if not any(area.area_code in lineage for area in service.areas):
        return "no_service"
    if need.subcategory_code and service.subcategory_code not in (None, need.subcategory_code):
        return "subcategory"
    categories = {OUTCOME_CATEGORY[str(o)] for o in household.outcomes}
    if household.emergency:
        categories.add("emergency")
    if service.categories and not {str(c) for c in service.categories} & categories:
        return "category"
    people = [need.member] if need.member is not None else list(household.members)
    if service.min_age is not None or service.max_age is not None:
        low = service.min_age if service.min_age is not None else 0
        high = service.max_age if service.max_age is not None else 1000
        ages = [age_on(p.birth_date, today) for p in people if p.birth_date]
        if not any(low <= age <= high for age in ages):
            return "age"
    if service.requires_disability:
        types = {str(t) for t in service.disability_types}
        low = service.min_age if service.min_age is not None else 0
        high = service.max_age if service.max_age is not None else 1000
        # One person both of the age and with the disability (for a household's need,
        # not a grandparent of the age and a child with the disability).
        if not any(
            p.disability_type
            and (not types or str(p.disability_type) in types)
            and (
                (service.min_age is None and service.max_age is None)
                or (p.birth_date and low <= age_on(p.birth_date, today) <= high)
            )
            for p in people
        ):
            return "disability"
    consented = session.get(Assessment, need.assessment_id).consents_to_share
    if provider.type != "bureau" and not consented:
        return "consent"
    for referral in earlier:
        if referral.household_id != household.id:
            continue
        # No duplicate assistance: not the service the member is referred to or served by
        # now, nor one that served this need; revoked, declined or expired do not count.
        same_service = referral.service_id == service.id
        status = str(referral.status)
        if same_service and status in ACTIVE_STATES and referral.member_id == need.member_id:
            return "already_referred"
        if same_service and status in CLOSED_STATES and referral.need_id == need.id:
            return "already_referred"
        refused = str(referral.status) in {"declined", "expired"}
        if refused and referral.need_id == need.id and referral.provider_id == service.tenant_id:
            return "declined_before"
    if service.contract_id is not None:
        contract = session.get(Contract, service.contract_id)
        if contract.tenant_id != need.tenant_id:  # another bureau bought its places
            return "no_service"
        if is_blocked(provider, today):
            return "provider_blocked"
        if not (
            str(contract.status) == "active" and contract.starts_on <= today <= contract.ends_on
        ):
            return "contract_inactive"
    return None


def referral_problems(session, run, before: dict, today) -> list[str]:
    """What is wrong with a run's referrals: a pair the rules do not admit, a need twice
    active, a service given more needs than its places, a contract item beyond its units
    or a contract beyond its budget, or capacity not drawn down by exactly what was given."""
    from collections import Counter

    from aidbridge.contracts.models import Contract, ContractItem
    from aidbridge.pool.models import Service
    from aidbridge.referrals.models import Referral

    found = []
    referrals = session.query(Referral).filter(Referral.run_id == run.id).all()
    earlier = session.query(Referral).filter(Referral.run_id < run.id).all()
    for referral in referrals:
        service = session.get(Service, referral.service_id)
        why = admits(session, referral.need, service, today, earlier)
        if why:
            found.append(f"referral {referral.id}: {why}")
        if referral.household_id != referral.need.household_id:
            found.append(f"referral {referral.id}: not the need's household")
    active = Counter(r.need_id for r in session.query(Referral) if str(r.status) in ACTIVE_STATES)
    found += [f"need {n} has {k} active referrals" for n, k in active.items() if k > 1]
    owners = Counter(
        (r.household_id, r.member_id, r.service_id)
        for r in session.query(Referral)
        if str(r.status) in ACTIVE_STATES
    )
    found += [f"{key} referred {k} times at once" for key, k in owners.items() if k > 1]
    taken = Counter(r.service_id for r in referrals)
    for service_id, k in taken.items():
        places = before["places"][service_id]
        now = session.get(Service, service_id).capacity_available
        if k > places:
            found.append(f"service {service_id} given {k} needs for {places} places")
        if now != places - k:
            found.append(f"service {service_id}: {places} places, {k} given, {now} left")
    items = Counter(r.contract_item_id for r in referrals if r.contract_item_id)
    spend: Counter = Counter()
    for item_id, k in items.items():
        item = session.get(ContractItem, item_id)
        spend[item.contract_id] += k * item.unit_price_fen
        if k > before["units"][item_id]:
            found.append(f"contract item {item_id} drawn {k} units of {before['units'][item_id]}")
        if item.units - item.units_delivered - item.units_reserved != before["units"][item_id] - k:
            found.append(f"contract item {item_id}: units held do not add up")
    for contract_id, fen in spend.items():
        left = before["budget"][contract_id]
        contract = session.get(Contract, contract_id)
        if fen > left:
            found.append(f"contract {contract_id} drawn {fen} fen of {left}")
        if contract.budget_fen - contract.spent_fen - contract.reserved_fen != left - fen:
            found.append(f"contract {contract_id}: budget held does not add up")
    for referral in referrals:
        if referral.contract_id and referral.contract_item_id is None:
            found.append(f"referral {referral.id}: a funded service without its item")
    return found
