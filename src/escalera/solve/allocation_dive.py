"""Diving on the hull relaxation (``allocation_hull``): each order's supplier and producers
fixed from the LP, most certain orders first, the LP re-solved from its basis in between.

Before the dive, slope scaling (``_restart``): the LP charges each working pair's
per-pair term over the units it carries rather than over its bound, a few times, so that
it gathers each order's units on fewer producers (seed 1 of benchmarks/match_scale.py, one
dive then local moves: 72.37 without, 72.40 with three rounds; seed 2: 71.71, 71.79). A
dive can also start with some orders held to given columns (the neighbourhood search).

Per order the options are read from the LP's units columns: a splittable order has one,
its ``max_producers`` rows with the most units (weighed by their share of its units); an
order that cannot be split has each row alone and each group channel (its ``size``
members with the most units through that channel), weighed by their share of the value the
LP gives the order. An order is settled once its heaviest option weighs at least the
round's threshold; every other units column of a settled order is closed (bound 0), so the
next LP moves the freed capacity to the orders still open. After the last round (threshold
0) every order has at most its producers and one supplier.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from escalera.solve.allocation_hull import Hull
from escalera.solve.allocation_problem import DIRECT, Prepared
from escalera.solve.mip import FloatArray, IntArray


@dataclass(frozen=True)
class Dive:
    """What a dive settled: per order the rows it may use and the channel they work
    through, and the last LP's units per candidate row."""

    rows: list[IntArray]
    channel: list[str]
    units: FloatArray


def _options(prep: Prepared, hull: Hull, columns: FloatArray, o: int, cols: IntArray,
             ) -> list[tuple[float, IntArray, IntArray, str]]:
    """Order ``o``'s options (weight, candidate rows, their units columns, channel label),
    heaviest first; ``cols`` are the order's open units columns."""
    spec = prep.problem.orders[o]
    rows = hull.col_row[cols]
    got = columns[cols]
    if spec.splittable:
        ranked = np.lexsort((rows, -got))[: spec.max_producers]
        mass = float(got.sum())
        weight = float(got[ranked].sum()) / mass if mass > 0 else 1.0
        return [(weight, rows[ranked], cols[ranked], DIRECT)]
    worth = prep.value[rows] * got
    total = max(float(worth.sum()), 1e-12)
    group = hull.col_group[cols]
    out: list[tuple[float, IntArray, IntArray, str]] = []
    for k in np.flatnonzero(group < 0):
        out.append((float(worth[k]) / total, rows[[k]], cols[[k]], DIRECT))
    for g in np.unique(group[group >= 0]).tolist():
        ch = prep.channels[g]
        mine = np.flatnonzero(group == g)
        ranked = mine[np.lexsort((rows[mine], -got[mine]))][: ch.size]
        out.append((float(worth[ranked].sum()) / total, rows[ranked], cols[ranked], ch.label))
    out.sort(key=lambda t: -t[0])
    return out


FINE = (0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.3, 0.0)
COARSE = (0.95, 0.8, 0.5, 0.0)


def _restart(prep: Prepared, hull: Hull, highs: highspy.Highs, scaling: int,
             floor: float, open_: NDArray[np.bool_]) -> FloatArray | None:
    """Open the units columns of ``highs`` (the hull LP) marked in ``open_`` again (the
    others closed) with their own costs and re-solve from the last basis; then
    ``scaling`` rounds of slope scaling: each column in use is charged the per-pair term
    over the units it carries (at least ``floor`` of its bound) instead of over its bound,
    and the LP re-solved — the cost a working pair really has, so that the LP gathers each
    order's units on fewer producers. The units columns' values, or None if an LP stopped
    without an optimum."""
    m = hull.col_row.size
    cols = np.arange(m, dtype=np.int32)
    upper = prep.upper[hull.col_row].astype(np.float64)
    value = prep.value[hull.col_row]
    per_pair = prep.scale.per_pair
    highs.changeColsBounds(m, cols, np.zeros(m), np.where(open_, upper, 0.0))
    highs.changeColsCost(m, cols, value - per_pair / np.maximum(upper, 1.0))
    columns: FloatArray | None = None
    for k in range(scaling + 1):
        if k:
            assert columns is not None
            carried = np.where(columns > 1e-6, np.maximum(columns, floor * upper), upper)
            highs.changeColsCost(m, cols, value - per_pair / np.maximum(carried, 1.0))
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        columns = np.asarray(highs.getSolution().col_value, dtype=np.float64)[:m]
    return columns


def hull_dive(prep: Prepared, hull: Hull, highs: highspy.Highs,
              thresholds: tuple[float, ...] = FINE, scaling: int = 3, floor: float = 0.05,
              time_limit: float = 10.0,
              fixed: dict[int, tuple[IntArray, str, IntArray]] | None = None) -> Dive | None:
    """Dive with ``highs``, a solver holding the hull LP (its bounds and costs are changed
    and left changed), after ``scaling`` rounds of slope scaling (``_restart``). See the
    module docstring. Orders in ``fixed`` (rows, channel, units columns) are settled from
    the start, only those columns open. None when the first LP stops without an optimum."""
    started = time.perf_counter()
    orders = prep.problem.orders
    m = hull.col_row.size
    col_order = prep.order[hull.col_row]
    open_ = np.ones(m, dtype=bool)
    settled: dict[int, tuple[IntArray, str]] = {}
    if fixed:
        held = np.zeros(len(orders), dtype=bool)
        held[list(fixed)] = True
        open_[held[col_order]] = False
        for o, (rows, label, kept) in fixed.items():
            open_[kept] = True
            settled[o] = (rows, label)
    start = _restart(prep, hull, highs, scaling, floor, open_)
    if start is None:
        return None
    columns = start
    by_order = np.argsort(col_order, kind="stable")
    starts = np.searchsorted(col_order[by_order], np.arange(len(orders) + 1))
    for i, threshold in enumerate(thresholds):
        last = i == len(thresholds) - 1 or time.perf_counter() - started > time_limit
        closing: list[IntArray] = []
        for o in range(len(orders)):
            if o in settled:
                continue
            cols = by_order[starts[o]:starts[o + 1]]
            cols = cols[open_[cols]]
            options = _options(prep, hull, columns, o, cols) if cols.size else []
            if not options:
                settled[o] = (np.zeros(0, dtype=np.int64), DIRECT)
                continue
            weight, rows, kept, label = options[0]
            if weight >= (0.0 if last else threshold) - 1e-9:
                settled[o] = (rows, label)
                keep = np.zeros(m, dtype=bool)
                keep[kept] = True
                closing.append(cols[~keep[cols]])
        shut = np.concatenate(closing) if closing else np.zeros(0, dtype=np.int64)
        if shut.size:
            open_[shut] = False
            highs.changeColsBounds(int(shut.size), shut.astype(np.int32),
                                   np.zeros(shut.size), np.zeros(shut.size))
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            columns = np.asarray(highs.getSolution().col_value, dtype=np.float64)[:m]
        if last:
            break
    empty = (np.zeros(0, dtype=np.int64), DIRECT)
    units = np.asarray(np.bincount(hull.col_row, weights=columns,
                                   minlength=prep.value.size), dtype=np.float64)
    return Dive([settled.get(o, empty)[0] for o in range(len(orders))],
                [settled.get(o, empty)[1] for o in range(len(orders))], units)
