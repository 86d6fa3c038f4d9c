"""The GAP local search (shifts, exchanges, ejection chains) and the iterated search."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from tests.unit.test_solve_gap import assert_valid, random_instance

from escalera.solve.gap import GapInstance
from escalera.solve.gap_instances import generate_gap
from escalera.solve.gap_search import improve, iterated_search
from escalera.solve.greedy import greedy_assignment


def two_move_gain(instance: GapInstance, assignment: np.ndarray) -> float:
    """The largest saving of any feasible shift, or of job j moved to agent b followed by a
    job k of b moved to another agent (exchanges and ejection chains), by enumeration."""
    best = 0.0
    base = instance.objective(assignment)
    for j, b in itertools.product(range(instance.n), range(instance.m)):
        if assignment[j] == b:
            continue
        once = assignment.copy()
        once[j] = b
        if instance.is_feasible(once):
            best = max(best, base - instance.objective(once))
        for k, c in itertools.product(np.nonzero(once == b)[0], range(instance.m)):
            if k == j or c == b:
                continue
            twice = once.copy()
            twice[k] = c
            if instance.is_feasible(twice):
                best = max(best, base - instance.objective(twice))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_improve_is_feasible_no_worse_and_leaves_no_two_move_gain(seed: int) -> None:
    rng = np.random.default_rng(seed)
    instance = random_instance(rng, 4, 12, 0.8)
    start = greedy_assignment(instance)
    if start is None:
        pytest.skip("no feasible assignment found for this draw")
    found = improve(instance, start, time.perf_counter() + 5.0)
    assert_valid(instance, found)
    assert instance.objective(found) <= instance.objective(start)
    assert two_move_gain(instance, found) <= 1e-9
    assert (start == greedy_assignment(instance)).all()  # the start is not changed


def test_ejection_chain_is_found() -> None:
    # Job 0 (on agent 0) is cheap on agent 1, which is full with job 1; job 1 can go to
    # agent 2 at a small extra cost. Neither move alone fits or saves; together they save 8.
    cost = np.array([[10.0, 9.0, 9.0], [1.0, 0.0, 9.0], [9.0, 1.0, 0.0]])
    resource = np.array([[2.0, 2.0, 9.0], [2.0, 2.0, 9.0], [9.0, 2.0, 1.0]])
    instance = GapInstance.of(cost, resource, [2.0, 2.0, 3.0])
    start = np.array([0, 1, 2])
    found = improve(instance, start, time.perf_counter() + 5.0)
    assert (found == [1, 2, 2]).all()
    assert instance.objective(found) == 2.0


@pytest.mark.parametrize("kind", ["C", "D", "E"])
def test_iterated_search_is_feasible_and_no_worse_than_the_local_search(kind: str) -> None:
    instance = generate_gap(kind, 5, 40, seed=3)
    start = greedy_assignment(instance)
    assert start is not None
    local = improve(instance, start, time.perf_counter() + 5.0)
    found = iterated_search(instance, start, time.perf_counter() + 0.3)
    assert_valid(instance, found)
    assert instance.objective(found) <= instance.objective(local) <= instance.objective(start)
