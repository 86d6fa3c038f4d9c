"""Order allocation at the issue's scale: 2,000 orders x 5,000 producers with pooling.

The problem is ``benchmarks/allocation.py``'s seeded generator with 200 pools (integradoras
and jobber networks, 4-8 members each, offered together to about 40 % of orders), about a
third of orders that cannot be split (one supplier: a producer, a pool or an ad-hoc pool of
up to 0-5 producers), minimum shares, 2-6 producers per order and 6 monthly buckets of free
capacity. In the same process it times the greedy baseline (``greedy_allocate``) and then
``allocate`` (``method`` auto: the large-scale path of ``solve.allocation_lagrange`` at this
size) with the time limit covering the whole call, checks the allocation with ``check``, and
prints one line:

    match_scale orders=2000 producers=5000 candidates=... method=... objective=... bound=...
    gap=...% seconds=... greedy_objective=... greedy_seconds=... check=ok

``gap`` is ``AllocationResult.gap``: ``(bound - objective) / objective``; ``gap_of_bound``
is the same difference over the bound. Also printed: the eligible rows, units filled, the
load average before the run.

Run: ``.venv/bin/python benchmarks/match_scale.py [--seed 1] [--time-limit 25]
[--method auto|mip|lagrangian] [--orders 2000] [--producers 5000] [--pools 200]``.
"""

from __future__ import annotations

import argparse
import os
import time

from allocation import synthetic  # benchmarks/ is the script's directory

from escalera.solve.allocation import allocate, check, greedy_allocate
from escalera.solve.allocation_problem import prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--producers", type=int, default=5000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--buckets", type=int, default=6)
    parser.add_argument("--pools", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=25.0)
    parser.add_argument("--method", default="auto", choices=["auto", "mip", "lagrangian"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    problem = synthetic(args.orders, args.producers, args.candidates, args.buckets,
                        args.pools, args.seed)
    started = time.perf_counter()
    greedy = greedy_allocate(problem)
    greedy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = allocate(problem, time_limit=args.time_limit, method=args.method)
    seconds = time.perf_counter() - started
    broken = check(problem, result.assignments)
    gap_of_bound = (result.bound - result.objective) / max(abs(result.bound), 1e-9)
    fields = {
        "orders": len(problem.orders), "producers": args.producers,
        "candidates": problem.candidates.height, "eligible": prepare(problem).value.size,
        "pools": args.pools, "seed": args.seed, "method": result.source,
        "objective": f"{result.objective:.4f}", "bound": f"{result.bound:.4f}",
        "gap": f"{100 * result.gap:.2f}%", "gap_of_bound": f"{100 * gap_of_bound:.2f}%",
        "status": result.status, "seconds": f"{seconds:.2f}",
        "units": int(result.filled["filled"].sum()),
        "greedy_objective": f"{greedy.objective:.4f}",
        "greedy_seconds": f"{greedy_seconds:.2f}",
        "greedy_units": int(greedy.filled["filled"].sum()),
        "demand": sum(o.quantity for o in problem.orders),
        "time_limit": args.time_limit, "load": f"{load:.1f}",
        "check": "ok" if not broken else f"{len(broken)}_broken"}
    print("match_scale " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


if __name__ == "__main__":
    main()
