"""The GAP solver against brute force, the greedy baseline, and the rules of a solution."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.i18n import current_language, set_language
from escalera.solve.gap import GapError, GapInstance, solve_gap
from escalera.solve.gap_instances import generate_gap
from escalera.solve.greedy import _repair, greedy_assignment
from escalera.solve.mip import MipStatus, relative_gap


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Error messages are matched in English."""
    previous = current_language()
    set_language("en")
    yield
    set_language(previous)


def brute_force(instance: GapInstance, maximize: bool = False) -> float | None:
    """The best objective over every assignment of jobs to agents (None: none fits)."""
    m, n = instance.m, instance.n
    every = np.array(list(itertools.product(range(m), repeat=n)), dtype=np.int64)
    jobs = np.arange(n)
    used = instance.resource[every, jobs]
    loads = np.stack([(used * (every == i)).sum(axis=1) for i in range(m)], axis=1)
    fits = (loads <= instance.capacity[None, :] + 1e-9).all(axis=1)
    if not fits.any():
        return None
    totals = instance.cost[every, jobs].sum(axis=1)[fits]
    return float(totals.max() if maximize else totals.min())


def random_instance(rng: np.random.Generator, m: int, n: int, tightness: float) -> GapInstance:
    """Small whole-number instances; ``tightness`` below about 0.5 makes many infeasible."""
    resource = rng.integers(1, 20, size=(m, n))
    cost = rng.integers(-5, 40, size=(m, n))
    capacity = np.floor(tightness * resource.sum(axis=1) / m)
    return GapInstance.of(cost, resource, capacity)


def assert_valid(instance: GapInstance, assignment: np.ndarray | None) -> None:
    """Each job on exactly one existing agent, no agent over capacity."""
    assert assignment is not None
    assert assignment.shape == (instance.n,)
    assert ((assignment >= 0) & (assignment < instance.m)).all()
    load = np.zeros(instance.m)
    for job, agent in enumerate(assignment):
        load[agent] += instance.resource[agent, job]
    assert (load <= instance.capacity + 1e-9).all(), (load, instance.capacity)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 3), n=st.integers(1, 7), seed=st.integers(0, 2**32 - 1),
       tightness=st.sampled_from([0.3, 0.6, 0.9, 1.5]), maximize=st.booleans())
def test_mip_matches_brute_force(m: int, n: int, seed: int, tightness: float,
                                 maximize: bool) -> None:
    instance = random_instance(np.random.default_rng(seed), m, n, tightness)
    best = brute_force(instance, maximize)
    result = solve_gap(instance, time_limit=10, maximize=maximize)
    if best is None:
        assert result.status == MipStatus.INFEASIBLE
        assert result.objective is None and result.assignment is None
        assert result.greedy_objective is None
        return
    assert result.status == MipStatus.OPTIMAL
    assert result.objective == pytest.approx(best)
    assert result.bound == pytest.approx(best) and result.gap == 0.0
    assert_valid(instance, result.assignment)
    assert result.assignment is not None
    assert instance.objective(result.assignment) == pytest.approx(best)
    if result.greedy_objective is not None:  # the baseline is feasible, never better
        assert (result.greedy_objective <= best + 1e-9 if maximize
                else result.greedy_objective >= best - 1e-9)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 4), n=st.integers(1, 12), seed=st.integers(0, 2**32 - 1),
       tightness=st.sampled_from([0.5, 0.8, 1.2]), maximize=st.booleans())
def test_greedy_is_feasible(m: int, n: int, seed: int, tightness: float,
                            maximize: bool) -> None:
    instance = random_instance(np.random.default_rng(seed), m, n, tightness)
    assignment = greedy_assignment(instance, maximize=maximize)
    if assignment is not None:
        assert_valid(instance, assignment)


def test_greedy_finds_the_only_feasible_assignment() -> None:
    # Job 1 fits agent 0 only, filling it; job 0 must then go to the dearer agent 1.
    instance = GapInstance.of(cost=[[1, 1], [5, 9]], resource=[[2, 3], [2, 4]],
                              capacity=[3, 2])
    assignment = greedy_assignment(instance)
    assert assignment is not None and assignment.tolist() == [1, 0]


def test_repair_moves_a_placed_job_to_make_room() -> None:
    instance = GapInstance.of(cost=[[1, 1], [5, 9]], resource=[[2, 3], [2, 4]],
                              capacity=[3, 2])
    assignment = np.array([0, -1])  # job 0 took agent 0; job 1 now fits nowhere
    free = np.array([1.0, 2.0])
    assert _repair(1, assignment, free, instance, instance.cost)
    assert assignment.tolist() == [1, 0] and free.tolist() == [0.0, 0.0]
    assert_valid(instance, assignment)


@pytest.mark.parametrize("kind", ["C", "D", "E"])
@pytest.mark.parametrize("maximize", [False, True])
def test_mip_never_worse_than_greedy(kind: str, maximize: bool) -> None:
    instance = generate_gap(kind, 4, 20, seed=3)
    result = solve_gap(instance, time_limit=2, maximize=maximize)
    assert result.status in (MipStatus.OPTIMAL, MipStatus.TIME_LIMIT)
    assert result.objective is not None and result.bound is not None
    assert_valid(instance, result.assignment)
    assert result.greedy_objective is not None
    if maximize:
        assert result.objective >= result.greedy_objective
        assert result.bound >= result.objective
    else:
        assert result.objective <= result.greedy_objective
        assert result.bound <= result.objective


def test_time_limit_reports_an_honest_gap() -> None:
    instance = generate_gap("D", 20, 100, seed=5)
    result = solve_gap(instance, time_limit=0.5)
    assert result.seconds < 5
    assert result.objective is not None and result.bound is not None
    assert_valid(instance, result.assignment)
    assert result.bound <= result.objective
    if result.status == MipStatus.TIME_LIMIT:
        assert result.gap == pytest.approx(relative_gap(result.objective, result.bound))
        assert result.gap is not None and result.gap > 0
    else:
        assert result.status == MipStatus.OPTIMAL and result.gap == 0.0


def test_without_warm_start_same_optimum() -> None:
    instance = generate_gap("C", 3, 9, seed=2)
    warm = solve_gap(instance, time_limit=10)
    cold = solve_gap(instance, time_limit=10, warm_start=False)
    assert warm.status == cold.status == MipStatus.OPTIMAL
    assert warm.objective == cold.objective == brute_force(instance)


def test_fractional_costs() -> None:
    rng = np.random.default_rng(11)
    instance = GapInstance.of(rng.random((3, 6)) * 10, rng.integers(1, 9, (3, 6)),
                              [14, 14, 14])
    result = solve_gap(instance, time_limit=10)
    assert result.status == MipStatus.OPTIMAL
    assert result.objective == pytest.approx(brute_force(instance))


@pytest.mark.parametrize(("cost", "resource", "capacity", "needle"), [
    ([[1, 2]], [[1, 2, 3]], [5], "resource matrix is 1x3"),
    ([[1, 2]], [[1, 2]], [5, 6], "expected 1 capacities"),
    ([[1, 2]], [[1, -2]], [5], "cannot be negative"),
    ([[1, 2]], [[1, 2]], [-5], "cannot be negative"),
    ([[1, np.nan]], [[1, 2]], [5], "finite"),
    (np.zeros((0, 3)), np.zeros((0, 3)), [], "at least one agent"),
])
def test_instance_checks(cost: object, resource: object, capacity: object,
                         needle: str) -> None:
    with pytest.raises(GapError, match=needle):
        GapInstance.of(cost, resource, capacity)


@pytest.mark.parametrize("kind", ["C", "D", "E"])
def test_generated_types(kind: str) -> None:
    instance = generate_gap(kind, 4, 50, seed=9)
    r = instance.resource
    assert (instance.capacity == np.floor(0.8 * r.sum(axis=1) / 4)).all()
    assert (np.mod(instance.cost, 1) == 0).all() and (np.mod(r, 1) == 0).all()
    if kind == "C":
        assert r.min() >= 5 and r.max() <= 25
        assert instance.cost.min() >= 10 and instance.cost.max() <= 50
    elif kind == "D":
        assert r.min() >= 1 and r.max() <= 100
        assert (np.abs(instance.cost - (111 - r)) <= 10).all()
    else:
        assert r.min() >= 1
        assert (instance.cost <= 1000 / r).all() and (instance.cost > 1000 / r - 11).all()
    again = generate_gap(kind, 4, 50, seed=9)  # seeded: the same instance again
    assert np.array_equal(again.cost, instance.cost)
    assert np.array_equal(again.resource, r)


def test_unknown_type() -> None:
    with pytest.raises(GapError, match="unknown GAP instance type"):
        generate_gap("B", 2, 3)


def test_no_time_for_the_solver_keeps_the_greedy_answer() -> None:
    instance = generate_gap("D", 20, 100, seed=5)
    result = solve_gap(instance, time_limit=1e-4)
    assert result.status == MipStatus.TIME_LIMIT
    assert_valid(instance, result.assignment)
    assert result.greedy_objective is not None and result.objective is not None
    assert result.objective <= result.greedy_objective
    if result.bound is None:
        assert result.gap is None
    else:
        assert result.bound <= result.objective


def test_greedy_budget_still_gives_an_answer() -> None:
    instance = generate_gap("D", 10, 60, seed=4)
    rushed = greedy_assignment(instance, budget=0.0)  # one construction, no improvement
    full = greedy_assignment(instance)
    assert rushed is not None and full is not None
    assert_valid(instance, rushed)
    assert instance.objective(full) <= instance.objective(rushed)
