"""Exact 0-1 knapsacks by dynamic programming over whole-number capacity, many at once.

Row ``i`` of the arrays is one knapsack: item ``j`` is worth ``profit[i, j]`` and weighs
``weight[i, j]`` (whole, not negative) against ``capacity[i]``; pick items to maximise the
total worth within the capacity. Items worth nothing or less are never picked. Every row is
processed together, one numpy step per item, over a table of ``m x (max capacity + 1)``:
cell ``[i, c]`` is the best worth of row ``i`` within weight ``c``. With values that are
exact in binary (whole numbers, or multiples of a power of two small enough), the sums and
so the optima are exact. The generalised assignment's Lagrangian bound (``solve.gap_lagrange``)
solves one knapsack per agent at each step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def _inputs(profit: FloatArray, weight: IntArray, capacity: IntArray
            ) -> tuple[FloatArray, IntArray, IntArray, int]:
    """The arrays as float and integer arrays, checked, and the largest capacity."""
    profit = np.asarray(profit, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    if profit.shape != weight.shape or profit.ndim != 2 or capacity.shape != profit.shape[:1]:
        raise ValueError("profit and weight must be m x n and capacity have m entries")
    if (weight < 0).any() or (capacity < 0).any():
        raise ValueError("weights and capacities cannot be negative")
    return profit, weight, capacity, int(capacity.max()) if capacity.size else 0


def _step(table: FloatArray, weight: IntArray, profit: FloatArray,
          rows: IntArray, cells: IntArray) -> tuple[FloatArray, BoolArray]:
    """The table after offering one item (weight and profit per row): (new table, taken)."""
    source = cells[None, :] - weight[:, None]
    reach = (source >= 0) & (profit[:, None] > 0)
    offer = table[rows[:, None], np.maximum(source, 0)] + profit[:, None]
    taken = reach & (offer > table)
    return np.where(taken, offer, table), taken


def knapsacks(profit: FloatArray, weight: IntArray,
              capacity: IntArray) -> tuple[FloatArray, BoolArray]:
    """Solve every row's knapsack: (best worth per row, m x n picked items)."""
    profit, weight, capacity, top = _inputs(profit, weight, capacity)
    m, n = profit.shape
    rows, cells = np.arange(m), np.arange(top + 1)
    table = np.zeros((m, top + 1))
    taken: BoolArray = np.zeros((n, m, top + 1), dtype=bool)
    useful = np.asarray((profit > 0).any(axis=0), dtype=bool)
    for j in (int(k) for k in np.flatnonzero(useful)):
        table, took = _step(table, weight[:, j], profit[:, j], rows, cells)
        taken[j] = took
    pick = np.zeros((m, n), dtype=bool)
    left = capacity.copy()
    for j in range(n - 1, -1, -1):
        if useful[j]:
            pick[:, j] = taken[j, rows, left]
            left -= np.where(pick[:, j], weight[:, j], 0)
    return table[rows, capacity], pick


@dataclass(frozen=True)
class ForcedValues:
    """Each row's best worth with item ``j`` forced in (``with_item[i, j]``, -inf when it
    cannot fit) or forced out (``without_item[i, j]``), and the free optimum ``best[i]``."""

    best: FloatArray
    with_item: FloatArray
    without_item: FloatArray


def _tables(profit: FloatArray, weight: IntArray, top: int) -> FloatArray:
    """Tables before each item: ``[j]`` uses items 0..j-1 only (n + 1 tables)."""
    m, n = profit.shape
    rows, cells = np.arange(m), np.arange(top + 1)
    out = np.zeros((n + 1, m, top + 1))
    for j in range(n):
        out[j + 1], _ = _step(out[j], weight[:, j], profit[:, j], rows, cells)
    return out


def forced_values(profit: FloatArray, weight: IntArray, capacity: IntArray) -> ForcedValues:
    """Every row's optimum with each item forced in and forced out, from tables built from
    the front and from the back: forcing item j splits the capacity between the items
    before it and those after it, the best split is the answer."""
    profit, weight, capacity, top = _inputs(profit, weight, capacity)
    m, n = profit.shape
    front = _tables(profit, weight, top)
    back = _tables(profit[:, ::-1], weight[:, ::-1], top)[::-1]  # [j]: items j..n-1
    rows, cells = np.arange(m), np.arange(top + 1)
    with_item = np.full((m, n), -np.inf)
    without_item = np.empty((m, n))
    for j in range(n):
        before, after = front[j], back[j + 1]
        for room, out in ((capacity - weight[:, j], with_item), (capacity, without_item)):
            rest = room[:, None] - cells[None, :]
            split = before + after[rows[:, None], np.maximum(rest, 0)]
            best = np.where(rest >= 0, split, -np.inf).max(axis=1)
            if out is with_item:
                fits = room >= 0
                out[fits, j] = best[fits] + profit[fits, j]
            else:
                out[:, j] = best
    return ForcedValues(front[n][rows, capacity], with_item, without_item)
