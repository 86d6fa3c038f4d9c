"""The large-scale allocation path (``solve.allocation_lagrange``, ``allocation_hull``,
``allocation_dive``): its bounds are bounds of the full problem (at or above the
brute-force optimum on tiny instances and the proven MIP optimum on small ones, for the
LPs' prices and for any others), its allocations keep every rule, are never worse than the
greedy, and report their gap as documented."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from tests.unit.test_solve_allocation_brute import brute_force, tiny

from escalera.solve import allocation, allocation_lagrange, allocation_search
from escalera.solve.allocation import (
    AllocationProblem,
    OrderSpec,
    Weights,
    allocate,
    check,
    greedy_allocate,
    objective_value,
)
from escalera.solve.allocation_cuts import cut_bound
from escalera.solve.allocation_hull import hull_relaxation, solve_hull
from escalera.solve.allocation_lagrange import (
    certified_bound,
    compact_relaxation,
    improve_prices,
    order_bound,
    relax,
)
from escalera.solve.allocation_problem import prepare
from escalera.solve.mip import relative_gap

SLACK = 1e-7  # bounds are compared with optima computed in floating point


def small_problem(seed: int, n_orders: int = 12, n_producers: int = 10) -> AllocationProblem:
    """Orders competing for few producers: pools, ad-hoc pools, minimums, split limits,
    two or three buckets per order and tight capacity."""
    rng = np.random.default_rng(seed)
    orders = tuple(OrderSpec(f"o{i:02d}", int(rng.integers(5, 60)),
                             int(rng.choice([0, 0, 3, 8])), int(rng.integers(1, 5)),
                             bool(rng.random() < 0.55), int(rng.integers(0, 4)),
                             float(rng.uniform(5, 15)))
                   for i in range(n_orders))
    rows = [(o.order_id, f"p{j}", float(o.unit_price * rng.uniform(0.3, 1.1)),
             float(rng.uniform(0, 1)), bool(rng.random() < 0.4), int(rng.integers(2, 50)),
             bool(rng.random() < 0.7))
            for o in orders for j in range(n_producers) if rng.random() < 0.5]
    candidates = pl.DataFrame(rows, orient="row", schema={
        "order_id": pl.String, "producer_id": pl.String, "unit_cost": pl.Float64,
        "margin": pl.Float64, "small": pl.Boolean, "max_units": pl.Int64,
        "adhoc_ok": pl.Boolean})
    buckets = ["b0", "b1", "b2", "b3"]
    loads = []
    for o in orders:
        start, span = int(rng.integers(0, 2)), int(rng.integers(1, 4))
        share = rng.dirichlet(np.ones(span))
        loads += [(o.order_id, buckets[start + k], float(share[k])) for k in range(span)]
    capacity = pl.DataFrame(
        [(f"p{j}", b, int(rng.integers(0, 45))) for j in range(n_producers) for b in buckets
         if rng.random() < 0.85], orient="row",
        schema={"producer_id": pl.String, "bucket": pl.String, "free_units": pl.Int64})
    load = pl.DataFrame(loads, orient="row", schema={"order_id": pl.String,
                                                     "bucket": pl.String,
                                                     "fraction": pl.Float64})
    pools = pl.DataFrame(
        [(f"g{g}", "integradora" if g % 2 else "jobber_network", f"p{j}") for g in range(3)
         for j in rng.choice(n_producers, size=int(rng.integers(2, 5)), replace=False)],
        orient="row", schema={"pool_id": pl.String, "kind": pl.String,
                              "producer_id": pl.String})
    weights = Weights(fill=100.0, cost=float(rng.uniform(0, 30)),
                      margin=float(rng.uniform(0, 5)), small=float(rng.uniform(0, 5)),
                      fewest=float(rng.uniform(0, 4)))
    return AllocationProblem(orders, candidates, capacity, load, pools, weights)


def bounds(problem: AllocationProblem, rng: np.random.Generator) -> list[float]:
    """Every bound the module computes: the LP's certified one and the Lagrangian one at the
    LP's prices, at improved prices, at zero and at random prices; and the certified one at
    random row prices."""
    prep = prepare(problem)
    compact = compact_relaxation(prep)
    relaxation = relax(prep, compact)
    assert relaxation is not None
    keys = relaxation.prices.size
    found = [relaxation.bound,
             order_bound(prep, compact, relaxation.prices),
             improve_prices(prep, compact, relaxation.prices, 0.0, iterations=8)[0],
             order_bound(prep, compact, np.zeros(keys)),
             order_bound(prep, compact, rng.exponential(0.05, keys)),
             certified_bound(compact.model, rng.exponential(0.05, compact.model.num_rows))]
    # The certified bound from the LP's own prices is the LP's optimum (strong duality).
    assert relaxation.bound == pytest.approx(relaxation.value, rel=1e-6, abs=1e-6)
    hull = hull_relaxation(prep)
    solution, _ = solve_hull(prep, hull, time_limit=10)
    assert solution is not None
    tight = certified_bound(hull.model, solution.duals)
    assert tight == pytest.approx(solution.value, rel=1e-6, abs=1e-6)
    # The hull LP restricts the compact one: never above it.
    assert tight <= relaxation.value + 1e-7 * max(1.0, abs(relaxation.value))
    cut = cut_bound(prep, hull, time_limit=10, rounds=3)
    assert cut is not None
    assert cut <= tight + 1e-7 * max(1.0, abs(tight))
    found += [cut, tight, order_bound(prep, hull, solution.prices),
              certified_bound(hull.model, rng.exponential(0.05, hull.model.num_rows)),
              improve_prices(prep, hull, solution.prices, 0.0, iterations=8)[0]]
    return found


def assert_keeps_the_contract(problem: AllocationProblem) -> None:
    greedy = greedy_allocate(problem)
    result = allocate(problem, time_limit=10, method="lagrangian")
    assert check(problem, result.assignments) == []
    assert result.source in ("lagrangian", "greedy")
    assert result.greedy_objective == pytest.approx(greedy.objective)
    assert result.objective >= greedy.objective - 1e-9
    assert result.objective == pytest.approx(objective_value(problem, result.assignments))
    assert result.bound >= result.objective - 1e-9
    assert result.gap == pytest.approx(relative_gap(result.objective, result.bound))
    assert (result.status == "optimal") == (result.gap == 0.0)
    assert result.filled["filled"].sum() == result.assignments["units"].sum()


@pytest.mark.parametrize("seed", range(40))
def test_every_bound_is_at_least_the_brute_force_optimum(seed: int) -> None:
    problem = tiny(seed)
    optimum, _ = brute_force(problem)
    for bound in bounds(problem, np.random.default_rng(seed)):
        assert bound >= optimum - SLACK
    result = allocate(problem, time_limit=10, method="lagrangian")
    assert result.objective <= optimum + SLACK
    assert result.bound >= optimum - SLACK
    assert_keeps_the_contract(problem)


# No shrinking: an example is a whole problem drawn from its seed, and each solve costs time.
@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.integers(0, 2**32 - 1))
def test_every_bound_is_at_least_the_proven_mip_optimum(seed: int) -> None:
    problem = small_problem(seed)
    exact = allocate(problem, time_limit=20, method="mip")
    assert exact.status == "optimal"
    for bound in bounds(problem, np.random.default_rng(seed)):
        assert bound >= exact.objective - SLACK * max(1.0, abs(exact.objective))
    result = allocate(problem, time_limit=10, method="lagrangian")
    assert result.objective <= exact.objective + SLACK * max(1.0, abs(exact.objective))
    assert_keeps_the_contract(problem)


@pytest.mark.parametrize("seed", range(6))
def test_neighbourhoods_of_a_few_orders_keep_every_rule(seed: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """With neighbourhoods smaller than the problem, every other order is held to its
    producers while the freed ones are dived on again: still feasible, never worse."""
    monkeypatch.setattr(allocation_search, "_NEIGHBOURS", 3)
    monkeypatch.setattr(allocation_search, "_STALL", 6)
    problem = small_problem(seed, n_orders=16)
    assert_keeps_the_contract(problem)
    exact = allocate(problem, time_limit=20, method="mip")
    result = allocate(problem, time_limit=2, method="lagrangian")
    assert result.objective <= exact.objective + SLACK * max(1.0, abs(exact.objective))
    assert result.bound >= exact.bound - SLACK * max(1.0, abs(exact.bound))


def test_the_bound_is_tight_where_capacity_does_not_bind() -> None:
    """One order, producers with room to spare: the LP is the optimum, and so is the answer."""
    problem = AllocationProblem(
        (OrderSpec("o", 30, 0, 2, True, 0, 10.0),),
        pl.DataFrame({"order_id": ["o", "o", "o"], "producer_id": ["a", "b", "c"],
                      "unit_cost": [4.0, 5.0, 6.0], "margin": [0.0, 0.0, 0.0],
                      "small": [False, False, False], "max_units": [20, 20, 20],
                      "adhoc_ok": [True, True, True]}),
        weights=Weights(fill=100.0, cost=1.0, fewest=0.0))
    result = allocate(problem, method="lagrangian")
    assert result.assignments["units"].to_list() == [20, 10]
    assert (result.status, result.gap) == ("optimal", 0.0)
    assert result.bound == pytest.approx(result.objective)


def test_auto_takes_the_large_path_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = small_problem(3)
    assert allocate(problem, time_limit=10).source == "mip"
    called: list[int] = []
    original = allocation_lagrange.allocate_large

    def spy(*args: object, **kwargs: object) -> allocation.AllocationResult:
        called.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(allocation, "LARGE_ROWS", 0)
    monkeypatch.setattr(allocation, "allocate_large", spy)
    result = allocate(problem, time_limit=10)
    assert called == [1]
    assert result.source in ("lagrangian", "greedy")


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        allocate(small_problem(1), method="simplex")


def test_nothing_to_allocate_is_proven_optimal() -> None:
    result = allocate(AllocationProblem((OrderSpec("o", 10, 0, 1, True, 0, 5.0),)),
                      method="lagrangian")
    assert (result.status, result.objective, result.bound, result.gap) == ("optimal", 0, 0, 0)
    assert result.assignments.height == 0
