"""Seeded GAP instances of the published OR-Library types C, D and E (whole numbers).

Type C: r ~ U[5, 25], c ~ U[10, 50]. Type D: r ~ U[1, 100], c = 111 - r + U[-10, 10]
(costly jobs use little resource: hard). Type E: r = 1 - 10 ln U(0, 1], c = 1000 / r - 10 U[0, 1].
For all three the capacity is b_i = 0.8 * sum_j r_ij / m, so about 80 % of the average total
is available: tight.
"""

from __future__ import annotations

import numpy as np

from escalera.errors import N_
from escalera.solve.gap import GapError, GapInstance

TYPES = ("C", "D", "E")


def generate_gap(kind: str, m: int, n: int, seed: int = 0) -> GapInstance:
    """An instance of OR-Library ``kind`` (C, D or E) with ``m`` agents and ``n`` jobs."""
    rng = np.random.default_rng(seed)
    kind = kind.upper()
    if kind == "C":
        resource = rng.integers(5, 26, size=(m, n))
        cost = rng.integers(10, 51, size=(m, n))
    elif kind == "D":
        resource = rng.integers(1, 101, size=(m, n))
        cost = 111 - resource + rng.integers(-10, 11, size=(m, n))
    elif kind == "E":
        u = 1.0 - rng.random(size=(m, n))  # U(0, 1]
        resource = np.floor(1.0 - 10.0 * np.log(u)).astype(np.int64)
        cost = np.floor(1000.0 / resource - 10.0 * rng.random(size=(m, n))).astype(np.int64)
    else:
        raise GapError(N_("unknown GAP instance type {kind}; use C, D or E"), kind=kind)
    capacity = np.floor(0.8 * resource.sum(axis=1) / m)
    return GapInstance.of(cost, resource, capacity)
