"""Every rule an allocation must keep, checked independently of how it was made.

``check`` reads only the problem and the assignments (not the model), so tests, the solver's
own guard and anyone handed an allocation can see which rule, if any, it breaks.
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from escalera.solve.allocation_problem import (
    ADHOC,
    ASSIGNMENTS,
    CANDIDATES,
    CAPACITY,
    DIRECT,
    LOAD,
    POOLS,
    AllocationProblem,
    frame,
)


def check(problem: AllocationProblem, assignments: pl.DataFrame) -> list[str]:
    """Every violated rule, in words (empty: the allocation is valid). Rows with zero units
    are not work and only need whole, non-negative units."""
    rows = frame(assignments, ASSIGNMENTS, "assignments")
    orders = {o.order_id: o for o in problem.orders}
    cands = {(r["order_id"], r["producer_id"]): r
             for r in frame(problem.candidates, CANDIDATES, "candidates").iter_rows(named=True)}
    members: dict[str, set[str]] = defaultdict(set)
    for pool_id, _kind, producer in frame(problem.pools, POOLS, "pools").iter_rows():
        members[pool_id].add(producer)
    problems: list[str] = []
    units_of: dict[str, int] = defaultdict(int)
    producers_of: dict[str, set[str]] = defaultdict(set)
    suppliers_of: dict[str, set[str]] = defaultdict(set)
    adhoc_of: dict[str, set[str]] = defaultdict(set)
    work: dict[tuple[str, str], int] = defaultdict(int)
    for order_id, producer, channel, units in rows.iter_rows():
        where = f"order {order_id}, producer {producer}"
        if units is None or units < 0:
            problems.append(f"{where}: units {units}; units must be whole and not negative")
            continue
        if units == 0:
            continue
        spec = orders.get(order_id)
        if spec is None:
            problems.append(f"{where}: no such order in the problem")
            continue
        if producer in producers_of[order_id]:
            problems.append(f"{where}: works on the order through more than one row")
        producers_of[order_id].add(producer)
        units_of[order_id] += units
        work[order_id, producer] += units
        cand = cands.get((order_id, producer))
        if cand is None:
            problems.append(f"{where}: not an eligible candidate for the order")
        else:
            if units > cand["max_units"]:
                problems.append(f"{where}: {units} units, more than its most "
                                f"{cand['max_units']}")
            if channel == ADHOC and not cand["adhoc_ok"]:
                problems.append(f"{where}: in an ad-hoc pool, but may not join one")
        if units < spec.min_units:
            problems.append(f"{where}: {units} units, fewer than the order's minimum "
                            f"{spec.min_units}")
        if channel == DIRECT:
            suppliers_of[order_id].add(f"{DIRECT}:{producer}")
        elif channel == ADHOC:
            suppliers_of[order_id].add(ADHOC)
            adhoc_of[order_id].add(producer)
            if spec.splittable:
                problems.append(f"{where}: ad-hoc pools are only for orders that cannot be "
                                "split (a splittable order takes producers directly)")
        elif channel in members:
            suppliers_of[order_id].add(channel)
            if producer not in members[channel]:
                problems.append(f"{where}: works through pool {channel}, not a member of it")
        else:
            problems.append(f"{where}: channel {channel} is neither direct, adhoc nor a pool")
    for order_id, spec in orders.items():
        if units_of[order_id] > spec.quantity:
            problems.append(f"order {order_id}: {units_of[order_id]} units allocated, more "
                            f"than the {spec.quantity} ordered")
        if len(producers_of[order_id]) > spec.max_producers:
            problems.append(f"order {order_id}: {len(producers_of[order_id])} producers, more "
                            f"than the {spec.max_producers} allowed")
        if not spec.splittable and len(suppliers_of[order_id]) > 1:
            problems.append(f"order {order_id} cannot be split but has "
                            f"{len(suppliers_of[order_id])} suppliers: "
                            + ", ".join(sorted(suppliers_of[order_id])))
        if len(adhoc_of[order_id]) > spec.max_pool_members:
            problems.append(f"order {order_id}: an ad-hoc pool of {len(adhoc_of[order_id])}, "
                            f"more than the {spec.max_pool_members} allowed")
    return problems + _capacity(problem, work)


def _capacity(problem: AllocationProblem, work: dict[tuple[str, str], int]) -> list[str]:
    """Per producer and bucket, units times the order's share there within free units."""
    if not work:
        return []
    done = pl.DataFrame({"order_id": [k[0] for k in work], "producer_id": [k[1] for k in work],
                         "units": list(work.values())},
                        schema={"order_id": pl.String, "producer_id": pl.String,
                                "units": pl.Int64})
    used = (done.join(frame(problem.load, LOAD, "load"), on="order_id")
            .join(frame(problem.capacity, CAPACITY, "capacity"), on=["producer_id", "bucket"])
            .group_by("producer_id", "bucket")
            .agg((pl.col("units") * pl.col("fraction")).sum().alias("used"),
                 pl.col("free_units").first().clip(0))
            .filter(pl.col("used") > pl.col("free_units")
                    + 1e-6 * pl.max_horizontal(1, pl.col("free_units")))
            .sort("producer_id", "bucket"))
    return [f"producer {p}, bucket {b}: {used:.6g} units of work, more than the {free} free"
            for p, b, used, free in used.iter_rows()]
