"""Whole runs on small random jurisdictions, judged apart from the engine: the checker
decides which services the records admit for each need (plain Python, one pair at a
time), prices each pair by the areas it shares with the household (the distance part
alone), and networkx finds the exact optimum of that problem. The run must serve as
many needs of each urgency and cost as little — and pass the checker."""

from __future__ import annotations

from datetime import date

import networkx as nx
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from aidbridge.clock import local_today
from aidbridge.extensions import db
from aidbridge.matching.costs import PART_MAX, SHARED_AREA_KM
from aidbridge.matching.models import MatchingRun
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.policy.facts import Outcome
from aidbridge.pool.models import Service, ServiceStatus
from aidbridge.referrals.models import Referral

from factories import member_data
from matching_checker import admits, referral_problems, snapshot
from matching_data import (
    NORTH,
    OTHER_STREET,
    OTHER_STREET_COMMUNITY,
    SOUTH,
    STREET,
    assessed,
    published,
)

URGENCY_RANK = {"routine": 0, "priority": 1, "emergency": 2}
NEEDS = [("care", None), ("care", "care.home_visit"), ("care", "care.day_care"), ("legal", None)]

services = st.lists(
    st.fixed_dictionaries(
        {
            "government": st.booleans(),
            "need": st.sampled_from(NEEDS),
            "area": st.sampled_from([NORTH, SOUTH, STREET, OTHER_STREET, "320613", "320600"]),
            "places": st.integers(0, 3),
            "dibao_only": st.booleans(),
            "elderly_only": st.booleans(),
        }
    ),
    min_size=1,
    max_size=4,
)
households = st.lists(
    st.fixed_dictionaries(
        {
            "area": st.sampled_from([NORTH, SOUTH, OTHER_STREET_COMMUNITY]),
            "elderly": st.booleans(),
            "dibao": st.booleans(),
            "consents": st.booleans(),
            "needs": st.lists(
                st.tuples(st.sampled_from(NEEDS), st.sampled_from(list(URGENCY_RANK))),
                min_size=1,
                max_size=2,
                unique_by=lambda n: n[0],
            ),
        }
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(services=services, households=households)
def test_a_run_equals_the_exact_optimum_of_what_the_records_admit(
    api, bureau, charity, services, households
):
    _clear_the_pool()
    for index, s in enumerate(services):
        dimension, subcategory = s["need"]
        published(
            bureau if s["government"] else charity,
            name=f"服务{index}",
            dimension=dimension,
            subcategory=subcategory,
            areas=[s["area"]],
            places=s["places"],
            categories=frozenset({"dibao"}) if s["dibao_only"] else frozenset(),
            min_age=70 if s["elderly_only"] else None,
        )
    for h in households:
        household, _ = assessed(
            bureau,
            *({"dimension": d, "subcategory": sub, "urgency": u} for (d, sub), u in h["needs"]),
            area=h["area"],
            members=[member_data(date(1950 if h["elderly"] else 1985, 5, 1))],
            consents=h["consents"],
        )
        household.outcomes = frozenset({Outcome.dibao}) if h["dibao"] else frozenset()
    db.session.commit()
    expected = _exact_optimum()
    before = snapshot(db.session)
    started = api("POST", "/matching/runs", json={"weights": _distance_only()})
    assert started.status_code == 202, started.json
    result = db.session.get(MatchingRun, started.json["id"])
    assert referral_problems(db.session, result, before, local_today()) == []
    served = result.counts["matched"]
    measured = (served["emergency"], served["priority"], served["routine"], -result.cost)
    assert measured == expected
    greedy = result.counts["greedy"]
    greedy_measure = tuple(greedy["matched"][u] for u in ("emergency", "priority", "routine"))
    assert (*greedy_measure, -greedy["cost"]) <= measured


def _distance_only() -> dict:
    return {"distance": 100, "performance": 0, "continuity": 0, "price": 0}


def _clear_the_pool() -> None:
    """Each example starts from an empty pool and no open needs (the test's transaction
    holds what earlier examples wrote)."""
    db.session.execute(
        update(Service)
        .where(Service.status == ServiceStatus.published)
        .values(status=ServiceStatus.paused)
    )
    db.session.execute(
        update(Need)
        .where(Need.status == NeedStatus.open)
        .values(status=NeedStatus.closed, closed_on=local_today())
    )
    db.session.commit()


def _cost(need, service) -> int:
    """The distance part of a pair, by the deepest area the service covers on the
    household's lineage (no coordinates here), times its weight."""
    lineage = [code for code in need.household.area.path.split("/") if code]
    covering = max(lineage.index(a.area_code) for a in service.areas if a.area_code in lineage)
    gap = min(len(lineage) - 1 - covering, len(SHARED_AREA_KM) - 1)
    scale = current_app.config["MATCHING_DISTANCE_SCALE_KM"]
    return 100 * min(PART_MAX, round(SHARED_AREA_KM[gap] * PART_MAX / scale))


def _exact_optimum() -> tuple:
    """The most emergencies, then priority, then routine needs served, then the lowest
    cost, by networkx's max-flow min-cost with urgency bonuses that outweigh the rest."""
    today = local_today()
    needs = db.session.scalars(select(Need).where(Need.status == NeedStatus.open)).all()
    offered = db.session.scalars(
        select(Service).where(Service.status == ServiceStatus.published)
    ).all()
    earlier = db.session.scalars(select(Referral)).all()
    pairs = {
        (need.id, service.id): _cost(need, service)
        for need in needs
        for service in offered
        if admits(db.session, need, service, today, earlier) is None
    }
    graph = nx.DiGraph()
    graph.add_nodes_from(["source", "sink"])
    big = sum(pairs.values()) + 1
    count = len(needs) + 1
    for need in needs:
        bonus = big * count ** URGENCY_RANK[str(need.urgency)]
        graph.add_edge("source", ("need", need.id), capacity=1, weight=-bonus)
    # A service serves a member (or a household, for its own needs) once: each pair passes
    # through the node of its member and service, which lets one through.
    owner = {need.id: (need.household_id, need.member_id) for need in needs}
    for (need, service), cost in pairs.items():
        once = ("once", *owner[need], service)
        graph.add_edge(("need", need), once, capacity=1, weight=cost)
        graph.add_edge(once, ("service", service), capacity=1, weight=0)
    for service in offered:
        graph.add_edge(("service", service.id), "sink", capacity=service.capacity_available)
    flows = nx.max_flow_min_cost(graph, "source", "sink")
    urgency = {need.id: str(need.urgency) for need in needs}
    chosen = [
        (node[1], target[-1])
        for node, out in flows.items()
        if isinstance(node, tuple) and node[0] == "need"
        for target, amount in out.items()
        if amount
    ]
    served = {u: sum(urgency[n] == u for n, _s in chosen) for u in URGENCY_RANK}
    return (
        served["emergency"],
        served["priority"],
        served["routine"],
        -sum(pairs[pair] for pair in chosen),
    )
