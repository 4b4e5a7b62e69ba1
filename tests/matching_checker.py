"""An independent judge of matching results: written apart from the engine, from the
problem's plain rows, so that the engine's own bookkeeping cannot vouch for itself.

It checks what a result must never do: pair a need with a service that was not a
candidate for it, serve a need twice, give a service more needs than its places, or
draw a contract item (or the contract above it) beyond its units.
"""

from __future__ import annotations

from collections import Counter


def problems_with(rows: dict, chosen: list[tuple[int, int]]) -> list[str]:
    """What is wrong with ``chosen`` (need position, service position) pairs for the
    problem given as rows: needs [(id, urgency)], services [(id, places, pool or -1)],
    pools [(id, units, parent pool or -1)], arcs [(need, service, cost)]. Empty:
    nothing."""
    found = []
    candidates = {(need, service) for need, service, _cost in rows["arcs"]}
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
    cost = {(need, service): c for need, service, c in rows["arcs"]}
    served = Counter(urgency[need] for need, _service in chosen)
    return (served[2], served[1], served[0], -sum(cost[pair] for pair in chosen))
