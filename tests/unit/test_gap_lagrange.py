"""Knapsacks and the GAP's Lagrangian bound, cuts and pair removal against enumeration."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.test_solve_gap import random_instance

from escalera.solve.gap import GapInstance, gap_model, solve_gap
from escalera.solve.gap_instances import generate_gap
from escalera.solve.gap_lagrange import (
    knapsack_cuts,
    lagrangian_bound,
    subgradient,
    useless_pairs,
)
from escalera.solve.knapsack import forced_values, knapsacks
from escalera.solve.mip import solve_lp


def subsets(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int64)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 3), n=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_knapsacks_match_enumeration(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    profit = rng.integers(-5, 20, (m, n)).astype(float) + rng.choice([0, 0.25], (m, n))
    weight = rng.integers(0, 10, (m, n))
    capacity = rng.integers(0, 30, m)
    worth, pick = knapsacks(profit, weight, capacity)
    forced = forced_values(profit, weight, capacity)
    every = subsets(n)
    for i in range(m):
        fits = every @ weight[i] <= capacity[i]
        values = every @ profit[i]
        assert worth[i] == values[fits].max()
        assert pick[i] @ weight[i] <= capacity[i] and pick[i] @ profit[i] == worth[i]
        assert forced.best[i] == worth[i]
        for j in range(n):
            inside, outside = fits & (every[:, j] == 1), fits & (every[:, j] == 0)
            assert forced.with_item[i, j] == (values[inside].max() if inside.any() else -np.inf)
            assert forced.without_item[i, j] == values[outside].max()


def feasible_assignments(instance: GapInstance) -> tuple[np.ndarray, np.ndarray]:
    """Every feasible assignment (rows) and its cost."""
    m, n = instance.m, instance.n
    every = np.array(list(itertools.product(range(m), repeat=n)), dtype=np.int64)
    jobs = np.arange(n)
    used = instance.resource[every, jobs]
    loads = np.stack([(used * (every == i)).sum(axis=1) for i in range(m)], axis=1)
    fits = (loads <= instance.capacity[None, :] + 1e-9).all(axis=1)
    return every[fits], instance.cost[every[fits], jobs].sum(axis=1)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 3), n=st.integers(1, 7), seed=st.integers(0, 2**32 - 1),
       tightness=st.sampled_from([0.6, 0.9, 1.5]))
def test_bound_cuts_and_removed_pairs_are_valid(m: int, n: int, seed: int,
                                                tightness: float) -> None:
    rng = np.random.default_rng(seed)
    instance = random_instance(rng, m, n, tightness)
    assignments, costs = feasible_assignments(instance)
    # Any multipliers give a bound below every assignment's cost.
    for lam in (rng.normal(20, 15, n), np.zeros(n), instance.cost.max(axis=0)):
        bound = lagrangian_bound(instance, lam)
        assert costs.size == 0 or bound <= costs.min() + 1e-9
    lp = solve_lp(gap_model(instance))
    start = instance.cost.min(axis=0) if lp.row_dual is None else lp.row_dual[:n]
    found = subgradient(instance, start, incumbent=None,
                        deadline=time.perf_counter() + 0.5, whole=True)
    if costs.size == 0:
        assert found.assignment is None
        return
    optimum = costs.min()
    assert found.bound <= optimum + 1e-9
    if lp.objective is not None:  # from the LP prices, never below the LP
        assert found.bound >= lp.objective - 1e-6
    if found.assignment is not None:
        assert instance.is_feasible(found.assignment)
        assert found.value == instance.objective(found.assignment) >= optimum
    coef, rhs = knapsack_cuts(instance, found.cuts)
    x = np.zeros((len(assignments), m, n))
    x[np.arange(len(assignments))[:, None], assignments, np.arange(n)[None, :]] = 1.0
    sides = np.einsum("kin,ain->aki", coef, x)
    assert (sides >= rhs[None, :, :] - 1e-9).all()  # every assignment keeps every cut
    for value in {found.value if found.assignment is not None else optimum, costs.max()}:
        useless = useless_pairs(instance, found.multipliers, value, whole=True)
        for a in assignments[costs < value]:  # no cheaper assignment uses a removed pair
            assert not useless[a, np.arange(n)].any()


def test_bound_beats_the_lp_on_type_d() -> None:
    # Type D's capacities bind: the knapsacks' integer hulls cut off much of the LP.
    instance = generate_gap("D", 5, 40, seed=7)
    lp = solve_lp(gap_model(instance))
    assert lp.objective is not None and lp.row_dual is not None
    found = subgradient(instance, lp.row_dual[:40], incumbent=None,
                        deadline=time.perf_counter() + 1.0, whole=True)
    assert found.assignment is not None and instance.is_feasible(found.assignment)
    assert lp.objective + 1 < found.bound <= found.value


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="m x n"):
        knapsacks(np.zeros((2, 3)), np.zeros((2, 2), dtype=np.int64), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="negative"):
        knapsacks(np.zeros((1, 2)), np.array([[1, -1]]), np.array([3]))


@pytest.mark.parametrize("maximize", [False, True])
def test_solve_gap_reports_the_better_bound(maximize: bool) -> None:
    instance = generate_gap("D", 5, 30, seed=4)
    result = solve_gap(instance, time_limit=3, maximize=maximize)
    assert result.assignment is not None and instance.is_feasible(result.assignment)
    assert result.objective == instance.objective(result.assignment)
    lagrangian, bound = result.lagrangian_bound, result.bound
    assert lagrangian is not None and bound is not None
    if maximize:  # profits: the bounds lie above the objective
        assert lagrangian >= bound >= result.objective
    else:
        assert lagrangian <= bound <= result.objective


def test_fractional_resources_skip_the_lagrangian_stage() -> None:
    rng = np.random.default_rng(5)
    instance = GapInstance.of(rng.integers(1, 30, (3, 6)), rng.random((3, 6)) * 8 + 0.5,
                              [9.5, 9.5, 9.5])
    _, costs = feasible_assignments(instance)
    result = solve_gap(instance, time_limit=5)
    assert result.lagrangian_bound is None  # knapsacks need whole weights
    assert costs.size and result.objective == pytest.approx(costs.min())
