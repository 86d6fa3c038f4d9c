"""Order allocation at scale: bounds from relaxations anyone can check, and the path that
puts them together with the search (``allocate_large``).

At 2,000 orders x 5,000 producers the full MIP (``allocation_model``) spends its whole time
limit on the root LP and ends with no bound of its own. This path replaces it there:

1. the hull LP (``allocation_hull``: each order that cannot be split with its own units
   columns per supplier) — solved once; its certified bound;
2. the same LP with works columns and flow cover cuts on the capacity rows
   (``allocation_cuts``) — a few rounds, a tighter certified bound;
3. dives on the hull LP and a large neighbourhood search (``allocation_dive``,
   ``allocation_search``) for the allocation, checked with ``check`` and returned only if
   it beats the greedy's.

The reported bound is the least of the bounds below, the hull's and the cut one (each an
upper bound on the full problem).

**The relaxation, compact.** In the LP relaxation of the MIP every works variable ``y_r``
sits at ``x_r / U_r`` (it only appears with signs that want it small), so substituting it
leaves an LP in the units (plus the channel variables ``z``, ``d``): objective ``(value_r -
per_pair / U_r) x_r``; per order ``sum x <= quantity`` and ``sum x / U + (max_producers -
adhoc size) z_adhoc <= max_producers``; per order that cannot be split the one-supplier rows
with ``x_r / U_r`` in place of ``y_r``; the capacity rows. Same optimum as the MIP's root
LP; with no big-M rows HiGHS's simplex solves it in about a second where the root LP took
25 s (2,000 x 5,000, measured on this project's 2-CPU machine). The hull LP is tighter
(seed 1 of the benchmark: 73.87 against 74.57), so ``allocate_large`` no longer solves this
one; it stays as the reference the tests hold the hull LP to.

**Bounds anyone can check**:

- ``certified_bound`` (``allocation_hull``): for prices ``pi >= 0`` on all rows ``A x <= b``
  of an LP (variables in ``[0, u]``), ``pi b + sum_j u_j max(0, c_j - (pi A)_j)`` — the
  Lagrangian relaxation of every row. Computed in numpy from the LP solver's row duals, so
  solver tolerances cannot make it invalid; equal to the LP optimum at optimal prices.
- ``order_bound``: the Lagrangian relaxation of the capacity rows alone. With prices ``lam
  >= 0`` per (producer, bucket) the problem separates by order; each candidate's value per
  unit drops by ``sum over buckets of fraction * lam``; each order is bounded by its best
  supplier (an order that cannot be split: the best of each producer alone and each pool or
  ad-hoc pool; a splittable order: all its candidates), and a group of at most ``size``
  producers with at most ``quantity`` units by ``alpha * quantity + the sum of the size
  largest (U_r (c_r - alpha) - per_pair)^+`` for any ``alpha >= 0`` (its quantity row
  priced too; minimum units dropped). Its best over all prices is the hull LP's optimum
  (``alpha`` is only tried at break points, so at the hull's prices it can be a little
  above). ``improve_prices`` takes subgradient steps; ``allocate_large`` no longer runs
  them, the hull LP being that best at once.

Measured (benchmarks/match_scale.py, docs/benchmarks.md): at 2,000 x 5,000, seeds 1-4,
allocations 1.6-1.9 % below the cut bound in about 22 s of a 25 s limit, 5.1-5.8 % above the
greedy. Neither side is exact: the distance to the true optimum is not known.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import polars as pl

from escalera.solve.allocation_check import check
from escalera.solve.allocation_cuts import cut_bound
from escalera.solve.allocation_greedy import Pick, assignments_frame
from escalera.solve.allocation_hull import (
    Hull,
    capacity_terms,
    certified_bound,
    hull_relaxation,
    key_free,
    solve_hull,
)
from escalera.solve.allocation_problem import (
    ADHOC,
    AllocationResult,
    Prepared,
    filled_table,
    objective_value,
)
from escalera.solve.allocation_search import _left, _search
from escalera.solve.mip import (
    FloatArray,
    IntArray,
    LinearModel,
    MipStatus,
    _to_highs,
    new_highs,
    relative_gap,
)

_TIE = 1e-9
_CUT_SECONDS = 3.0  # most time spent on the bound with flow cover cuts


@dataclass(frozen=True)
class Compact:
    """The compact LP relaxation and where its parts are."""

    model: LinearModel
    x: IntArray  # units column per candidate row
    z: IntArray  # column per group channel (the order's one supplier is this group)
    d: IntArray  # column per row in some group channel, for row ``alone[k]`` working alone
    alone: IntArray
    capacity_rows: IntArray  # model row of each capacity key
    capacity_terms: pl.DataFrame  # row (candidate), key, fraction, producer_id, bucket


def compact_relaxation(prep: Prepared) -> Compact:
    """The LP relaxation of the allocation MIP with the works variables substituted out
    (module docstring); same optimum as the MIP's root LP."""
    orders = prep.problem.orders
    n = prep.value.size
    upper = prep.upper.astype(np.float64)
    share = 1.0 / np.maximum(upper, 1.0)
    model = LinearModel(maximize=True)
    x = model.add_vars(prep.value - prep.scale.per_pair * share, 0.0, upper)
    z = model.add_vars(np.zeros(len(prep.channels)), 0.0, 1.0)
    grouped = np.zeros(n, dtype=bool)
    for ch in prep.channels:
        grouped[ch.rows] = True
    alone = np.flatnonzero(grouped)
    d = model.add_vars(np.zeros(alone.size), 0.0, 1.0)
    count = len(orders)
    quantity = np.array([o.quantity for o in orders], dtype=np.float64)
    most = np.array([o.max_producers for o in orders], dtype=np.float64)
    model.add_rows(np.full(count, -np.inf), quantity, prep.order, x, 1.0)
    adhoc = [(g, ch) for g, ch in enumerate(prep.channels) if ch.label == ADHOC]
    model.add_rows(np.full(count, -np.inf), most,
                   np.concatenate([prep.order, np.array([ch.order for _, ch in adhoc],
                                                        dtype=np.int64)]),
                   np.concatenate([x, np.array([z[g] for g, _ in adhoc], dtype=np.int64)]),
                   np.concatenate([share, [orders[ch.order].max_producers - ch.size
                                           for _, ch in adhoc]]))
    whole = np.array([not o.splittable for o in orders], dtype=bool)
    if whole.any():
        index = np.cumsum(whole) - 1
        single = np.flatnonzero(whole[prep.order] & ~grouped)
        ch_order = np.array([ch.order for ch in prep.channels], dtype=np.int64)
        model.add_rows(np.full(int(whole.sum()), -np.inf), np.ones(int(whole.sum())),
                       np.concatenate([index[prep.order[single]], index[prep.order[alone]],
                                       index[ch_order]]),
                       np.concatenate([x[single], d, z]),
                       np.concatenate([share[single], np.ones(alone.size + z.size)]))
    if alone.size:
        slot = np.full(n, -1, dtype=np.int64)
        slot[alone] = np.arange(alone.size)
        member_rows = np.concatenate([ch.rows for ch in prep.channels])
        member_group = np.concatenate([np.full(ch.rows.size, g, dtype=np.int64)
                                       for g, ch in enumerate(prep.channels)])
        k = np.arange(alone.size, dtype=np.int64)
        model.add_rows(np.full(alone.size, -np.inf), np.zeros(alone.size),
                       np.concatenate([k, k, slot[member_rows]]),
                       np.concatenate([x[alone], d, z[member_group]]),
                       np.concatenate([share[alone], -np.ones(alone.size),
                                       -np.ones(member_rows.size)]))
    terms = capacity_terms(prep)
    free = key_free(terms)
    capacity_rows = np.zeros(0, dtype=np.int64)
    if free.size:
        capacity_rows = model.add_rows(np.full(free.size, -np.inf), free,
                                       terms["key"].to_numpy(), x[terms["row"].to_numpy()],
                                       terms["fraction"].to_numpy())
    return Compact(model, x, z, d, alone, capacity_rows, terms)


@dataclass(frozen=True)
class Relaxation:
    """The compact LP solved: its optimum (as the solver reports it), a certified bound from
    its prices, the units per candidate row, and the price per capacity key."""

    value: float
    bound: float
    units: FloatArray
    prices: FloatArray  # per capacity key (>= 0)
    channel: FloatArray  # per group channel, the LP's z
    alone: FloatArray  # per row of ``Compact.alone``, the LP's d


def relax(prep: Prepared, compact: Compact | None = None,
          time_limit: float = 30.0) -> Relaxation | None:
    """Solve the compact relaxation; None when the solver stopped without an optimum."""
    compact = compact_relaxation(prep) if compact is None else compact
    model = compact.model
    if model.num_cols == 0:
        return Relaxation(0.0, 0.0, np.zeros(0), np.zeros(compact.capacity_rows.size),
                          np.zeros(0), np.zeros(0))
    highs = new_highs(max(time_limit, 0.1), solver="simplex")
    highs.passModel(_to_highs(model))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = highs.getSolution()
    duals = np.asarray(solution.row_dual, dtype=np.float64)
    # Sign conventions differ between solvers and senses: both readings are tried, and any
    # non-negative prices give a valid bound, so the smaller one is kept.
    bound, pi = min((certified_bound(model, s * duals), s) for s in (1.0, -1.0))
    prices = np.maximum(pi * duals, 0.0)
    values = np.asarray(solution.col_value, dtype=np.float64)
    return Relaxation(float(highs.getInfo().objective_function_value), bound,
                      values[compact.x], prices[compact.capacity_rows], values[compact.z],
                      values[compact.d])


# -- the Lagrangian relaxation of the capacity rows, one order at a time ---------------------

def reduced_values(prep: Prepared, compact: Compact | Hull, lam: FloatArray) -> FloatArray:
    """Value per unit of each candidate row net of the capacity prices ``lam`` (per key)."""
    terms = compact.capacity_terms
    if terms.height == 0:
        return prep.value.copy()
    charge = np.bincount(terms["row"].to_numpy(),
                         weights=terms["fraction"].to_numpy() * lam[terms["key"].to_numpy()],
                         minlength=prep.value.size)
    return np.asarray(prep.value - charge, dtype=np.float64)


def _group_bounds(c: FloatArray, upper: FloatArray, group: IntArray, size: IntArray,
                  quantity: FloatArray, per_pair: float) -> tuple[FloatArray, FloatArray]:
    """Per group ``g`` (rows with ``group == g``): ``min over alpha`` (tried at each row's
    break points and 0) of ``alpha * quantity[g] + sum of the size[g] largest (U (c - alpha)
    - per_pair)^+`` — an upper bound on what the group's rows can earn with at most
    ``size[g]`` of them working and at most ``quantity[g]`` units in all — and the alpha
    that gave it."""
    groups = quantity.size
    if group.size == 0:
        return np.zeros(groups), np.zeros(groups)
    order = np.lexsort((np.arange(group.size), group))
    g_sorted = group[order]
    counts = np.bincount(g_sorted, minlength=groups)
    width = int(counts.max())
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    col = np.arange(group.size) - start[g_sorted]
    valid = np.zeros((groups, width), dtype=bool)
    cm = np.zeros((groups, width))
    um = np.zeros((groups, width))
    valid[g_sorted, col] = True
    cm[g_sorted, col] = c[order]
    um[g_sorted, col] = upper[order]
    # Break points: alpha = 0 and, per row, where it stops paying: c - per_pair / U.
    alphas = np.where(valid, np.maximum(cm - per_pair / np.maximum(um, 1.0), 0.0), 0.0)
    alphas = np.concatenate([np.zeros((groups, 1)), alphas], axis=1)
    best = np.full(groups, np.inf)
    best_alpha = np.zeros(groups)
    rank_ok = np.arange(width)[None, :] < size[:, None]
    for j in range(alphas.shape[1]):
        a = alphas[:, j]
        w = np.where(valid, um * (cm - a[:, None]) - per_pair, 0.0)
        w = -np.sort(-np.maximum(w, 0.0), axis=1)
        value = a * quantity + np.where(rank_ok, w, 0.0).sum(axis=1)
        better = value < best
        best = np.where(better, value, best)
        best_alpha = np.where(better, a, best_alpha)
    return best, best_alpha


def _group_units(c: FloatArray, upper: FloatArray, group: IntArray, size: IntArray,
                 quantity: FloatArray, per_pair: float, alpha: FloatArray) -> FloatArray:
    """Units per row of the groups' subproblems at ``alpha``: the ``size`` rows that pay
    most at that price, filled in that order up to the quantity (for the price updates)."""
    w = upper * (c - alpha[group]) - per_pair
    ranked = np.lexsort((-w, group))
    g = group[ranked]
    first = np.searchsorted(g, g, side="left")
    rank = np.arange(ranked.size) - first
    take = np.where((rank < size[g]) & (w[ranked] > 0), upper[ranked], 0.0)
    before = np.cumsum(take) - take
    before -= (np.cumsum(take) - take)[first]
    units = np.zeros(c.size)
    units[ranked] = np.clip(quantity[g] - before, 0.0, take)
    return units


def order_bound(prep: Prepared, compact: Compact | Hull, lam: FloatArray) -> float:
    """The Lagrangian bound with capacity prices ``lam >= 0`` (module docstring): valid for
    any such prices; each order bounded by its best supplier."""
    return _order_bound(prep, compact, lam)[0]


def _order_bound(prep: Prepared, compact: Compact | Hull,
                 lam: FloatArray) -> tuple[float, FloatArray]:
    """``order_bound`` and the subproblems' units per candidate row."""
    lam = np.maximum(lam, 0.0)
    orders = prep.problem.orders
    c = reduced_values(prep, compact, lam)
    upper = prep.upper.astype(np.float64)
    per_pair = prep.scale.per_pair
    quantity = np.array([o.quantity for o in orders], dtype=np.float64)
    most = np.array([o.max_producers for o in orders], dtype=np.int64)
    free = key_free(compact.capacity_terms)  # keys 0..K-1
    total = float(lam[:free.size] @ free) if free.size else 0.0
    split = np.array([o.splittable for o in orders], dtype=bool)
    units = np.zeros(c.size)
    per_order = np.zeros(len(orders))
    # Splittable orders: one group, the order's rows, at most max_producers.
    rows = np.flatnonzero(split[prep.order])
    if rows.size:
        group = np.searchsorted(np.flatnonzero(split), prep.order[rows])
        value, alpha = _group_bounds(c[rows], upper[rows], group, most[split],
                                     quantity[split], per_pair)
        per_order[split] = value
        units[rows] = _group_units(c[rows], upper[rows], group, most[split], quantity[split],
                                   per_pair, alpha)
    # Orders that cannot be split: the best of each row alone and each group channel.
    whole = ~split
    on_whole = np.flatnonzero(whole[prep.order])
    alone = np.maximum(upper * c - per_pair, 0.0)
    best = np.zeros(len(orders))
    np.maximum.at(best, prep.order[on_whole], alone[on_whole])
    channel = np.zeros(0)
    if prep.channels:
        members = np.concatenate([ch.rows for ch in prep.channels])
        label = np.concatenate([np.full(ch.rows.size, g, dtype=np.int64)
                                for g, ch in enumerate(prep.channels)])
        owner = np.array([ch.order for ch in prep.channels], dtype=np.int64)
        size = np.array([ch.size for ch in prep.channels], dtype=np.int64)
        channel, alpha = _group_bounds(c[members], upper[members], label, size,
                                       quantity[owner], per_pair)
        np.maximum.at(best, owner, channel)
    per_order[whole] = best[whole]
    # The units of each whole order's best supplier (a row alone, else the first channel
    # that reaches the order's best).
    done = np.zeros(len(orders), dtype=bool)
    if on_whole.size:
        hit = on_whole[(alone[on_whole] >= best[prep.order[on_whole]]) & (alone[on_whole] > 0)]
        hit = hit[np.unique(prep.order[hit], return_index=True)[1]]
        units[hit] = upper[hit]
        done[prep.order[hit]] = True
    for g, ch in enumerate(prep.channels):
        if not done[ch.order] and channel[g] > 0 and channel[g] >= best[ch.order]:
            done[ch.order] = True
            rows_g = ch.rows
            units[rows_g] = _group_units(c[rows_g], upper[rows_g],
                                         np.zeros(rows_g.size, dtype=np.int64),
                                         np.array([ch.size]), quantity[[ch.order]], per_pair,
                                         alpha[[g]])
    return total + float(per_order.sum()), units


def improve_prices(prep: Prepared, compact: Compact | Hull, lam: FloatArray, target: float,
                   iterations: int = 30, time_limit: float = 5.0) -> tuple[float, FloatArray]:
    """Subgradient steps on the capacity prices from ``lam`` (Polyak's step towards
    ``target``, a value some allocation reaches); the least bound seen and its prices."""
    started = time.perf_counter()
    terms = compact.capacity_terms
    keys = int(lam.size)
    free = np.zeros(keys)
    if terms.height:
        known = key_free(terms)  # keys 0..K-1
        free[:known.size] = known
    row, key, fraction = (terms["row"].to_numpy(), terms["key"].to_numpy(),
                          terms["fraction"].to_numpy())
    best, best_lam = math.inf, lam
    step = 1.0
    for _ in range(iterations):
        bound, units = _order_bound(prep, compact, lam)
        if bound < best:
            best, best_lam = bound, lam
        else:
            step *= 0.5
        if time.perf_counter() - started > time_limit or keys == 0:
            break
        slope = np.bincount(key, weights=fraction * units[row], minlength=keys) - free
        slope = np.where((lam <= 0) & (slope < 0), 0.0, slope)
        norm = float(slope @ slope)
        if norm <= 0:
            break
        lam = np.maximum(lam + step * (bound - target) / norm * slope, 0.0)
    return best, best_lam


def allocate_large(prep: Prepared, picks: list[Pick], greedy: pl.DataFrame,
                   greedy_objective: float, simple_bound: float, started: float,
                   time_limit: float) -> AllocationResult:
    """The large-scale path of ``solve.allocation.allocate`` (module docstring): never worse
    than the greedy (``picks``, ``greedy``, ``greedy_objective``), with the least bound
    proven (``simple_bound`` when the LP does not finish in time)."""
    problem = prep.problem
    hull = hull_relaxation(prep)
    solution, highs = solve_hull(prep, hull, time_limit=_left(started, time_limit))
    bound = simple_bound
    assignments, objective, source = greedy, greedy_objective, "greedy"
    if solution is not None:
        bound = min(bound, certified_bound(hull.model, solution.duals),
                    order_bound(prep, hull, solution.prices))
        tighter = cut_bound(prep, hull, min(_CUT_SECONDS, 0.2 * _left(started, time_limit)))
        bound = bound if tighter is None else min(bound, tighter)
        found = assignments_frame(prep, _search(prep, hull, highs, solution.units, started,
                                                time_limit))
        found_objective = objective_value(problem, found)
        tie = _TIE * max(1.0, abs(greedy_objective))
        if found_objective > greedy_objective + tie and not check(problem, found):
            assignments, objective, source = found, found_objective, "lagrangian"
    bound = max(bound, objective)
    gap = relative_gap(objective, bound)
    status = MipStatus.OPTIMAL if gap == 0.0 else MipStatus.TIME_LIMIT
    return AllocationResult(status.value, objective, bound, gap,
                            time.perf_counter() - started, greedy_objective, assignments,
                            filled_table(problem, assignments), source)


__all__ = ["Compact", "Relaxation", "allocate_large", "certified_bound",
           "compact_relaxation", "improve_prices", "order_bound", "relax"]
