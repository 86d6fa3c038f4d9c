"""The allocation MIP against brute force: on tiny instances, enumerate every integer
allocation the rules allow (written out here from the rules, not from the model) and compare
the best objective (written out here from the documented formula) with the MIP's."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from escalera.solve.allocation import (
    AllocationProblem,
    OrderSpec,
    Weights,
    allocate,
    check,
    objective_value,
)

PRODUCERS = ("p0", "p1", "p2")
BUCKETS = ("b0", "b1")


def tiny(seed: int) -> AllocationProblem:
    """2 orders x 3 producers, quantities up to 5, one pool, two buckets, random weights."""
    rng = np.random.default_rng(seed)
    orders = tuple(OrderSpec(f"o{i}", int(rng.integers(2, 6)), int(rng.integers(0, 3)),
                             int(rng.integers(1, 4)), bool(rng.random() < 0.4),
                             int(rng.integers(0, 4)), float(rng.uniform(5, 15)))
                   for i in range(2))
    pairs = [(o.order_id, p) for o in orders for p in PRODUCERS if rng.random() < 0.8]
    n = len(pairs)
    candidates = pl.DataFrame(
        {"order_id": [a for a, _ in pairs], "producer_id": [b for _, b in pairs],
         "unit_cost": rng.uniform(2, 20, n), "margin": rng.uniform(0, 1, n),
         "small": rng.random(n) < 0.5, "max_units": rng.integers(1, 4, n),
         "adhoc_ok": rng.random(n) < 0.8},
        schema={"order_id": pl.String, "producer_id": pl.String, "unit_cost": pl.Float64,
                "margin": pl.Float64, "small": pl.Boolean, "max_units": pl.Int64,
                "adhoc_ok": pl.Boolean})
    capacity = pl.DataFrame(
        [(p, b, int(rng.integers(0, 7))) for p in PRODUCERS for b in BUCKETS
         if rng.random() < 0.7],
        schema={"producer_id": pl.String, "bucket": pl.String, "free_units": pl.Int64},
        orient="row")
    loads = []
    for o in orders:
        share = float(rng.choice([0.25, 0.5, 1.0]))
        loads.append((o.order_id, "b0", share))
        if share < 1:
            loads.append((o.order_id, "b1", 1 - share))
    load = pl.DataFrame(loads, schema={"order_id": pl.String, "bucket": pl.String,
                                       "fraction": pl.Float64}, orient="row")
    members = [str(p) for p in rng.choice(PRODUCERS, size=2,
                                          replace=False)]
    pools = pl.DataFrame({"pool_id": ["g"] * len(members), "kind": ["jobber_network"] *
                          len(members), "producer_id": members})
    weights = Weights(fill=100.0, cost=float(rng.uniform(0, 150)), margin=float(rng.uniform(0, 5)),
                      small=float(rng.uniform(0, 5)), fewest=float(rng.uniform(0, 8)))
    return AllocationProblem(orders, candidates, capacity, load, pools, weights)


Plan = dict[str, int]  # units per producer on one order


def order_plans(problem: AllocationProblem, spec: OrderSpec) -> list[tuple[Plan, list[str]]]:
    """Every units-per-producer vector the order's own rules allow, with a channel for each
    working producer that makes it valid."""
    rows = problem.candidates.filter(pl.col("order_id") == spec.order_id)
    info = {r["producer_id"]: r for r in rows.iter_rows(named=True)}
    pool = set(problem.pools["producer_id"])
    options = [[0, *range(max(1, spec.min_units), min(info[p]["max_units"], spec.quantity) + 1)]
               for p in info]
    plans = []
    for units in itertools.product(*options):
        plan = {p: u for p, u in zip(info, units, strict=True) if u > 0}
        if sum(plan.values()) > spec.quantity or len(plan) > spec.max_producers:
            continue
        if spec.splittable or len(plan) <= 1:
            channels = ["direct"] * len(plan)
        elif set(plan) <= pool:
            channels = ["g"] * len(plan)
        elif all(info[p]["adhoc_ok"] for p in plan) and len(plan) <= spec.max_pool_members:
            channels = ["adhoc"] * len(plan)
        else:
            continue
        plans.append((plan, channels))
    return plans


def brute_force(problem: AllocationProblem) -> tuple[float, pl.DataFrame]:
    """The best objective over every allocation the rules allow, and one allocation with it."""
    w = problem.weights
    quantity = max(1, sum(o.quantity for o in problem.orders))
    value = sum(o.unit_price * o.quantity for o in problem.orders) or 1.0
    info = {(r["order_id"], r["producer_id"]): r
            for r in problem.candidates.iter_rows(named=True)}
    free = {(p, b): f for p, b, f in problem.capacity.iter_rows()}
    share = {(o, b): f for o, b, f in problem.load.iter_rows()}
    best: tuple[float, list[tuple[str, str, str, int]]] = (-np.inf, [])
    per_order = [order_plans(problem, spec) for spec in problem.orders]
    for combo in itertools.product(*per_order):
        used = dict.fromkeys(free, 0.0)
        rows = []
        for spec, (plan, channels) in zip(problem.orders, combo, strict=True):
            for (producer, units), channel in zip(plan.items(), channels, strict=True):
                rows.append((spec.order_id, producer, channel, units))
                for bucket in BUCKETS:
                    if (producer, bucket) in free:
                        used[producer, bucket] += units * share.get((spec.order_id, bucket), 0)
        if any(used[k] > free[k] + 1e-9 for k in free):
            continue
        objective = sum(
            w.fill * u / quantity - w.cost * info[o, p]["unit_cost"] * u / value
            + w.margin * info[o, p]["margin"] * u / quantity
            + w.small * info[o, p]["small"] * u / quantity for o, p, _, u in rows
        ) - w.fewest * len(rows) / len(problem.orders)
        if objective > best[0]:
            best = (objective, rows)
    frame = pl.DataFrame(best[1], schema={"order_id": pl.String, "producer_id": pl.String,
                                          "channel": pl.String, "units": pl.Int64}, orient="row")
    return best[0], frame


@pytest.mark.parametrize("seed", range(40))
def test_mip_finds_the_brute_force_optimum(seed: int) -> None:
    problem = tiny(seed)
    expected, witness = brute_force(problem)
    assert check(problem, witness) == []
    assert objective_value(problem, witness) == pytest.approx(expected, abs=1e-9)
    result = allocate(problem, time_limit=10)
    assert (result.status, result.source) == ("optimal", "mip")  # not the greedy fallback
    assert check(problem, result.assignments) == []
    assert result.objective == pytest.approx(expected, abs=1e-7)
