"""The matching problem as data: open needs, services with places left, the contract
items and contracts whose units and budgets fund some of them, and the candidate pairs
with their costs.

Pure and vectorised: arrays indexed by position, no database, no ORM objects — the
loader (set-based SQL) fills them, the solver reads them, the checker in the tests
judges results against them. A candidate pair is one the rules admitted (dimension,
eligibility, coverage, no duplicate assistance…); its cost says how good it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aidbridge.vocab import Urgency

# Urgency as a rank: the higher, the sooner a scarce place goes to it.
URGENCY_RANK = {Urgency.routine: 0, Urgency.priority: 1, Urgency.emergency: 2}
NO_POOL = -1
NO_GROUP = -1


@dataclass(frozen=True)
class Problem:
    """``need_ids``/``service_ids``/``pool_ids`` name the rows; the rest is by position.

    - ``need_urgency[i]``: the rank of need i's urgency (``URGENCY_RANK``);
    - ``service_places[j]``: places service j has left;
    - ``service_pool[j]``: the pool funding service j (a position in the pools: its
      contract item), or ``NO_POOL``; ``pool_units[k]``: how many matches pool k can
      still fund; ``pool_parent[k]``: the pool it draws on in turn (a contract item's
      contract, whose budget bounds all its items together), or ``NO_POOL``. A match
      through service j uses one unit of its pool and of every pool above it;
    - ``arc_need[a]``, ``arc_service[a]``, ``arc_cost[a]``: candidate pair a and its
      cost (a non-negative integer: lower is better);
    - ``arc_group[a]``: pairs of one group are chosen at most once together (a service
      serves a household member once, whichever of the member's needs it would serve),
      or ``NO_GROUP``.
    """

    need_ids: np.ndarray
    need_urgency: np.ndarray
    service_ids: np.ndarray
    service_places: np.ndarray
    service_pool: np.ndarray
    pool_ids: np.ndarray
    pool_units: np.ndarray
    pool_parent: np.ndarray
    arc_need: np.ndarray
    arc_service: np.ndarray
    arc_cost: np.ndarray
    arc_group: np.ndarray | None = None

    def __post_init__(self):
        if self.arc_group is None:
            object.__setattr__(self, "arc_group", np.full(len(self.arc_need), NO_GROUP))

    @classmethod
    def build(
        cls,
        needs: list[tuple[int, int]],
        services: list[tuple[int, int, int]],
        pools: list[tuple[int, int, int]],
        arcs: list[tuple],
    ) -> Problem:
        """From plain rows: needs (id, urgency rank), services (id, places, pool position
        or NO_POOL), pools (id, units, parent position or NO_POOL), arcs (need position,
        service position, cost, and optionally its group or NO_GROUP)."""

        def column(rows, index, dtype=np.int64):
            return np.array([row[index] for row in rows], dtype=dtype)

        return cls(
            need_ids=column(needs, 0),
            need_urgency=column(needs, 1, np.int8),
            service_ids=column(services, 0),
            service_places=column(services, 1),
            service_pool=column(services, 2),
            pool_ids=column(pools, 0),
            pool_units=column(pools, 1),
            pool_parent=column(pools, 2),
            arc_need=column(arcs, 0),
            arc_service=column(arcs, 1),
            arc_cost=column(arcs, 2),
            arc_group=np.array(
                [row[3] if len(row) > 3 else NO_GROUP for row in arcs], dtype=np.int64
            ),
        )

    @property
    def size(self) -> tuple[int, int, int]:
        return len(self.need_ids), len(self.service_ids), len(self.arc_need)

    @property
    def groups(self) -> int:
        return int(self.arc_group.max(initial=NO_GROUP)) + 1

    def pool_chain(self, pool: int) -> list[int]:
        """The pool and those above it, nearest first."""
        chain = []
        while pool != NO_POOL:
            chain.append(int(pool))
            pool = self.pool_parent[pool]
        return chain


@dataclass
class Solution:
    """The candidate pairs chosen (positions in the problem's arcs), and what they add
    up to: how many needs of each urgency are served, and the total cost."""

    arcs: np.ndarray
    served_by_urgency: dict[int, int] = field(default_factory=dict)
    cost: int = 0

    @property
    def served(self) -> int:
        return len(self.arcs)

    def measure(self) -> tuple:
        """What "better" means, to compare two solutions (greater is better): the most
        urgent needs served first, then more needs, then the lower cost."""
        ranks = sorted(URGENCY_RANK.values(), reverse=True)
        return (*(self.served_by_urgency.get(r, 0) for r in ranks), -self.cost)

    @classmethod
    def of(cls, problem: Problem, arcs: np.ndarray) -> Solution:
        arcs = np.sort(np.asarray(arcs, dtype=np.int64))
        urgency = problem.need_urgency[problem.arc_need[arcs]]
        ranks, counts = np.unique(urgency, return_counts=True)
        return cls(
            arcs=arcs,
            served_by_urgency={int(r): int(c) for r, c in zip(ranks, counts, strict=True)},
            cost=int(problem.arc_cost[arcs].sum()),
        )
