"""The matching engine's optimum, checked independently: every result passes the
checker, equals the optimum of an exact min-cost flow built separately (networkx), and
is never worse than the greedy reference."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from aidbridge.matching.model import Problem
from aidbridge.matching.solver import greedy, solve

from matching_checker import measure, problems_with

ROUTINE, PRIORITY, EMERGENCY = 0, 1, 2


def _pairs(rows: dict, solution) -> list[tuple[int, int]]:
    return [(rows["arcs"][a][0], rows["arcs"][a][1]) for a in solution.arcs]


def _solved(rows: dict):
    problem = Problem.build(rows["needs"], rows["services"], rows["pools"], rows["arcs"])
    best, reference = solve(problem), greedy(problem)
    for solution in (best, reference):
        assert problems_with(rows, _pairs(rows, solution)) == []
    assert best.measure() == measure(rows, _pairs(rows, best))
    return best, reference


def test_an_emergency_wins_the_last_place_over_a_cheaper_routine_need():
    rows = {
        "needs": [(1, ROUTINE), (2, EMERGENCY)],
        "services": [(10, 1, -1)],
        "pools": [],
        "arcs": [(0, 0, 1), (1, 0, 50)],
    }
    best, _ = _solved(rows)
    assert _pairs(rows, best) == [(1, 0)]


def test_every_need_that_can_be_served_is_served_where_greedy_leaves_one_out():
    # Greedy gives the one emergency its cheapest service, the only one the routine
    # need could use; the optimum sends the emergency one door further.
    rows = {
        "needs": [(1, EMERGENCY), (2, ROUTINE)],
        "services": [(10, 1, -1), (11, 1, -1)],
        "pools": [],
        "arcs": [(0, 0, 1), (0, 1, 5), (1, 0, 1)],
    }
    best, reference = _solved(rows)
    assert sorted(_pairs(rows, best)) == [(0, 1), (1, 0)]
    assert reference.served == 1 and best.served == 2


def test_a_contract_items_units_bind_across_its_services():
    rows = {
        "needs": [(1, ROUTINE), (2, ROUTINE), (3, PRIORITY)],
        "services": [(10, 5, 0), (11, 5, 0)],
        "pools": [(100, 2, -1)],
        "arcs": [(0, 0, 1), (1, 1, 1), (2, 1, 9)],
    }
    best, _ = _solved(rows)
    assert best.served == 2
    assert (2, 1) in _pairs(rows, best)


def test_a_contracts_budget_binds_across_its_items():
    # Two items with units to spare, under a contract whose budget funds three matches.
    rows = {
        "needs": [(i, ROUTINE) for i in range(5)],
        "services": [(10, 5, 0), (11, 5, 1)],
        "pools": [(100, 4, 2), (101, 4, 2), (1000, 3, -1)],
        "arcs": [(i, i % 2, 1) for i in range(5)],
    }
    best, reference = _solved(rows)
    assert best.served == reference.served == 3


def test_a_service_serves_a_members_two_needs_once():
    # Need 0 (priority) could use either service; need 1 (the same member's) only the
    # first. The optimum gives need 0 the second, and serves both.
    rows = {
        "needs": [(1, PRIORITY), (2, ROUTINE)],
        "services": [(10, 2, -1), (11, 1, -1)],
        "pools": [],
        "arcs": [(0, 0, 1, 0), (0, 1, 5, -1), (1, 0, 1, 0)],
    }
    best, reference = _solved(rows)
    assert sorted(_pairs(rows, best)) == [(0, 1), (1, 0)]
    assert reference.served == 1


def test_the_cheapest_of_equally_urgent_pairings_is_chosen():
    rows = {
        "needs": [(1, ROUTINE), (2, ROUTINE)],
        "services": [(10, 1, -1), (11, 1, -1)],
        "pools": [],
        "arcs": [(0, 0, 3), (0, 1, 1), (1, 0, 1), (1, 1, 3)],
    }
    best, _ = _solved(rows)
    assert best.cost == 2


def _exact(rows: dict) -> tuple:
    """The lexicographic optimum by networkx's max-flow min-cost on its own network:
    each need's arc from the source earns a bonus by urgency that outweighs everything
    below it (the instances are small, so plain big numbers do)."""
    graph = nx.DiGraph()
    total_cost = sum(arc[2] for arc in rows["arcs"]) + 1
    count = len(rows["needs"]) + 1
    for index, (_id, urgency) in enumerate(rows["needs"]):
        bonus = total_cost * count**urgency
        graph.add_edge("source", ("need", index), capacity=1, weight=-bonus)
    for need, service, cost, group in rows["arcs"]:
        if group == -1:
            graph.add_edge(("need", need), ("service", service), capacity=1, weight=cost)
        else:  # one of the group's pairs at most
            graph.add_edge(("need", need), ("group", group), capacity=1, weight=cost)
            graph.add_edge(("group", group), ("service", service), capacity=1, weight=0)
    for index, (_id, places, pool) in enumerate(rows["services"]):
        target = "sink" if pool == -1 else ("pool", pool)
        graph.add_edge(("service", index), target, capacity=places, weight=0)
    for index, (_id, units, parent) in enumerate(rows["pools"]):
        target = "sink" if parent == -1 else ("pool", parent)
        graph.add_edge(("pool", index), target, capacity=units, weight=0)
    graph.add_nodes_from(["source", "sink"])
    # Not every need must be served: a free way round lets the bonus decide.
    flows = nx.max_flow_min_cost(graph, "source", "sink")
    service_of = {("group", arc[3]): arc[1] for arc in rows["arcs"] if arc[3] != -1}
    chosen = [
        (need[1], service_of.get(through, through[1]))
        for need, out in flows.items()
        if isinstance(need, tuple) and need[0] == "need"
        for through, amount in out.items()
        if amount
    ]
    assert problems_with(rows, chosen) == []
    return measure(rows, chosen)


@st.composite
def instances(draw):
    needs = draw(st.integers(0, 7))
    services = draw(st.integers(1, 4))
    pools = draw(st.integers(0, 3))
    arcs = draw(
        st.lists(
            st.tuples(st.integers(0, max(needs - 1, 0)), st.integers(0, services - 1)),
            max_size=needs * services,
            unique=True,
        )
        if needs
        else st.just([])
    )
    return {
        "needs": [
            (i + 1, draw(st.sampled_from([ROUTINE, PRIORITY, EMERGENCY]))) for i in range(needs)
        ],
        "services": [
            (10 + j, draw(st.integers(0, 3)), draw(st.integers(-1, pools - 1)))
            for j in range(services)
        ],
        # Each pool may draw on a later one (a contract item on its contract).
        "pools": [
            (100 + k, draw(st.integers(0, 3)), draw(st.sampled_from([-1, *range(k + 1, pools)])))
            for k in range(pools)
        ],
        # A group: pairs of one service from two needs (one member's), chosen once.
        "arcs": _grouped([(n, s, draw(st.integers(0, 20))) for n, s in arcs], draw(st.booleans())),
    }


def _grouped(arcs: list[tuple], group: bool) -> list[tuple]:
    """Each service's pairs from the first two needs as a group (when ``group``)."""
    groups = {}
    grouped = []
    for need, service, cost in arcs:
        if group and need in (0, 1):
            g = groups.setdefault(service, len(groups))
            grouped.append((need, service, cost, g))
        else:
            grouped.append((need, service, cost, -1))
    return grouped


@settings(max_examples=300, deadline=None)
@given(instances())
def test_the_engine_equals_an_exact_optimum_and_greedy_is_never_better(rows):
    best, reference = _solved(rows)
    assert best.measure() == _exact(rows)
    assert reference.measure() <= best.measure()
