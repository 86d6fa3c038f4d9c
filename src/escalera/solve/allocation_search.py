"""The allocation of the large-scale path (``allocation_lagrange.allocate_large``): from
dives on the hull LP (``allocation_dive``) to whole units, then local moves and a large
neighbourhood search.

A dive's choices become whole units by an LP on the rows kept alone, rounded down (rows
left under the order's minimum closed and the LP re-solved; ``_round``); the greedy's rules
fill what capacity is left (``_top_up``); local moves follow (``_improve``: grow working
rows, swap one row for a better one, refill an order from scratch). The dives in
``_DIVES`` are tried while more than half the time is left, the best kept (one since more
only added 0.003 on seed 1 where the time went further in the search below); then, while a
fifth of the time is left, neighbourhoods of ``_NEIGHBOURS`` orders that share candidate
producers are freed and dived on again with every other order held to its producers
(``_neighbourhoods``), a change kept only when the whole allocation gains; last, local moves
alternate with the LP for the units on the rows in use while that gains.

Measured on seed 1 of benchmarks/match_scale.py (2,000 x 5,000; this project's 2-CPU
machine, load 2-4): one dive 72.40; neighbourhoods of 100, 200, 400, 600, 1,000 orders for
the rest of a 25 s limit 72.46, 72.52, 72.51-72.55, 72.51, 72.50.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
import polars as pl
from numpy.typing import NDArray

from escalera.solve.allocation_dive import FINE, Dive, hull_dive
from escalera.solve.allocation_greedy import Pick, _fill, _Room
from escalera.solve.allocation_hull import Hull, key_free
from escalera.solve.allocation_problem import DIRECT, Channel, Prepared
from escalera.solve.mip import FloatArray, IntArray, LinearModel, _to_highs, new_highs


def _round(prep: Prepared, terms: pl.DataFrame, settled: Dive, passes: int = 3) -> list[Pick]:
    """Whole units on the settled rows: an LP over them alone (no per-pair terms; each
    order's quantity and the capacity rows), rounded down; rows left below the order's
    minimum are dropped (both only lower capacity use)."""
    rows = np.concatenate(settled.rows) if settled.rows else np.zeros(0, dtype=np.int64)
    if rows.size == 0:
        return []
    label_of = {int(r): settled.channel[o] for o, part in enumerate(settled.rows)
                for r in part.tolist()}
    orders = prep.problem.orders
    model = LinearModel(maximize=True)
    x = model.add_vars(prep.value[rows], 0.0, prep.upper[rows].astype(np.float64))
    model.add_rows(np.full(len(orders), -np.inf),
                   np.array([o.quantity for o in orders], dtype=np.float64),
                   prep.order[rows], x, 1.0)
    if terms.height:
        pos = np.full(prep.value.size, -1, dtype=np.int64)
        pos[rows] = np.arange(rows.size)
        at = pos[terms["row"].to_numpy()]
        mine = at >= 0
        free = key_free(terms)
        model.add_rows(np.full(free.size, -np.inf), free,
                       terms["key"].to_numpy()[mine], x[at[mine]],
                       terms["fraction"].to_numpy()[mine])
    highs = new_highs()
    highs.passModel(_to_highs(model))
    units = np.zeros(rows.size, dtype=np.int64)
    for _ in range(passes):  # rows left below the minimum are closed and the LP re-solved
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return []
        found = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        units = np.minimum(np.floor(found + 1e-7), prep.upper[rows]).astype(np.int64)
        short = np.flatnonzero((units > 0) & (units < prep.lower[rows]))
        units[units < prep.lower[rows]] = 0
        if short.size == 0:
            break
        highs.changeColsBounds(int(short.size), x[short].astype(np.int32),
                               np.zeros(short.size), np.zeros(short.size))
    return [(int(r), int(u), label_of[int(r)]) for r, u in zip(rows, units, strict=True)
            if u > 0]


def _top_up(prep: Prepared, picks: list[Pick]) -> list[Pick]:
    """The greedy's rules applied to what is left: each order with units still wanted and
    room for more producers (a splittable order; an order that cannot be split only within
    the supplier it has, or any supplier if it has none) takes the best candidates that the
    remaining capacity allows, orders by value, best first."""
    problem = prep.problem
    room = _Room.of(prep)
    producers: list[str] = prep.cands["producer_id"].to_list()
    order_ids = [o.order_id for o in problem.orders]
    for r, units, _ in picks:
        room.take(order_ids[int(prep.order[r])], producers[r], units)
    have: dict[int, list[Pick]] = {}
    for pick in picks:
        have.setdefault(int(prep.order[pick[0]]), []).append(pick)
    starts = np.searchsorted(prep.order, np.arange(len(problem.orders) + 1))
    groups: dict[int, list[Channel]] = {}
    for ch in prep.channels:
        groups.setdefault(ch.order, []).append(ch)
    out = list(picks)
    rank = sorted(range(len(problem.orders)),
                  key=lambda i: (-problem.orders[i].unit_price * problem.orders[i].quantity,
                                 problem.orders[i].order_id))
    for o in rank:
        spec = problem.orders[o]
        mine = have.get(o, [])
        used = {p[0] for p in mine}
        need = spec.quantity - sum(p[1] for p in mine)
        if need <= 0 or len(mine) >= spec.max_producers:
            continue
        rows = [r for r in range(starts[o], starts[o + 1])
                if r not in used and prep.value[r] > 0]
        rows.sort(key=lambda r: (-prep.value[r], r))
        slots = spec.max_producers - len(mine)
        if spec.splittable:
            _, extra = _fill(rows, need, slots, DIRECT, spec.order_id, producers, prep, room)
        elif mine:
            label = mine[0][2]
            if label == DIRECT:
                continue
            ch = next(c for c in groups.get(o, []) if c.label == label)
            members = [r for r in rows if r in set(ch.rows.tolist())]
            _, extra = _fill(members, need, min(slots, ch.size - len(mine)), label,
                             spec.order_id, producers, prep, room)
        else:
            options = [_fill([r], need, 1, DIRECT, spec.order_id, producers, prep, room)
                       for r in rows]
            options += [_fill([r for r in rows if r in set(ch.rows.tolist())], need, ch.size,
                              ch.label, spec.order_id, producers, prep, room)
                        for ch in groups.get(o, [])]
            best = max(options, key=lambda option: option[0], default=(0.0, []))
            extra = best[1] if best[0] > 0 else []
        for r, units, _ in extra:
            room.take(spec.order_id, producers[r], units)
        out.extend(extra)
    return out


def _improve(prep: Prepared, picks: list[Pick], passes: int = 2,
             time_limit: float = 5.0, only: NDArray[np.bool_] | None = None) -> list[Pick]:
    """Local moves on an allocation, orders by value, best first, while it has units still
    wanted: each working row takes more units where capacity is left; then, where the order
    has no producer slot left (or its one supplier is full), the swap of one working row for
    one other candidate (within the same pool for a pool) that adds the most is made;
    then each order still short is refilled from scratch by the greedy's rules if that adds
    more. Never below the minimum, never past a row's bound or the free capacity. With
    ``only``, moves are tried on the orders it marks alone."""
    started = time.perf_counter()
    problem = prep.problem
    room = _Room.of(prep)
    producers: list[str] = prep.cands["producer_id"].to_list()
    order_ids = [o.order_id for o in problem.orders]
    work: dict[int, dict[int, int]] = {}
    channel: dict[int, str] = {}
    for r, units, label in picks:
        o = int(prep.order[r])
        work.setdefault(o, {})[r] = units
        channel[o] = label
        room.take(order_ids[o], producers[r], units)
    starts = np.searchsorted(prep.order, np.arange(len(problem.orders) + 1))
    rank = sorted((i for i in range(len(problem.orders)) if only is None or only[i]),
                  key=lambda i: (-problem.orders[i].unit_price * problem.orders[i].quantity,
                                 problem.orders[i].order_id))
    upper, lower, value = prep.upper, prep.lower, prep.value
    groups: dict[int, list[Channel]] = {}
    for ch in prep.channels:
        groups.setdefault(ch.order, []).append(ch)
    for _ in range(passes):
        if time.perf_counter() - started > time_limit:
            break
        for o in rank:
            mine = work.get(o)
            spec = problem.orders[o]
            if not mine:
                continue
            oid = spec.order_id
            need = spec.quantity - sum(mine.values())
            for r in sorted(mine, key=lambda r: (-value[r], r)):  # grow what works
                if need <= 0:
                    break
                more = min(need, room.units(oid, producers[r], int(upper[r]) - mine[r]))
                if more > 0 and value[r] > 0:
                    mine[r] += more
                    room.take(oid, producers[r], more)
                    need -= more
            label = channel[o]
            if spec.splittable or label == DIRECT:
                pool = range(int(starts[o]), int(starts[o + 1]))
                slots = spec.max_producers if spec.splittable else 1
            else:
                ch = next(c for c in groups[o] if c.label == label)
                pool, slots = ch.rows.tolist(), ch.size
            if need <= 0 or len(mine) < slots:
                continue
            best, best_out, best_units, best_gain = -1, -1, 0, 1e-12
            for r0 in list(mine):  # swap one working row for one that adds more
                u0 = mine[r0]
                room.take(oid, producers[r0], -u0)
                for r in pool:
                    if r in mine or value[r] <= 0:
                        continue
                    units = min(need + u0, room.units(oid, producers[r], int(upper[r])))
                    gain = units * float(value[r]) - u0 * float(value[r0])
                    if units >= lower[r] and gain > best_gain:
                        best, best_out, best_units, best_gain = r, r0, units, gain
                room.take(oid, producers[r0], u0)
            if best < 0:
                continue
            room.take(oid, producers[best_out], -mine.pop(best_out))
            mine[best] = best_units
            room.take(oid, producers[best], best_units)
        for o in rank:  # refill an order from scratch when that adds more
            mine = work.get(o, {})
            spec = problem.orders[o]
            if spec.quantity - sum(mine.values()) <= 0:
                continue
            oid = spec.order_id
            worth = sum(u * float(value[r]) for r, u in mine.items()) - prep.scale.per_pair * len(
                mine)
            for r, u in mine.items():
                room.take(oid, producers[r], -u)
            gain, picks_o = _best_supply(prep, o, list(range(int(starts[o]), int(starts[o + 1]))),
                                         groups.get(o, []), producers, room)
            if gain > worth + 1e-12:
                work[o] = {r: u for r, u, _ in picks_o}
                if picks_o:
                    channel[o] = picks_o[0][2]
                mine = work[o]
            for r, u in mine.items():
                room.take(oid, producers[r], u)
    return [(r, units, channel[o]) for o, rows in work.items() for r, units in rows.items()
            if units > 0]


def _best_supply(prep: Prepared, o: int, rows: list[int], groups: list[Channel],
                 producers: list[str], room: _Room) -> tuple[float, list[Pick]]:
    """The greedy's choice for order ``o`` alone with the capacity in ``room``: its best
    producers (a splittable order) or its best single supplier."""
    spec = prep.problem.orders[o]
    rows = sorted((r for r in rows if prep.value[r] > 0), key=lambda r: (-prep.value[r], r))
    if spec.splittable:
        return _fill(rows, spec.quantity, spec.max_producers, DIRECT, spec.order_id, producers,
                     prep, room)
    options = [_fill([r], spec.quantity, 1, DIRECT, spec.order_id, producers, prep, room)
               for r in rows]
    for ch in groups:
        members = set(ch.rows.tolist())
        options.append(_fill([r for r in rows if r in members], spec.quantity, ch.size,
                             ch.label, spec.order_id, producers, prep, room))
    return max(options, key=lambda option: option[0], default=(0.0, []))


# Dives tried in turn while time is left, best first as measured (thresholds, slope-scaling
# rounds, floor); docs/benchmarks.md, "Order allocation at scale".
_DIVES = ((FINE, 3, 0.05),)
_NEIGHBOURS = 400  # orders freed per neighbourhood
_LNS_SCALING = 3  # slope-scaling rounds before each neighbourhood dive
_STALL = 40  # neighbourhoods in a row without gain before the search stops


def _polish(prep: Prepared, terms: pl.DataFrame, settled: Dive, seconds: float,
            only: NDArray[np.bool_] | None = None) -> list[Pick]:
    """A dive's choices as an allocation: whole units, top-up, local moves (on the orders
    ``only`` marks, if given)."""
    return _improve(prep, _top_up(prep, _round(prep, terms, settled)), time_limit=seconds,
                    only=only)


def _search(prep: Prepared, hull: Hull, highs: highspy.Highs, lp_units: FloatArray,
            started: float, time_limit: float, rounds: int = 3) -> list[Pick]:
    """Dives on the hull LP (``_DIVES``) while more than half the time is left, the best
    kept; neighbourhoods (``_neighbourhoods``) while a fifth is left; then local moves
    (``_improve``) alternating with the LP for the units on the rows in use while that
    adds something."""
    terms = hull.capacity_terms
    picks: list[Pick] = []
    worth = -math.inf
    for k, (thresholds, scaling, floor) in enumerate(_DIVES):
        if k and _left(started, time_limit) < 0.5 * time_limit:
            break
        settled = hull_dive(prep, hull, highs, thresholds, scaling, floor,
                            time_limit=0.3 * _left(started, time_limit))
        if settled is None:
            break
        found = _polish(prep, terms, settled, 0.2 * _left(started, time_limit))
        if _worth(prep, found) > worth:
            picks, worth = found, _worth(prep, found)
    picks = _neighbourhoods(prep, hull, highs, picks, lp_units, started, time_limit)
    worth = _worth(prep, picks)
    for _ in range(rounds):
        if _left(started, time_limit) < 0.1 * time_limit:
            break
        again = _polish(prep, terms, _as_dive(prep, picks), 0.2 * _left(started, time_limit))
        if _worth(prep, again) <= worth + 1e-12:
            break
        picks, worth = again, _worth(prep, again)
    return picks


def _as_dive(prep: Prepared, picks: list[Pick]) -> Dive:
    """An allocation's rows and channels per order, as a dive would settle them."""
    rows: list[list[int]] = [[] for _ in prep.problem.orders]
    labels = [DIRECT] * len(prep.problem.orders)
    for r, _units, label in picks:
        rows[int(prep.order[r])].append(r)
        labels[int(prep.order[r])] = label
    return Dive([np.array(part, dtype=np.int64) for part in rows], labels,
                np.zeros(prep.value.size))


def _held(prep: Prepared, hull: Hull, picks: list[Pick],
          free: NDArray[np.bool_]) -> dict[int, tuple[IntArray, str, IntArray]]:
    """Every order not ``free`` held to its rows in ``picks``: rows, channel, and the hull
    LP's units columns they work through (none for an order without work)."""
    n = prep.value.size
    group_of = {(ch.order, ch.label): g for g, ch in enumerate(prep.channels)}
    copy = {(int(g), int(r)): n + k for k, (g, r) in enumerate(
        zip(hull.col_group[n:].tolist(), hull.col_row[n:].tolist(), strict=True))}
    mine: dict[int, tuple[list[int], str, list[int]]] = {}
    for r, _units, label in picks:
        o = int(prep.order[r])
        if free[o]:
            continue
        rows, _, cols = mine.setdefault(o, ([], label, []))
        rows.append(r)
        cols.append(r if label == DIRECT else copy[(group_of[(o, label)], r)])
    empty = np.zeros(0, dtype=np.int64)
    held = {o: (empty, DIRECT, empty) for o in np.flatnonzero(~free).tolist()}
    for o, (rows, label, cols) in mine.items():
        held[o] = (np.array(rows, dtype=np.int64), label, np.array(cols, dtype=np.int64))
    return held


def _neighbourhoods(prep: Prepared, hull: Hull, highs: highspy.Highs, picks: list[Pick],
                    lp_units: FloatArray, started: float, time_limit: float) -> list[Pick]:
    """Large neighbourhood search while a fifth of the time is left: ``_NEIGHBOURS``
    orders that share candidate producers are freed — from an order drawn at random
    (seeded; the more the LP's value for it exceeds what it earns now, the likelier), then
    the orders with a candidate producer in common, and so on — every other order held to
    its producers and channel, and the freed ones dived on again in the hull LP; the result
    replaces ``picks`` when the whole allocation gains. Stops after ``_STALL`` tries in a
    row without gain, or after one try when every order is freed at once."""
    orders = len(prep.problem.orders)
    if orders < 2 or not picks:
        return picks
    rng = np.random.default_rng(0)
    producer = prep.cands["producer_id"].cast(pl.Categorical).to_physical().to_numpy()
    by_producer = np.argsort(producer, kind="stable")
    p_starts = np.searchsorted(producer[by_producer], np.arange(int(producer.max()) + 2))
    o_starts = np.searchsorted(prep.order, np.arange(orders + 1))
    worth = _worth(prep, picks)
    terms = hull.capacity_terms
    upper = np.maximum(prep.upper.astype(np.float64), 1.0)
    lp_worth = np.bincount(prep.order, weights=(prep.value - prep.scale.per_pair / upper)
                           * lp_units, minlength=orders)
    stall = 0
    while _left(started, time_limit) > 0.2 * time_limit and stall < _STALL:
        rows = np.array([r for r, _, _ in picks], dtype=np.int64)
        units = np.array([u for _, u, _ in picks], dtype=np.float64)
        have = np.bincount(prep.order[rows], weights=prep.value[rows] * units
                           - prep.scale.per_pair, minlength=orders)
        short = np.maximum(lp_worth - have, 0.0) + 1e-9
        free = np.zeros(orders, dtype=bool)
        frontier = [int(rng.choice(orders, p=short / short.sum()))]
        free[frontier[0]] = True
        count = 1
        while frontier and count < _NEIGHBOURS:
            o = frontier.pop(0)
            for p in np.unique(producer[o_starts[o]:o_starts[o + 1]]).tolist():
                near = np.unique(prep.order[by_producer[p_starts[p]:p_starts[p + 1]]])
                near = near[~free[near]][: _NEIGHBOURS - count]
                free[near] = True
                count += near.size
                frontier.extend(near.tolist())
        settled = hull_dive(prep, hull, highs, FINE, _LNS_SCALING, 0.05,
                            time_limit=0.3 * _left(started, time_limit),
                            fixed=_held(prep, hull, picks, free))
        if settled is None:
            break
        found = _polish(prep, terms, settled, 0.2 * _left(started, time_limit), only=free)
        stall += 1
        if _worth(prep, found) > worth + 1e-12:
            picks, worth, stall = found, _worth(prep, found), 0
        if count >= orders:
            break
    return picks


def _worth(prep: Prepared, picks: list[Pick]) -> float:
    """The objective of ``picks`` (rows and units) from the prepared values."""
    return (sum(units * float(prep.value[r]) for r, units, _ in picks)
            - prep.scale.per_pair * len({r for r, _, _ in picks}))


def _left(started: float, time_limit: float) -> float:
    return max(0.1, time_limit - (time.perf_counter() - started))


