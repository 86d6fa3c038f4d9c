"""Order allocation at scale: the MIP (``solve.allocation.allocate``) beside the greedy.

Generates a seeded synthetic problem — by default 200 orders, 2,000 producers, about 20
eligible candidates per order, 6 monthly buckets, 50 pools (integradoras and jobber
networks) — then runs the greedy baseline and the MIP (warm-started from it) in the same
process and prints one JSON object per method: objective, bound, relative gap, status,
seconds, units filled; and whether both allocations pass ``check``.

Run: ``.venv/bin/python benchmarks/allocation.py [--orders 200] [--producers 2000]
[--candidates 20] [--buckets 6] [--pools 50] [--time-limit 30] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import polars as pl

from escalera.solve.allocation import (
    AllocationProblem,
    AllocationResult,
    OrderSpec,
    Weights,
    allocate,
    check,
    greedy_allocate,
)


def synthetic(orders: int, producers: int, per_order: int, buckets: int, pools: int,
              seed: int) -> AllocationProblem:
    """A garment network: small producers (200-3,000 units a month), orders of 500-8,000
    units spread over one to three months; about a third of orders cannot be split; pools
    of 4-8 members, whose members are offered together to some orders."""
    rng = np.random.default_rng(seed)
    monthly = rng.lognormal(np.log(800), 0.6, producers).clip(200, 3000).round()
    small = monthly < 600
    members = [rng.choice(producers, size=int(rng.integers(4, 9)), replace=False)
               for _ in range(pools)]
    months = [f"2027-{m + 1:02d}" for m in range(buckets)]
    specs, rows, loads = [], [], []
    for i in range(orders):
        quantity = int(rng.integers(5, 81) * 100)
        whole = rng.random() < 0.35
        spec = OrderSpec(f"O{i:05d}", quantity, int(quantity * rng.choice([0, 0.05, 0.1])),
                         int(rng.integers(2, 7)), not whole,
                         int(rng.integers(0, 6)) if whole else 0,
                         float(rng.uniform(60, 180)))
        specs.append(spec)
        chosen = set(rng.choice(producers, size=per_order, replace=False).tolist())
        if rng.random() < 0.4:  # offer a pool's members together
            pool = members[int(rng.integers(0, pools))]
            chosen = set(list(chosen)[: max(0, per_order - pool.size)]) | set(pool.tolist())
        start, span = int(rng.integers(0, buckets)), int(rng.integers(1, 4))
        span = min(span, buckets - start)
        share = rng.dirichlet(np.ones(span))
        loads += [(spec.order_id, months[start + k], float(share[k])) for k in range(span)]
        for p in sorted(chosen):
            rows.append((spec.order_id, f"P{p:05d}",
                         float(spec.unit_price * rng.uniform(0.45, 0.9)),  # price + transport
                         float(rng.beta(2, 5)), bool(small[p]),
                         int(monthly[p] * span * rng.uniform(0.5, 1.0)),
                         bool(rng.random() < 0.7)))
    candidates = pl.DataFrame(rows, orient="row", schema={
        "order_id": pl.String, "producer_id": pl.String, "unit_cost": pl.Float64,
        "margin": pl.Float64, "small": pl.Boolean, "max_units": pl.Int64,
        "adhoc_ok": pl.Boolean})
    # Free capacity: what is left of each month after work already allocated (30-100 %).
    free = (monthly[:, None] * rng.uniform(0.3, 1.0, (producers, buckets))).round()
    capacity = pl.DataFrame({
        "producer_id": np.repeat([f"P{p:05d}" for p in range(producers)], buckets),
        "bucket": np.tile(months, producers), "free_units": free.ravel().astype(np.int64)})
    load = pl.DataFrame(loads, orient="row", schema={"order_id": pl.String, "bucket": pl.String,
                                                     "fraction": pl.Float64})
    pool_rows = pl.DataFrame({
        "pool_id": [f"G{g:03d}" for g, m in enumerate(members) for _ in m],
        "kind": ["integradora" if g % 2 else "jobber_network"
                 for g, m in enumerate(members) for _ in m],
        "producer_id": [f"P{p:05d}" for m in members for p in m]})
    weights = Weights(fill=100.0, cost=1.0, margin=2.0, small=2.0, fewest=0.5)
    return AllocationProblem(tuple(specs), candidates, capacity, load, pool_rows, weights)


def figures(result: AllocationResult, problem: AllocationProblem) -> dict[str, object]:
    return {"objective": round(result.objective, 6), "bound": round(result.bound, 6),
            "gap": round(result.gap, 6), "status": result.status, "source": result.source,
            "seconds": round(result.seconds, 2),
            "units_filled": int(result.filled["filled"].sum()),
            "orders_filled_in_full": int((result.filled["filled"]
                                          == result.filled["quantity"]).sum()),
            "pairs": result.assignments.height,
            "channels": dict(sorted(result.assignments.group_by(
                pl.when(pl.col("channel").is_in(["direct", "adhoc"]))
                .then(pl.col("channel")).otherwise(pl.lit("pool")).alias("kind"))
                .len().iter_rows())),
            "valid": not check(problem, result.assignments)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--producers", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--buckets", type=int, default=6)
    parser.add_argument("--pools", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    problem = synthetic(args.orders, args.producers, args.candidates, args.buckets, args.pools,
                        args.seed)
    generated = time.perf_counter() - started
    greedy = greedy_allocate(problem)
    mip = allocate(problem, time_limit=args.time_limit)
    sizes = {"orders": len(problem.orders), "producers": args.producers,
             "candidates": problem.candidates.height, "buckets": args.buckets,
             "pools": args.pools, "demand": sum(o.quantity for o in problem.orders),
             "time_limit": args.time_limit, "seed": args.seed,
             "generate_s": round(generated, 2)}
    print(json.dumps({"sizes": sizes, "greedy": figures(greedy, problem),
                      "mip": figures(mip, problem)}))


if __name__ == "__main__":
    main()
