"""Why: every match keeps the rules that admitted it, the parts of its cost and the
next-best alternatives; every need left unmatched keeps the rule that left it without a
candidate and how many candidates each rule set aside.

Built from a problem's candidates and its solution, as plain rows for the database
(codes and numbers; the pages word them in the reader's language).
"""

from __future__ import annotations

import numpy as np

from aidbridge.db import FlagSet
from aidbridge.matching.candidates import DIMENSIONS, NONE, Candidates
from aidbridge.matching.costs import WEIGHTS
from aidbridge.matching.model import NO_GROUP, NO_POOL, URGENCY_RANK, Solution
from aidbridge.matching.models import STAGES, Reason
from aidbridge.vocab import AssistanceCategory

URGENCY_OF_RANK = {rank: str(urgency) for urgency, rank in URGENCY_RANK.items()}
CATEGORIES = list(AssistanceCategory)
CATEGORY_BITS = FlagSet(AssistanceCategory)


def matches(candidates: Candidates, solution: Solution, alternatives: int) -> list[dict]:
    """A referral's fields for each pair chosen, with its explanation."""
    c, problem = candidates, candidates.problem
    needs, services = c.needs, c.services
    chosen = solution.arcs
    others = _alternatives(c, solution, alternatives)
    rows = []
    for arc in chosen.tolist():
        i, j = int(problem.arc_need[arc]), int(problem.arc_service[arc])
        funded = bool(services.funded[j])
        rows.append(
            {
                "need_id": int(needs.id[i]),
                "household_id": int(needs.household_id[i]),
                "member_id": int(needs.member_id[i]) or None,
                "service_id": int(services.id[j]),
                "provider_id": int(services.provider_id[j]),
                "contract_id": int(services.contract_id[j]) if funded else None,
                "contract_item_id": int(services.item_id[j]) if funded else None,
                "urgency": URGENCY_OF_RANK[int(needs.urgency[i])],
                "cost": int(problem.arc_cost[arc]),
                "explanation": {
                    "rules": _rules(c, i, j, arc),
                    "cost": _cost(c, arc),
                    "alternatives": others.get(i, []),
                },
            }
        )
    return rows


def _rules(c: Candidates, i: int, j: int, arc: int) -> dict:
    """What admitted the pair, rule by rule (``STAGES`` order), with the values compared."""
    needs, services = c.needs, c.services
    rules: dict = {
        "dimension": str(DIMENSIONS[needs.dimension[i]]),
        "subcategory": _code(c, services.subcategory[j]),
        "covers": c.areas[int(c.covering_area[arc])],
    }
    wanted = int(services.categories[j])
    rules["categories"] = (
        [str(k) for k in CATEGORIES if wanted & needs.categories[i] & CATEGORY_BITS.bit(k)]
        if wanted
        else None
    )
    if services.min_age[j] != NONE or services.max_age[j] != NONE:
        rules["age"] = {
            "min": _or_none(services.min_age[j]),
            "max": _or_none(services.max_age[j]),
            "age": _or_none(needs.age[i]),
        }
    if services.requires_disability[j]:
        rules["disability"] = True
    rules["consent"] = "government" if services.government[j] else "household"
    if services.funded[j]:
        rules["contract"] = {
            "id": int(services.contract_id[j]),
            "item_id": int(services.item_id[j]),
            "units_left": int(services.units_left[j]),
            "budget_left_fen": int(services.budget_left[j]),
            "price_fen": int(services.price[j]),
        }
    rules["places"] = int(services.places[j])
    return rules


def _cost(c: Candidates, arc: int) -> dict:
    km = c.distance_km[arc]
    return {
        **{name: int(c.parts[name][arc]) for name in WEIGHTS},
        "total": int(c.problem.arc_cost[arc]),
        "distance_km": None if np.isnan(km) else round(float(km), 2),
        "area_gap": int(c.area_gap[arc]),
    }


def _code(c: Candidates, position: int) -> str | None:
    return None if position == NONE else c.subcategories[position]


def _or_none(value) -> int | None:
    return None if value == NONE else int(value)


def _alternatives(c: Candidates, solution: Solution, k: int) -> dict[int, list[dict]]:
    """For each need served, its ``k`` cheapest other candidates, each with why it was
    not chosen: its places (or its contract's units) all went to other needs — the
    member's other need among them — or it had room but cost more."""
    problem = c.problem
    if k <= 0 or not len(solution.arcs):
        return {}
    full = _full(c, solution)
    group_used = _groups_used(problem, solution)
    served = np.zeros(len(problem.need_ids), dtype=bool)
    served[problem.arc_need[solution.arcs]] = True
    chosen = np.zeros(len(problem.arc_need), dtype=bool)
    chosen[solution.arcs] = True
    other = np.flatnonzero(served[problem.arc_need] & ~chosen)
    order = other[np.lexsort((problem.arc_cost[other], problem.arc_need[other]))]
    need = problem.arc_need[order]
    starts = np.flatnonzero(np.r_[True, need[1:] != need[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    kept = order[rank < k]
    service, group = problem.arc_service[kept], problem.arc_group[kept]
    taken = full[service]
    grouped = group != NO_GROUP
    taken[grouped] |= group_used[group[grouped]]
    found: dict[int, list[dict]] = {}
    # Whole columns as Python values: reading numpy scalars one by one, for every
    # alternative of every match, would cost more than the rest of the explanation.
    for i, service_id, provider_id, cost, why in zip(
        problem.arc_need[kept].tolist(),
        c.services.id[service].tolist(),
        c.services.provider_id[service].tolist(),
        problem.arc_cost[kept].tolist(),
        np.where(taken, "taken", "costlier").tolist(),
        strict=True,
    ):
        found.setdefault(i, []).append(
            {"service_id": service_id, "provider_id": provider_id, "cost": cost, "why": why}
        )
    return found


def _full(c: Candidates, solution: Solution) -> np.ndarray:
    """Which services have nothing left after the solution: no places, or a pool (the
    contract item or its contract) drawn to the end."""
    problem = c.problem
    used = np.bincount(problem.arc_service[solution.arcs], minlength=len(problem.service_ids))
    full = used >= problem.service_places
    pool_used = np.zeros(len(problem.pool_ids), dtype=np.int64)
    funded = problem.service_pool != NO_POOL
    np.add.at(pool_used, problem.service_pool[funded], used[funded])
    parents = problem.pool_parent != NO_POOL
    np.add.at(pool_used, problem.pool_parent[parents], pool_used[np.flatnonzero(parents)])
    pool_full = pool_used >= problem.pool_units
    # A contract drawn to the end leaves its items nothing either.
    pool_full[parents] |= pool_full[problem.pool_parent[parents]]
    full[funded] |= pool_full[problem.service_pool[funded]]
    return full


def _groups_used(problem, solution: Solution) -> np.ndarray:
    """Whether each group's one pair was chosen."""
    used = np.zeros(problem.groups, dtype=bool)
    group = problem.arc_group[solution.arcs]
    used[group[group != NO_GROUP]] = True
    return used


def unmatched(candidates: Candidates, solution: Solution) -> list[dict]:
    """An unmatched need's fields for each need the solution left out: why, and how many
    candidates each rule set aside. At the optimum every candidate left of an unmatched
    need is spoken for: it serves the member's other need (``member_other_need``), or its
    places or contract went to other needs (``capacity_taken``)."""
    c, problem = candidates, candidates.problem
    needs = c.needs
    served = np.zeros(len(needs), dtype=bool)
    served[problem.arc_need[solution.arcs]] = True
    group_used = _groups_used(problem, solution)
    grouped = problem.arc_group != NO_GROUP
    other_need = np.zeros(len(problem.arc_need), dtype=bool)
    other_need[grouped] = group_used[problem.arc_group[grouped]]
    removed = c.removed.copy()
    for reason, arcs in (
        (Reason.member_other_need, other_need),
        (Reason.capacity_taken, ~other_need),
    ):
        removed[:, STAGES.index(reason)] += np.bincount(
            problem.arc_need[arcs], minlength=len(needs)
        )
    # The last rule that set any candidate aside (rules run in STAGES order).
    reached = removed > 0
    last = len(STAGES) - 1 - np.argmax(reached[:, ::-1], axis=1)
    rows = []
    for i in np.flatnonzero(~served).tolist():
        reason = STAGES[last[i]] if reached[i].any() else Reason.no_service
        rows.append(
            {
                "need_id": int(needs.id[i]),
                "household_id": int(needs.household_id[i]),
                "area_code": c.areas[int(needs.area[i])],
                "dimension": str(DIMENSIONS[needs.dimension[i]]),
                "urgency": URGENCY_OF_RANK[int(needs.urgency[i])],
                "reason": str(reason),
                "considered": int(c.considered[i]),
                "removed": {
                    str(STAGES[s]): int(removed[i, s]) for s in np.flatnonzero(removed[i]).tolist()
                },
            }
        )
    return rows
