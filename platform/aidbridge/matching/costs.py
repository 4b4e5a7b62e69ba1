"""What a candidate pair costs: distance, the provider's record, continuity and price,
each a part from 0 (best) to ``PART_MAX`` (worst), weighted by settings and summed to
the non-negative integer the solver minimises.

The weights are settings (``MATCHING_WEIGHT_*``, defaults in ``config``) that a run may
override, each from 0 to ``MAX_WEIGHT``; the parts are kept with every match, so that
its explanation shows what its cost was made of.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

WEIGHTS = ("distance", "performance", "continuity", "price")
MAX_WEIGHT = 100
PART_MAX = 1000
# Where coordinates are missing, how far apart a household and a service are taken to
# be by the nearest area they share: the same community, street, district, city, or
# beyond (typical distances in a Chinese city, in km).
SHARED_AREA_KM = (0.5, 2.0, 8.0, 20.0, 40.0)
EARTH_RADIUS_KM = 6371.0088


def default_weights(config: Mapping) -> dict[str, int]:
    return {name: int(config[f"MATCHING_WEIGHT_{name.upper()}"]) for name in WEIGHTS}


def haversine_km(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Great-circle distances in km (NaN where a coordinate is missing)."""
    lat1, lng1, lat2, lng2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lat1, lng1, lat2, lng2)
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def km_for_gap(gap: np.ndarray) -> np.ndarray:
    """The distance taken for a household ``gap`` levels below the nearest area it
    shares with a service (0: the same community)."""
    table = np.asarray(SHARED_AREA_KM)
    return table[np.clip(gap, 0, len(table) - 1)]


def distance_part(km: np.ndarray, scale_km: float) -> np.ndarray:
    """0 on the doorstep, ``PART_MAX`` from ``scale_km`` on."""
    return np.minimum(np.rint(km * PART_MAX / scale_km), PART_MAX).astype(np.int64)


def performance_part(
    accepted: np.ndarray,
    decided: np.ndarray,
    completed: np.ndarray,
    finished: np.ndarray,
    prior: int,
) -> np.ndarray:
    """From each provider's referrals: the share accepted of those it answered and the
    share completed of those it closed, each shrunk towards the pool's mean by ``prior``
    referrals' worth (a provider with few referrals is taken to be like the others; with
    no referrals anywhere, everyone scores full marks)."""

    def rate(hits, total):
        mean = hits.sum() / total.sum() if total.sum() else 1.0
        return (
            (hits + prior * mean) / (total + prior)
            if prior
            else np.where(total, hits / np.maximum(total, 1), mean)
        )

    score = (rate(accepted, decided) + rate(completed, finished)) / 2
    return np.rint((1 - score) * PART_MAX).astype(np.int64)


def total(parts: Mapping[str, np.ndarray], weights: Mapping[str, int]) -> np.ndarray:
    cost = np.zeros(len(parts[WEIGHTS[0]]), dtype=np.int64)
    for name in WEIGHTS:
        cost += parts[name].astype(np.int64) * int(weights[name])
    return cost
