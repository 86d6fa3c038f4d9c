"""A tighter relaxation of the allocation MIP for the large-scale path: each order that
cannot be split gets its own units column per supplier it may choose (disaggregated), so
the LP can no longer draw on a pool's members at a fraction of the pool's choice.

**Why.** In the compact LP (``allocation_lagrange.compact_relaxation``) a group channel's
``z_g`` only caps each member's ``x_r / U_r``; with ``z_g = 0.2`` every member of an
eight-member pool may give a fifth of its bound, which together can fill the order while
using a fifth of its one-supplier row. Whatever an integer allocation does, each order that
cannot be split works through one supplier, so its units can be written as copies, one per
supplier, only the chosen one nonzero; the LP over those copies is the convex hull of the
one-supplier rule (within each supplier, the LP of its quantity and size limits).

**The model** (maximise; every row ``A v <= b``, every column in ``[0, u]``, so
``allocation_lagrange.certified_bound`` applies). Units columns: one per candidate row
(``x_r`` for a splittable order; for an order that cannot be split, ``a_r``, the row
working alone), then one per (group channel ``g``, member ``r``): ``w_gr``; each with value
``value_r - per_pair / U_r`` per unit and bound ``U_r`` (a working pair costs ``per_pair``
and ``y_r >= x_r / U_r``). Channel columns ``z_g`` in ``[0, 1]``. Rows:

- splittable order: ``sum x <= quantity``, ``sum x / U <= max_producers``;
- order that cannot be split: ``sum a / U + sum z <= 1`` (one supplier);
- group channel: ``w_gr <= U_r z_g``, ``sum_r w_gr <= quantity z_g``,
  ``sum_r w_gr / U_r <= size_g z_g``;
- per (producer, bucket) that could overflow: ``sum fraction * (all units columns of the
  producer's rows) <= free``.

Every integer allocation maps to a point of this LP with at least its objective (the
chosen supplier's copy carries the units; ``z`` or ``a / U`` of the others 0), so its
optimum — and ``certified_bound`` at any prices — is an upper bound on the MIP's. Its
optimum equals the best Lagrangian bound of the capacity rows with the subproblems that
``allocation_lagrange.order_bound`` solves, found here by one LP instead of price steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import polars as pl

from escalera.solve.allocation_problem import Prepared
from escalera.solve.mip import FloatArray, IntArray, LinearModel, _to_highs, new_highs


@dataclass(frozen=True)
class Hull:
    """The disaggregated relaxation and where its parts are. Units columns come first:
    column ``j < col_row.size`` makes units of candidate row ``col_row[j]`` through
    channel ``col_group[j]`` (-1: directly, or alone on an order that cannot be split)."""

    model: LinearModel
    col_row: IntArray
    col_group: IntArray
    z: IntArray  # column per group channel
    capacity_rows: IntArray  # model row of each capacity key
    capacity_terms: pl.DataFrame  # row (candidate), key, fraction, producer_id, bucket, free


def capacity_terms(prep: Prepared) -> pl.DataFrame:
    """Per candidate row and (producer, bucket) key that could overflow: the share of the
    row's units charged there (``fraction``) and the key's free units. Keys are numbered
    0.. in (producer, bucket) order; keys no set of rows could overflow are left out."""
    terms = (prep.cands.select("row", "order_id", "producer_id", "upper")
             .join(prep.load, on="order_id")
             .join(prep.capacity, on=["producer_id", "bucket"])
             .with_columns((pl.col("upper") * pl.col("fraction")).alias("reach")))
    keys = (terms.group_by("producer_id", "bucket")
            .agg(pl.col("reach").sum(), pl.col("free").first())
            .filter(pl.col("reach") > pl.col("free") + 1e-9)
            .sort("producer_id", "bucket")
            .with_row_index("key"))
    return terms.join(keys.select("producer_id", "bucket", "key"),
                      on=["producer_id", "bucket"]).select(
        "row", pl.col("key").cast(pl.Int64), "fraction", "producer_id", "bucket", "free")


def key_free(terms: pl.DataFrame) -> FloatArray:
    """The free units of each capacity key 0..K-1 of :func:`capacity_terms`' frame."""
    free: FloatArray = (terms.group_by("key").agg(pl.col("free").first()).sort("key")
                        ["free"].to_numpy().astype(np.float64))
    return free


def hull_relaxation(prep: Prepared, terms: pl.DataFrame | None = None) -> Hull:
    """The disaggregated LP of ``prep`` (module docstring)."""
    orders = prep.problem.orders
    n = prep.value.size
    upper = prep.upper.astype(np.float64)
    share = 1.0 / np.maximum(upper, 1.0)
    channels = prep.channels
    members = (np.concatenate([ch.rows for ch in channels]) if channels
               else np.zeros(0, dtype=np.int64))
    member_group = (np.concatenate([np.full(ch.rows.size, g, dtype=np.int64)
                                    for g, ch in enumerate(channels)]) if channels
                    else np.zeros(0, dtype=np.int64))
    col_row = np.concatenate([np.arange(n, dtype=np.int64), members])
    col_group = np.concatenate([np.full(n, -1, dtype=np.int64), member_group])
    model = LinearModel(maximize=True)
    units = model.add_vars(prep.value[col_row] - prep.scale.per_pair * share[col_row], 0.0,
                           upper[col_row])
    z = model.add_vars(np.zeros(len(channels)), 0.0, 1.0)
    split = np.array([o.splittable for o in orders], dtype=bool)
    quantity = np.array([o.quantity for o in orders], dtype=np.float64)
    most = np.array([o.max_producers for o in orders], dtype=np.float64)
    direct = np.flatnonzero(split[prep.order])
    if direct.size:
        index = np.cumsum(split) - 1
        keys = index[prep.order[direct]]
        model.add_rows(np.full(int(split.sum()), -np.inf), quantity[split], keys,
                       units[direct], 1.0)
        model.add_rows(np.full(int(split.sum()), -np.inf), most[split], keys, units[direct],
                       share[direct])
    whole = ~split
    if whole.any():
        index = np.cumsum(whole) - 1
        alone = np.flatnonzero(whole[prep.order])
        owner = np.array([ch.order for ch in channels], dtype=np.int64)
        model.add_rows(np.full(int(whole.sum()), -np.inf), np.ones(int(whole.sum())),
                       np.concatenate([index[prep.order[alone]], index[owner]]),
                       np.concatenate([units[alone], z]),
                       np.concatenate([share[alone], np.ones(z.size)]))
    if members.size:
        copies = units[n:]
        k = np.arange(members.size, dtype=np.int64)
        model.add_rows(np.full(members.size, -np.inf), np.zeros(members.size),
                       np.concatenate([k, k]), np.concatenate([copies, z[member_group]]),
                       np.concatenate([np.ones(members.size), -upper[members]]))
        groups = len(channels)
        size = np.array([ch.size for ch in channels], dtype=np.float64)
        owner = np.array([ch.order for ch in channels], dtype=np.int64)
        g = np.arange(groups, dtype=np.int64)
        model.add_rows(np.full(groups, -np.inf), np.zeros(groups),
                       np.concatenate([member_group, g]), np.concatenate([copies, z]),
                       np.concatenate([np.ones(members.size), -quantity[owner]]))
        model.add_rows(np.full(groups, -np.inf), np.zeros(groups),
                       np.concatenate([member_group, g]), np.concatenate([copies, z]),
                       np.concatenate([share[members], -size]))
    terms = capacity_terms(prep) if terms is None else terms
    capacity_rows = np.zeros(0, dtype=np.int64)
    if terms.height:
        # Every units column of a row is charged where the row is.
        by_row = np.argsort(col_row, kind="stable")
        first = np.searchsorted(col_row[by_row], np.arange(n + 1))
        t_row = terms["row"].to_numpy()
        copies_per = (first[t_row + 1] - first[t_row]).astype(np.int64)
        rep = np.repeat(np.arange(t_row.size), copies_per)
        offset = np.arange(rep.size) - np.repeat(np.cumsum(copies_per) - copies_per,
                                                  copies_per)
        cols = units[by_row[first[t_row[rep]] + offset]]
        free = key_free(terms)
        capacity_rows = model.add_rows(np.full(free.size, -np.inf), free,
                                       terms["key"].to_numpy()[rep], cols,
                                       terms["fraction"].to_numpy()[rep])
    return Hull(model, col_row, col_group, z, capacity_rows, terms)


def _triplets(model: LinearModel) -> tuple[IntArray, IntArray, FloatArray]:
    rows = np.concatenate([t[0] for t in model.triplets]) if model.triplets else np.zeros(0)
    cols = np.concatenate([t[1] for t in model.triplets]) if model.triplets else np.zeros(0)
    vals = np.concatenate([t[2] for t in model.triplets]) if model.triplets else np.zeros(0)
    return rows.astype(np.int64), cols.astype(np.int64), vals.astype(np.float64)


def certified_bound(model: LinearModel, prices: FloatArray) -> float:
    """``pi b + sum_j u_j max(0, c_j - (pi A)_j)`` for a maximising ``model`` whose rows are
    all ``A x <= b`` and whose columns lie in ``[0, u]`` (u finite): an upper bound on its
    optimum for any ``prices`` (negative ones are taken as 0) — the Lagrangian relaxation
    of every row, computed here so that solver tolerances cannot make it invalid."""
    pi = np.maximum(np.asarray(prices, dtype=np.float64), 0.0)
    rows, cols, vals = _triplets(model)
    b = np.concatenate(model.row_upper) if model.row_upper else np.zeros(0)
    cost = np.concatenate(model.cost) if model.cost else np.zeros(0)
    upper = np.concatenate(model.col_upper) if model.col_upper else np.zeros(0)
    lower = np.concatenate(model.col_lower) if model.col_lower else np.zeros(0)
    if not (np.all(lower == 0.0) and np.all(np.isfinite(upper)) and np.all(np.isfinite(b))):
        raise ValueError("certified_bound needs rows A x <= b and columns in [0, u]")
    reduced = cost - np.bincount(cols, weights=vals * pi[rows], minlength=cost.size)
    return float(pi @ b + upper @ np.maximum(reduced, 0.0))


@dataclass(frozen=True)
class HullSolution:
    """The hull LP solved: the solver's optimum, units per units column and per candidate
    row, the row prices (all rows, for ``certified_bound``) and the capacity prices."""

    value: float
    columns: FloatArray  # per units column
    units: FloatArray  # per candidate row (sum of its columns)
    duals: FloatArray  # per model row, >= 0 in the A v <= b reading
    prices: FloatArray  # per capacity key


def solve_hull(prep: Prepared, hull: Hull, time_limit: float) -> tuple[
        HullSolution | None, highspy.Highs]:
    """Solve the hull LP by simplex within ``time_limit``; None when it did not finish.
    The solver is returned too, so a dive can re-solve from its basis."""
    highs = new_highs(max(time_limit, 0.1), solver="simplex")
    if hull.model.num_cols == 0:  # nothing can work: the empty allocation is optimal
        return (HullSolution(0.0, np.zeros(0), np.zeros(prep.value.size),
                             np.zeros(hull.model.num_rows), np.zeros(hull.capacity_rows.size)),
                highs)
    highs.passModel(_to_highs(hull.model))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, highs
    solution = highs.getSolution()
    raw = np.asarray(solution.row_dual, dtype=np.float64)
    # Sign conventions differ between solvers and senses: both readings are tried, and any
    # non-negative prices give a valid bound, so the smaller one is kept.
    _, sign = min((certified_bound(hull.model, s * raw), s) for s in (1.0, -1.0))
    duals = np.maximum(sign * raw, 0.0)
    values = np.asarray(solution.col_value, dtype=np.float64)
    columns = values[: hull.col_row.size]
    units = np.asarray(np.bincount(hull.col_row, weights=columns,
                                   minlength=prep.value.size), dtype=np.float64)
    return (HullSolution(float(highs.getInfo().objective_function_value), columns, units,
                         duals, duals[hull.capacity_rows]), highs)
