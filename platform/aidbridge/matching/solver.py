"""The global optimum of a matching problem as min-cost flows (OR-Tools), and the greedy
reference it must never lose to.

The network: source → each need (1 unit) → each candidate service (1) → the service's
contract item, if one funds it (the service's places left) → the item's contract (the
item's units left) → sink (the matches the contract's budget can still fund); an
unfunded service goes straight to the sink. Candidate pairs of a group (one member's
needs that one service could serve) pass through a node of their own that lets one
through.

What is optimal, in order: the most emergencies served, then the most priority needs,
then the most routine ones, then the lowest total cost of the pairs. The needs that can
be served together form a matroid (those matchable in a network with capacities), so
serving the most urgent first never serves fewer needs in all, and how many of each
urgency the optimum serves follows from maximum flows (see ``_most_urgent_counts``);
one min-cost flow then serves exactly that many of each at the lowest cost. (One
min-cost flow with urgency tiers in its costs would do both, but the tiers overflow
64-bit integers on a large jurisdiction.)
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from aidbridge.matching.model import NO_GROUP, NO_POOL, URGENCY_RANK, Problem, Solution

RANKS = sorted(URGENCY_RANK.values())
SOURCE, SINK = 0, 1


def solve(problem: Problem) -> Solution:
    """The optimum: the most urgent needs first, as many needs as capacity allows, then
    the lowest total cost."""
    n, _m, arcs = problem.size
    if n == 0 or arcs == 0:
        return Solution.of(problem, np.zeros(0, dtype=np.int64))
    counts = _most_urgent_counts(problem)
    return _cheapest_serving(problem, counts)


def _most_urgent_counts(problem: Problem) -> dict[int, int]:
    """How many needs of each urgency rank the optimum serves. In a matroid the greedy
    order is optimal, so these are the ranks of the growing sets: as many emergencies
    as a maximum flow from the emergencies alone serves, then as many more as one from
    the emergencies and priority needs adds, and so on — maximum flows, no costs."""
    n = len(problem.need_ids)
    flow = max_flow.SimpleMaxFlow()
    starts, ends, capacities = _arcs(problem)
    flow.add_arcs_with_capacity(starts, ends, capacities)
    from_source = flow.add_arcs_with_capacity(
        np.full(n, SOURCE, dtype=np.int64), _need_nodes(problem), np.zeros(n, dtype=np.int64)
    )
    counts, served = {}, 0
    for rank in reversed(RANKS):
        flow.set_arcs_capacity(from_source, (problem.need_urgency >= rank).astype(np.int64))
        _check(flow, flow.solve(SOURCE, SINK))
        counts[rank] = flow.optimal_flow() - served
        served = flow.optimal_flow()
    return counts


def _cheapest_serving(problem: Problem, counts: dict[int, int]) -> Solution:
    """The cheapest pairs serving exactly ``counts`` needs of each urgency rank: one
    source per rank, supplying that many, each with an arc to each of its needs."""
    n, m, arcs = problem.size
    first_source = 2 + n + m + len(problem.pool_ids) + problem.groups
    rank_source = {rank: first_source + i for i, rank in enumerate(RANKS)}
    flow = min_cost_flow.SimpleMinCostFlow()
    starts, ends, capacities = _arcs(problem)
    costs = np.zeros(len(starts), dtype=np.int64)
    # In units of the costs' common divisor (weights of 10, 20… make every cost a
    # multiple of 10): the same optimum, and the cost-scaling solver has fewer scales.
    costs[:arcs] = problem.arc_cost // max(int(np.gcd.reduce(problem.arc_cost)), 1)
    handles = flow.add_arcs_with_capacity_and_unit_cost(starts, ends, capacities, costs)
    sources = np.array([rank_source[int(r)] for r in problem.need_urgency], dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        sources, _need_nodes(problem), np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    )
    for rank, node in rank_source.items():
        flow.set_node_supply(node, counts.get(rank, 0))
    flow.set_node_supply(SINK, -sum(counts.values()))
    _check(flow, flow.solve())
    return Solution.of(problem, np.flatnonzero(flow.flows(handles[:arcs])))


def _need_nodes(problem: Problem) -> np.ndarray:
    return 2 + np.arange(len(problem.need_ids), dtype=np.int64)


def _arcs(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's arcs below the needs (the candidate pairs first, in their order;
    then each group to its service, each service to its pool or the sink, each pool to
    the pool above it or the sink)."""
    n, m, arcs = problem.size
    service_node = 2 + n + np.arange(m, dtype=np.int64)
    pool_node = 2 + n + m + np.arange(len(problem.pool_ids), dtype=np.int64)
    group_node = 2 + n + m + len(problem.pool_ids) + np.arange(problem.groups, dtype=np.int64)
    grouped = problem.arc_group != NO_GROUP
    pair_end = service_node[problem.arc_service]
    pair_end[grouped] = group_node[problem.arc_group[grouped]]
    group_service = np.zeros(problem.groups, dtype=np.int64)
    group_service[problem.arc_group[grouped]] = problem.arc_service[grouped]
    starts = np.concatenate(
        [_need_nodes(problem)[problem.arc_need], group_node, service_node, pool_node]
    )
    ends = np.concatenate(
        [
            pair_end,
            service_node[group_service],
            _node_above(problem.service_pool, pool_node),
            _node_above(problem.pool_parent, pool_node),
        ]
    )
    capacities = np.concatenate(
        [
            np.ones(arcs + problem.groups, dtype=np.int64),
            problem.service_places,
            problem.pool_units,
        ]
    ).astype(np.int64)
    return starts, ends, capacities


def _node_above(pools: np.ndarray, pool_node: np.ndarray) -> np.ndarray:
    """Where each service (or pool) sends its flow: the node of its pool, or the sink."""
    above = np.full(len(pools), SINK, dtype=np.int64)
    funded = pools != NO_POOL
    above[funded] = pool_node[pools[funded]]
    return above


def _check(flow, status) -> None:
    if status != flow.OPTIMAL:
        raise RuntimeError(f"flow solve ended with status {status}")


def greedy(problem: Problem) -> Solution:
    """The reference: needs one by one, most urgent first (then the one with the cheapest
    candidate), each taking its cheapest candidate with a place and units left."""
    places = problem.service_places.copy()
    units = problem.pool_units.copy()
    chains = [problem.pool_chain(k) for k in range(len(problem.pool_ids))]
    group_used = np.zeros(problem.groups, dtype=bool)
    order = np.lexsort((problem.arc_cost, problem.arc_need))  # by need, then cost
    first = np.searchsorted(problem.arc_need[order], np.arange(len(problem.need_ids)))
    last = np.searchsorted(problem.arc_need[order], np.arange(len(problem.need_ids)), side="right")
    cheapest = np.full(len(problem.need_ids), np.iinfo(np.int64).max)
    has_arcs = last > first
    cheapest[has_arcs] = problem.arc_cost[order[first[has_arcs]]]
    chosen = []
    for need in np.lexsort((cheapest, -problem.need_urgency.astype(np.int64))):
        for arc in order[first[need] : last[need]]:
            service = problem.arc_service[arc]
            pool = problem.service_pool[service]
            chain = chains[pool] if pool != NO_POOL else ()
            group = problem.arc_group[arc]
            if group != NO_GROUP and group_used[group]:
                continue
            if places[service] > 0 and all(units[k] > 0 for k in chain):
                places[service] -= 1
                for k in chain:
                    units[k] -= 1
                if group != NO_GROUP:
                    group_used[group] = True
                chosen.append(arc)
                break
    return Solution.of(problem, np.array(chosen, dtype=np.int64))
