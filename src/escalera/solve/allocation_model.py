"""The order-allocation MIP, built block by block from numpy arrays (formulation in
``solve.allocation``), and the translation of greedy picks and solver values to and from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.solve.allocation_greedy import Pick
from escalera.solve.allocation_problem import ASSIGNMENTS, DIRECT, Prepared
from escalera.solve.mip import FloatArray, IntArray, LinearModel


@dataclass(frozen=True)
class AllocationModel:
    """The model and what its columns mean.

    Entry ``e`` is one way a candidate row can work: directly, or through one group channel
    (``group[e]`` >= 0). Each entry has units ``x[e]`` and a 0/1 ``y[e]`` (works); each group
    channel has a 0/1 ``z[g]`` (the order's one supplier is this group).
    """

    model: LinearModel
    row: IntArray  # candidate row per entry
    group: IntArray  # channel index per entry, -1 for direct
    x: IntArray
    y: IntArray
    z: IntArray


def _block_rows(model: LinearModel, keys: IntArray, cols: IntArray, coef: FloatArray | float,
                upper: FloatArray, lower: float = -np.inf) -> None:
    """Rows ``lower <= sum coef * x[cols] <= upper[k]``, one per distinct key (0..len-1)."""
    model.add_rows(np.full(upper.size, lower), upper, keys, cols, coef)


def build(prep: Prepared) -> AllocationModel:
    """The MIP for ``prep`` (maximise)."""
    orders = prep.problem.orders
    n_rows = prep.value.size
    group_rows = [ch.rows for ch in prep.channels]
    row = np.concatenate([np.arange(n_rows, dtype=np.int64), *group_rows])
    group = np.concatenate([np.full(n_rows, -1, dtype=np.int64)]
                           + [np.full(r.size, g, dtype=np.int64) for g, r in enumerate(group_rows)])
    n = row.size
    upper = prep.upper[row].astype(np.float64)
    lower = prep.lower[row].astype(np.float64)
    order = prep.order[row]
    model = LinearModel(maximize=True)
    x = model.add_vars(prep.value[row], 0.0, upper, integer=True)
    y = model.add_binaries(np.full(n, -prep.scale.per_pair))
    z = model.add_binaries(np.zeros(len(prep.channels)))
    entries = np.arange(n, dtype=np.int64)
    two = np.concatenate([entries, entries])
    # Tight big-M: x <= upper * y.
    model.add_rows(np.full(n, -np.inf), np.zeros(n), two, np.concatenate([x, y]),
                   np.concatenate([np.ones(n), -upper]))
    # lower * y <= x matters only where the minimum is above one unit: otherwise y = 1 with
    # x = 0 gains nothing (y costs the per-pair term and only uses up slots), and decoding
    # reads work from x.
    big = np.flatnonzero(lower > 1)
    k = np.arange(big.size, dtype=np.int64)
    model.add_rows(np.zeros(big.size), np.full(big.size, np.inf), np.concatenate([k, k]),
                   np.concatenate([x[big], y[big]]), np.concatenate([np.ones(big.size),
                                                                     -lower[big]]))
    quantity = np.array([o.quantity for o in orders], dtype=np.float64)
    most = np.array([o.max_producers for o in orders], dtype=np.float64)
    if n:
        _block_rows(model, order, x, 1.0, quantity)  # units <= quantity
        _block_rows(model, order, y, 1.0, most)  # producers <= max_producers
    _one_supplier(model, prep, order, group, y, z)
    _capacity(model, prep, row, x)
    return AllocationModel(model, row, group, x, y, z)


def _one_supplier(model: LinearModel, prep: Prepared, order: IntArray, group: IntArray,
                  y: IntArray, z: IntArray) -> None:
    """Orders that cannot be split: one direct producer or one group channel; a producer
    works through a group only when that group is the supplier; groups have a size limit."""
    whole = np.array([not o.splittable for o in prep.problem.orders], dtype=bool)
    if not whole.any():
        return
    index = np.cumsum(whole) - 1  # row of each whole order in this block
    direct = (group < 0) & whole[order]
    ch_order = np.array([ch.order for ch in prep.channels], dtype=np.int64)
    keys = np.concatenate([index[order[direct]], index[ch_order]])
    cols = np.concatenate([y[direct], z])
    _block_rows(model, keys, cols, 1.0, np.ones(int(whole.sum())))
    member = np.flatnonzero(group >= 0)
    if member.size:
        k = np.arange(member.size, dtype=np.int64)
        model.add_rows(np.full(member.size, -np.inf), np.zeros(member.size),
                       np.concatenate([k, k]), np.concatenate([y[member], z[group[member]]]),
                       np.concatenate([np.ones(member.size), -np.ones(member.size)]))
        size = np.array([ch.size for ch in prep.channels], dtype=np.float64)
        _block_rows(model, group[member], y[member], 1.0, size)


def _capacity(model: LinearModel, prep: Prepared, row: IntArray, x: IntArray) -> None:
    """Per producer and bucket: sum of units times the order's share there <= free units.
    Rows that the bounds already satisfy are left out."""
    if row.size == 0:
        return
    entries = pl.DataFrame({"col": x, "row": row}).join(
        prep.cands.select("row", "order_id", "producer_id", "upper"), on="row")
    terms = (entries.join(prep.load, on="order_id")
             .join(prep.capacity, on=["producer_id", "bucket"])
             .with_columns((pl.col("upper") * pl.col("fraction")).alias("reach")))
    rows = (terms.group_by("producer_id", "bucket")
            .agg(pl.col("reach").sum(), pl.col("free").first())
            .filter(pl.col("reach") > pl.col("free") + 1e-9)
            .with_row_index("key"))
    terms = terms.join(rows.select("producer_id", "bucket", "key"), on=["producer_id", "bucket"])
    if rows.height:
        _block_rows(model, terms["key"].cast(pl.Int64).to_numpy(), terms["col"].to_numpy(),
                    terms["fraction"].to_numpy(), rows["free"].to_numpy())


def warm_start(built: AllocationModel, prep: Prepared, picks: list[Pick]) -> FloatArray:
    """The greedy's picks as a full column vector of the model."""
    labels = [ch.label for ch in prep.channels]
    index = {(int(r), DIRECT if g < 0 else labels[g]): e
             for e, (r, g) in enumerate(zip(built.row, built.group, strict=True))}
    start = np.zeros(built.model.num_cols)
    for r, units, channel in picks:
        e = index[r, channel]
        start[built.x[e]], start[built.y[e]] = units, 1.0
        if built.group[e] >= 0:
            start[built.z[built.group[e]]] = 1.0
    return start


def decode(built: AllocationModel, prep: Prepared, values: FloatArray) -> pl.DataFrame:
    """The solver's values as the public assignments table (entries with units only)."""
    units = np.rint(values[built.x]).astype(np.int64)
    works = np.flatnonzero(units > 0)
    rows = built.row[works]
    labels = np.array([DIRECT] + [ch.label for ch in prep.channels], dtype=object)
    frame = pl.DataFrame({"order_id": prep.cands["order_id"].gather(rows),
                          "producer_id": prep.cands["producer_id"].gather(rows),
                          "channel": labels[built.group[works] + 1].tolist(),
                          "units": units[works]}, schema=ASSIGNMENTS)
    return frame.sort("order_id", "producer_id")
