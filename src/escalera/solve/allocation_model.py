"""The order-allocation MIP, built block by block from numpy arrays (formulation in
``solve.allocation``), and the translation of greedy picks and solver values to and from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from escalera.solve.allocation_greedy import Pick
from escalera.solve.allocation_hull import capacity_terms, key_free
from escalera.solve.allocation_problem import ADHOC, ASSIGNMENTS, DIRECT, Prepared
from escalera.solve.mip import FloatArray, IntArray, LinearModel


@dataclass(frozen=True)
class AllocationModel:
    """The model and what its columns mean.

    Per candidate row ``r``: units ``x[r]`` and a 0/1 ``y[r]`` (works). Per group channel
    ``g`` (a pool or the ad-hoc pool of an order that cannot be split): a 0/1 ``z[g]`` (the
    order's one supplier is this group). Per candidate row that belongs to a group channel:
    a 0/1 ``d[k]`` (it is the order's one supplier, alone), for row ``alone[k]``.
    """

    model: LinearModel
    x: IntArray
    y: IntArray
    z: IntArray
    d: IntArray
    alone: IntArray  # candidate row of each d


def _rows(model: LinearModel, keys: IntArray, cols: IntArray, coef: FloatArray | float,
          upper: FloatArray) -> None:
    """Rows ``sum coef * col <= upper[k]``, one per key 0..len(upper)-1."""
    model.add_rows(np.full(upper.size, -np.inf), upper, keys, cols, coef)


def build(prep: Prepared) -> AllocationModel:
    """The MIP for ``prep`` (maximise)."""
    orders = prep.problem.orders
    n = prep.value.size
    upper = prep.upper.astype(np.float64)
    lower = prep.lower.astype(np.float64)
    model = LinearModel(maximize=True)
    x = model.add_vars(prep.value, 0.0, upper, integer=True)
    y = model.add_binaries(np.full(n, -prep.scale.per_pair))
    z = model.add_binaries(np.zeros(len(prep.channels)))
    grouped = np.zeros(n, dtype=bool)
    for ch in prep.channels:
        grouped[ch.rows] = True
    alone = np.flatnonzero(grouped)
    d = model.add_binaries(np.zeros(alone.size))
    r = np.arange(n, dtype=np.int64)
    # Tight big-M: x <= upper * y. The minimum, lower * y <= x, matters only where it is
    # above one unit: otherwise y = 1 with x = 0 gains nothing (y costs the per-pair term
    # and only uses up slots), and decoding reads work from x.
    _rows(model, np.concatenate([r, r]), np.concatenate([x, y]),
          np.concatenate([np.ones(n), -upper]), np.zeros(n))
    big = np.flatnonzero(lower > 1)
    k = np.arange(big.size, dtype=np.int64)
    _rows(model, np.concatenate([k, k]), np.concatenate([y[big], x[big]]),
          np.concatenate([lower[big], -np.ones(big.size)]), np.zeros(big.size))
    quantity = np.array([o.quantity for o in orders], dtype=np.float64)
    if n:
        _rows(model, prep.order, x, 1.0, quantity)  # units <= quantity
    _producers(model, prep, y, z)
    _one_supplier(model, prep, y, z, d, alone, grouped)
    _capacity(model, prep, x)
    return AllocationModel(model, x, y, z, d, alone)


def _producers(model: LinearModel, prep: Prepared, y: IntArray, z: IntArray) -> None:
    """Per order, producers <= max_producers; <= the ad-hoc size when the ad-hoc pool is
    the supplier (a pool's size is its members, already within max_producers)."""
    orders = prep.problem.orders
    most = np.array([o.max_producers for o in orders], dtype=np.float64)
    adhoc = [(g, ch) for g, ch in enumerate(prep.channels) if ch.label == ADHOC]
    keys = np.concatenate([prep.order, np.array([ch.order for _, ch in adhoc], np.int64)])
    cols = np.concatenate([y, np.array([z[g] for g, _ in adhoc], np.int64)])
    coef = np.concatenate([np.ones(y.size),
                           [orders[ch.order].max_producers - ch.size for _, ch in adhoc]])
    if keys.size:
        _rows(model, keys, cols, coef, most)


def _one_supplier(model: LinearModel, prep: Prepared, y: IntArray, z: IntArray, d: IntArray,
                  alone: IntArray, grouped: NDArray[np.bool_]) -> None:
    """Orders that cannot be split: one producer alone or one group channel; a producer
    works only through the supplier chosen."""
    whole = np.array([not o.splittable for o in prep.problem.orders], dtype=bool)
    if not whole.any():
        return
    index = np.cumsum(whole) - 1  # row of each whole order in this block
    single = np.flatnonzero(whole[prep.order] & ~grouped)  # can only ever work alone
    ch_order = np.array([ch.order for ch in prep.channels], dtype=np.int64)
    keys = np.concatenate([index[prep.order[single]], index[prep.order[alone]],
                           index[ch_order]])
    _rows(model, keys, np.concatenate([y[single], d, z]), 1.0, np.ones(int(whole.sum())))
    if alone.size == 0:
        return
    # y[r] <= d[r] + sum of z over the groups r belongs to.
    slot = np.full(y.size, -1, dtype=np.int64)
    slot[alone] = np.arange(alone.size)
    member_rows = np.concatenate([ch.rows for ch in prep.channels])
    member_group = np.concatenate([np.full(ch.rows.size, g, dtype=np.int64)
                                   for g, ch in enumerate(prep.channels)])
    k = np.arange(alone.size, dtype=np.int64)
    _rows(model, np.concatenate([k, k, slot[member_rows]]),
          np.concatenate([y[alone], d, z[member_group]]),
          np.concatenate([np.ones(alone.size), -np.ones(alone.size),
                          -np.ones(member_rows.size)]), np.zeros(alone.size))


def _capacity(model: LinearModel, prep: Prepared, x: IntArray) -> None:
    """Per producer and bucket: sum of units times the order's share there <= free units.
    Rows that the bounds already satisfy are left out."""
    if x.size == 0:
        return
    terms = capacity_terms(prep)
    if terms.height:
        _rows(model, terms["key"].to_numpy(), x[terms["row"].to_numpy()],
              terms["fraction"].to_numpy(), key_free(terms))


def warm_start(built: AllocationModel, prep: Prepared, picks: list[Pick]) -> FloatArray:
    """The greedy's picks as a full column vector of the model."""
    group = {(ch.order, ch.label): g for g, ch in enumerate(prep.channels)}
    slot = {int(r): k for k, r in enumerate(built.alone)}
    start = np.zeros(built.model.num_cols)
    for r, units, channel in picks:
        start[built.x[r]], start[built.y[r]] = units, 1.0
        if channel != DIRECT:
            start[built.z[group[int(prep.order[r]), channel]]] = 1.0
        elif r in slot:
            start[built.d[slot[r]]] = 1.0
    return start


def decode(built: AllocationModel, prep: Prepared, values: FloatArray) -> pl.DataFrame:
    """The solver's values as the public assignments table (rows with units only)."""
    units = np.rint(values[built.x]).astype(np.int64)
    works = np.flatnonzero(units > 0)
    chosen = {ch.order: ch for g, ch in enumerate(prep.channels)
              if values[built.z[g]] > 0.5}
    alone = set(built.alone[values[built.d] > 0.5].tolist())
    channel = []
    for r in works.tolist():
        ch = chosen.get(int(prep.order[r]))
        in_group = ch is not None and r not in alone and bool(np.isin(r, ch.rows))
        channel.append(ch.label if in_group and ch is not None else DIRECT)
    frame = pl.DataFrame({"order_id": prep.cands["order_id"].gather(works),
                          "producer_id": prep.cands["producer_id"].gather(works),
                          "channel": channel, "units": units[works]}, schema=ASSIGNMENTS)
    return frame.sort("order_id", "producer_id")
