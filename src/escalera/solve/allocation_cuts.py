"""A tighter bound for the large-scale path: the hull LP (``allocation_hull``) with works
variables put back and flow cover cuts on the capacity rows.

**Why.** In the hull LP a working pair costs ``per_pair * x_r / U_r``; when several orders
share a producer each takes part of its capacity and pays part of a pair, where an integer
allocation pays a whole one per pair. Nothing about a single order shows this; the
producer's capacity row together with the works variables does.

**The model.** The hull LP with one more column per candidate row, ``y_r`` in ``[0, 1]``
(works), which carries the per-pair term (``-per_pair``) instead of the units columns; the
row ``sum of r's units columns - U_r y_r <= 0`` links them. Without cuts its optimum is the
hull LP's (``y_r = x_r / U_r``). Every integer allocation maps to a point of it (``y_r`` = 1
where the pair works).

**Cuts.** For a capacity row ``sum f_r x_r <= F`` (producer, bucket) and a set ``C`` of its
rows with ``u_r = f_r U_r`` summing to ``F + lam``, ``lam > 0``, the flow cover inequality
``sum_C f_r x_r + sum_C (u_r - lam)^+ (1 - y_r) <= F`` holds for every integer allocation
(Padberg, Van Roy and Wolsey, 1985: if every row of ``C`` works it is the capacity row; if
``r`` does not, the others can carry at most ``F + lam - u_r`` of the row, and
``(u_r - lam)^+`` is what that leaves). The same holds for each order's ``sum x <=
quantity`` (``f_r = 1``; ``x_r`` the row's units over every channel). ``C`` is taken as the
rows the LP uses there; a violated cut is added, the LP re-solved from its basis, for a few
rounds. Measured on seed 2 of benchmarks/match_scale.py (hull LP 73.276): capacity cuts
73.200 after one round, 73.194 after four; with the order rows too 73.192, 73.183 after
two, 73.180 after four (1.7-2.8 s on this project's 2-CPU machine).

The bound reported is ``allocation_hull.certified_bound`` of the final model at the LP's
row prices: valid for any prices, so solver tolerances cannot make it wrong.
"""

from __future__ import annotations

import time
from dataclasses import replace

import highspy
import numpy as np
import polars as pl

from escalera.solve.allocation_hull import Hull, certified_bound
from escalera.solve.allocation_problem import Prepared
from escalera.solve.mip import FloatArray, IntArray, LinearModel, _to_highs, new_highs


def with_works(prep: Prepared, hull: Hull) -> tuple[LinearModel, IntArray]:
    """The hull LP with a works column per candidate row (module docstring); the model and
    the works columns. ``hull.model`` is left as it is."""
    base = hull.model
    m = hull.col_row.size
    n = prep.value.size
    if not base.cost or base.cost[0].size != m:
        raise ValueError("the hull model's first column block must be its units columns")
    model = replace(base, cost=list(base.cost), col_lower=list(base.col_lower),
                    col_upper=list(base.col_upper), integer=list(base.integer),
                    row_lower=list(base.row_lower), row_upper=list(base.row_upper),
                    triplets=list(base.triplets))
    model.cost[0] = np.asarray(prep.value[hull.col_row], dtype=np.float64)
    works = model.add_vars(np.full(n, -prep.scale.per_pair), 0.0, 1.0)
    model.add_rows(np.full(n, -np.inf), np.zeros(n),
                   np.concatenate([hull.col_row, np.arange(n, dtype=np.int64)]),
                   np.concatenate([np.arange(m, dtype=np.int64), works]),
                   np.concatenate([np.ones(m), -prep.upper.astype(np.float64)]))
    return model, works


def _copies(hull: Hull, rows: IntArray) -> tuple[IntArray, IntArray]:
    """For each entry of ``rows`` (candidate rows), its units columns: (index into
    ``rows``, column) pairs."""
    n_rows = int(hull.col_row.max()) + 1 if hull.col_row.size else 0
    by_row = np.argsort(hull.col_row, kind="stable")
    first = np.searchsorted(hull.col_row[by_row], np.arange(n_rows + 1))
    count = (first[rows + 1] - first[rows]).astype(np.int64)
    rep = np.repeat(np.arange(rows.size), count)
    offset = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    return rep, by_row[first[rows[rep]] + offset].astype(np.int64)


def knapsack_terms(prep: Prepared, hull: Hull, orders: bool = True) -> pl.DataFrame:
    """The rows ``sum f_r x_r <= free`` the cuts are made from: the capacity rows and, with
    ``orders``, each order's ``sum x <= quantity`` (its rows' total units, over every
    channel; keys numbered after the capacity keys). Columns row, key, fraction, free."""
    capacity = hull.capacity_terms.select("row", "key", "fraction", "free")
    if not orders or prep.value.size == 0:
        return capacity
    first = int(capacity["key"].max()) + 1 if capacity.height else 0  # type: ignore[arg-type]
    quantity = np.array([o.quantity for o in prep.problem.orders], dtype=np.float64)
    own = pl.DataFrame({"row": np.arange(prep.value.size, dtype=np.int64),
                        "key": first + prep.order.astype(np.int64),
                        "fraction": np.ones(prep.value.size),
                        "free": quantity[prep.order]})
    return pl.concat([capacity, own])


def separate(prep: Prepared, hull: Hull, units: FloatArray, works: FloatArray,
             terms: pl.DataFrame | None = None,
             ) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
    """Flow cover cuts violated by ``units`` (per candidate row) and ``works``: one per
    capacity key at most, ``C`` = the rows with units there. Returns the cuts as rows
    ``coef · v <= rhs``: (rhs per cut, cut index, column, coef) with columns counted as in
    ``with_works`` (units columns, then works columns after the hull's own). ``terms``:
    the knapsack rows to use (default: the capacity rows)."""
    terms = hull.capacity_terms if terms is None else terms
    empty = (np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
             np.zeros(0))
    if terms.height == 0:
        return empty
    row = terms["row"].to_numpy()
    on = units[row] > 1e-9
    upper = prep.upper.astype(np.float64)
    frame = pl.DataFrame({"row": row[on], "key": terms["key"].to_numpy()[on],
                          "f": terms["fraction"].to_numpy()[on],
                          "free": terms["free"].to_numpy()[on]})
    frame = frame.with_columns((pl.col("f") * pl.Series(upper[row[on]])).alias("u"),
                               (pl.col("f") * pl.Series(units[row[on]])).alias("a"),
                               pl.Series("y", works[row[on]]))
    frame = frame.with_columns((pl.col("u").sum().over("key") - pl.col("free"))
                               .alias("lam"))
    frame = frame.filter(pl.col("lam") > 1e-9).with_columns(
        (pl.col("u") - pl.col("lam")).clip(lower_bound=0.0).alias("c"))
    frame = frame.with_columns(
        (pl.col("a").sum().over("key") + (pl.col("c") * (1 - pl.col("y"))).sum().over("key")
         - pl.col("free")).alias("viol"),
        pl.col("c").sum().over("key").alias("sc"))
    frame = frame.filter((pl.col("viol") > 1e-6 * pl.col("free").clip(lower_bound=1.0))
                         & (pl.col("sc") > 0))
    if frame.height == 0:
        return empty
    keys, cut = np.unique(frame["key"].to_numpy(), return_inverse=True)
    rhs = (frame.group_by("key").agg(pl.col("free").first(), pl.col("c").sum())
           .sort("key"))
    rows = frame["row"].to_numpy()
    rep, cols = _copies(hull, rows)
    n_cols = hull.model.num_cols
    cut_of = np.concatenate([cut[rep], cut])
    col = np.concatenate([cols, n_cols + rows])
    coef = np.concatenate([frame["f"].to_numpy()[rep], -frame["c"].to_numpy()])
    assert rhs.height == keys.size
    return (rhs["free"].to_numpy() - rhs["c"].to_numpy(), cut_of.astype(np.int64),
            col.astype(np.int64), coef)


def cut_bound(prep: Prepared, hull: Hull, time_limit: float, rounds: int = 3,
              orders: bool = True) -> float | None:
    """The bound of the hull LP with works columns and up to ``rounds`` rounds of flow
    cover cuts (module docstring), certified; None when no LP finished in time."""
    started = time.perf_counter()
    model, works = with_works(prep, hull)
    if model.num_cols == 0:
        return 0.0
    highs = new_highs(solver="simplex")
    highs.passModel(_to_highs(model))
    best: float | None = None
    m = hull.col_row.size
    terms = knapsack_terms(prep, hull, orders)
    for k in range(rounds + 1):
        left = time_limit - (time.perf_counter() - started)
        if left <= 0.05:
            break
        highs.setOptionValue("time_limit", float(left))
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        solution = highs.getSolution()
        raw = np.asarray(solution.row_dual, dtype=np.float64)
        bound = min(certified_bound(model, s * raw) for s in (1.0, -1.0))
        best = bound if best is None else min(best, bound)
        if k == rounds:
            break
        values = np.asarray(solution.col_value, dtype=np.float64)
        units = np.bincount(hull.col_row, weights=values[:m], minlength=prep.value.size)
        rhs, cut, col, coef = separate(prep, hull, np.asarray(units, dtype=np.float64),
                                       values[works], terms)
        if rhs.size == 0:
            break
        model.add_rows(np.full(rhs.size, -np.inf), rhs, cut, col, coef)
        order = np.lexsort((col, cut))
        starts = np.searchsorted(cut[order], np.arange(rhs.size)).astype(np.int32)
        highs.addRows(int(rhs.size), np.full(rhs.size, -highspy.kHighsInf), rhs,
                      int(order.size), starts, col[order].astype(np.int32), coef[order])
    return best
