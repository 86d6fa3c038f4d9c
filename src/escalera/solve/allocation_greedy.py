"""A greedy order allocation: the baseline the MIP is measured against, and its warm start.

Orders are taken by value (price times quantity, largest first); each takes candidates one
at a time, the one whose units add most to the objective first (its value per unit under
the program manager's weights times as many units as its bound, the order's remaining
quantity and its remaining free capacity allow). An
order that cannot be split gets the best single supplier among: each producer alone, each
pool (members filled best first), and the ad-hoc pool. A producer joins only when its units
are worth more than the per-producer term, and only with at least the order's minimum.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.solve.allocation_problem import (
    ASSIGNMENTS,
    DIRECT,
    AllocationProblem,
    AllocationResult,
    Prepared,
    filled_table,
    objective_value,
    prepare,
    relaxed_bound,
)
from escalera.solve.mip import MipStatus, relative_gap

Pick = tuple[int, int, str]  # candidate row, units, channel


@dataclass
class _Room:
    """Free capacity left per (producer, bucket), and the buckets each order loads."""

    free: dict[tuple[str, str], float]
    loads: dict[str, list[tuple[str, float]]]

    @classmethod
    def of(cls, prep: Prepared) -> _Room:
        free = {(p, b): f for p, b, f in prep.capacity.iter_rows()}
        loads: dict[str, list[tuple[str, float]]] = {}
        for order_id, bucket, fraction in prep.load.iter_rows():
            loads.setdefault(order_id, []).append((bucket, fraction))
        return cls(free, loads)

    def units(self, order_id: str, producer_id: str, most: int) -> int:
        """Most units (<= ``most``) the producer can still make for the order."""
        for bucket, fraction in self.loads.get(order_id, ()):
            left = self.free.get((producer_id, bucket))
            if left is not None:
                most = min(most, math.floor(left / fraction + 1e-9))
        return max(0, most)

    def take(self, order_id: str, producer_id: str, units: int) -> None:
        for bucket, fraction in self.loads.get(order_id, ()):
            if (producer_id, bucket) in self.free:
                self.free[producer_id, bucket] -= units * fraction


def _fill(rows: list[int], need: int, slots: int, channel: str, order_id: str,
          producers: list[str], prep: Prepared, room: _Room) -> tuple[float, list[Pick]]:
    """Fill ``need`` units from ``rows`` with at most ``slots`` producers: each step takes
    the candidate whose units (as many as it can still make) add most to the objective, so
    a slot is not spent on a cheap producer with little room."""
    picks: list[Pick] = []
    gain = 0.0
    left = list(rows)
    while need > 0 and len(picks) < slots and left:
        best, best_worth, best_units = -1, 0.0, 0
        for row in left:
            units = min(need, room.units(order_id, producers[row], int(prep.upper[row])))
            worth = units * float(prep.value[row]) - prep.scale.per_pair
            if units >= prep.lower[row] and worth > best_worth:
                best, best_worth, best_units = row, worth, units
        if best < 0:
            break
        picks.append((best, best_units, channel))
        left.remove(best)
        gain += best_worth
        need -= best_units
    return gain, picks


def greedy_picks(prep: Prepared) -> list[Pick]:
    """The greedy's assignments as (candidate row, units, channel)."""
    problem = prep.problem
    room = _Room.of(prep)
    producers: list[str] = prep.cands["producer_id"].to_list()
    by_order: dict[int, list[int]] = {}
    for row in np.lexsort((np.arange(prep.value.size), -prep.value)):  # best value first
        if prep.value[row] > 0:
            by_order.setdefault(int(prep.order[row]), []).append(int(row))
    groups: dict[int, list[tuple[str, list[int], int]]] = {}
    rank = {row: i for rows in by_order.values() for i, row in enumerate(rows)}
    for ch in prep.channels:
        members = sorted((int(r) for r in ch.rows if int(r) in rank), key=rank.__getitem__)
        groups.setdefault(ch.order, []).append((ch.label, members, ch.size))
    out: list[Pick] = []
    order_rank = sorted(range(len(problem.orders)),
                        key=lambda i: (-problem.orders[i].unit_price * problem.orders[i].quantity,
                                       problem.orders[i].order_id))
    for o in order_rank:
        spec = problem.orders[o]
        rows = by_order.get(o, [])
        if spec.splittable:
            _, picks = _fill(rows, spec.quantity, spec.max_producers, DIRECT, spec.order_id,
                             producers, prep, room)
        else:
            options = [_fill([row], spec.quantity, 1, DIRECT, spec.order_id, producers, prep,
                             room) for row in rows]
            options += [_fill(members, spec.quantity, size, label, spec.order_id, producers,
                              prep, room) for label, members, size in groups.get(o, [])]
            best = max(options, key=lambda option: option[0], default=(0.0, []))
            picks = best[1] if best[0] > 0 else []
        for row, units, _channel in picks:
            room.take(spec.order_id, producers[row], units)
        out.extend(picks)
    return out


def assignments_frame(prep: Prepared, picks: list[Pick]) -> pl.DataFrame:
    """Picks as the public assignments table."""
    rows = [p[0] for p in picks]
    return pl.DataFrame({"order_id": prep.cands["order_id"].gather(rows),
                         "producer_id": prep.cands["producer_id"].gather(rows),
                         "channel": [p[2] for p in picks], "units": [p[1] for p in picks]},
                        schema=ASSIGNMENTS).sort("order_id", "producer_id")


def greedy_allocate(problem: AllocationProblem) -> AllocationResult:
    """The greedy allocation, with a simple proven bound (``relaxed_bound``) for its gap.

    Its status is ``optimal`` only when it meets that bound, else ``time_limit`` (feasible,
    not proven optimal).
    """
    started = time.perf_counter()
    prep = prepare(problem)
    assignments = assignments_frame(prep, greedy_picks(prep))
    objective = objective_value(problem, assignments)
    bound = max(objective, relaxed_bound(prep))
    gap = relative_gap(objective, bound)
    return AllocationResult(
        status=MipStatus.OPTIMAL.value if gap == 0.0 else MipStatus.TIME_LIMIT.value,
        objective=objective, bound=bound, gap=gap, seconds=time.perf_counter() - started,
        greedy_objective=objective, assignments=assignments,
        filled=filled_table(problem, assignments), source="greedy")
