"""Matching solver benchmark: synthetic problems (needs × services, about 20 candidate
services per need, a third of the services funded by contract items), solved by the
min-cost flows and by the greedy reference; prints the times, the peak memory, the
needs served by urgency and each objective.

    .venv/bin/python benchmarks/matching_solver.py --needs 100000 --services 10000

The solver alone: loading candidates from the database and writing results are the
matching run's other phases (issue 6), measured by their own benchmark.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from aidbridge.matching.model import NO_POOL, Problem
from aidbridge.matching.solver import greedy, solve

URGENCY_SHARES = (0.7, 0.25, 0.05)  # routine, priority, emergency


def synthetic(needs: int, services: int, per_need: int, seed: int = 20261201) -> Problem:
    rng = np.random.default_rng(seed)
    pools = max(services // 30, 1)
    service_pool = np.where(rng.random(services) < 1 / 3, rng.integers(0, pools, services), NO_POOL)
    arc_need = np.repeat(np.arange(needs), per_need)
    arc_service = rng.integers(0, services, needs * per_need)
    # One arc per pair: drop repeated services of a need.
    pairs = np.unique(arc_need * services + arc_service)
    arc_need, arc_service = pairs // services, pairs % services
    return Problem(
        need_ids=np.arange(1, needs + 1),
        need_urgency=rng.choice(3, needs, p=URGENCY_SHARES).astype(np.int8),
        service_ids=np.arange(1, services + 1),
        # Places for about 80 % of the needs: some go unserved, the urgent first served.
        service_places=rng.integers(0, max(2 * needs * 8 // (10 * services), 1) + 1, services),
        service_pool=service_pool,
        pool_ids=np.arange(1, pools + 1),
        pool_units=rng.integers(needs // pools // 10, needs // pools + 1, pools),
        pool_parent=np.full(pools, NO_POOL),
        arc_need=arc_need,
        arc_service=arc_service,
        arc_cost=rng.integers(0, 1_000, len(arc_need)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--per-need", type=int, default=20)
    options = parser.parse_args()
    started = time.perf_counter()
    problem = synthetic(options.needs, options.services, options.per_need)
    built = time.perf_counter() - started
    n, m, arcs = problem.size
    print(f"{n:,} needs × {m:,} services, {arcs:,} candidate pairs (built in {built:.1f} s)")
    for name, method in (("min-cost flow", solve), ("greedy", greedy)):
        started = time.perf_counter()
        solution = method(problem)
        took = time.perf_counter() - started
        by = solution.served_by_urgency
        print(
            f"  {name:13}  {took:6.2f} s   served {solution.served:,} "
            f"(emergency {by.get(2, 0):,}, priority {by.get(1, 0):,}, routine {by.get(0, 0):,})"
            f"   cost {solution.cost:,}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
