"""The thin MIP wrapper: models from numpy blocks, statuses, bounds, and its guard rails."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.solve.gap import gap_model
from escalera.solve.gap_instances import generate_gap
from escalera.solve.mip import LinearModel, MipStatus, SolverError, relative_gap, solve_mip


def mixed_model(a: list[int], b: list[int], cap: tuple[int, int], zmax: float,
                maximize: bool) -> LinearModel:
    """Two whole variables x, y in 0..4 and one continuous z in [0, zmax], two rows."""
    model = LinearModel(maximize=maximize)
    xy = model.add_vars([a[0], a[1]], 0, 4, integer=True)
    z = model.add_vars([a[2]], 0, zmax)
    cols = np.concatenate([xy, z])
    model.add_rows([-math.inf, -math.inf], list(cap), [0, 0, 0, 1, 1, 1],
                   np.concatenate([cols, cols]), [b[0], b[1], b[2], 1, 2, 1])
    return model


def brute_mixed(a: list[int], b: list[int], cap: tuple[int, int], zmax: float,
                maximize: bool) -> float | None:
    """Enumerate x, y; for each, z is best at an end of its feasible interval."""
    best = None
    for x, y in itertools.product(range(5), repeat=2):
        room1 = cap[0] - b[0] * x - b[1] * y
        room2 = cap[1] - x - 2 * y
        top = min(zmax, room2, room1 / b[2] if b[2] > 0 else math.inf)
        if top < 0 or (b[2] == 0 and room1 < 0):
            continue
        for z in (0.0, top):
            value = a[0] * x + a[1] * y + a[2] * z
            if best is None or (value > best if maximize else value < best):
                best = value
    return best


@settings(max_examples=40, deadline=None)
@given(a=st.lists(st.integers(-9, 9), min_size=3, max_size=3),
       b=st.lists(st.integers(0, 9), min_size=3, max_size=3),
       cap=st.tuples(st.integers(-2, 30), st.integers(-2, 10)),
       zmax=st.sampled_from([0.0, 1.5, 2.0]), maximize=st.booleans())
def test_mixed_integer_against_enumeration(a: list[int], b: list[int], cap: tuple[int, int],
                                           zmax: float, maximize: bool) -> None:
    best = brute_mixed(a, b, cap, zmax, maximize)
    result = solve_mip(mixed_model(a, b, cap, zmax, maximize), time_limit=10)
    if best is None:
        assert result.status == MipStatus.INFEASIBLE and result.values is None
        return
    assert result.status == MipStatus.OPTIMAL
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert result.gap == 0.0 and result.bound == pytest.approx(best, abs=1e-6)
    assert result.values is not None
    x, y, z = result.values
    assert x == round(x) and y == round(y) and -1e-9 <= z <= zmax + 1e-9
    assert b[0] * x + b[1] * y + b[2] * z <= cap[0] + 1e-6 and x + 2 * y + z <= cap[1] + 1e-6


def test_infeasible_is_proven() -> None:
    model = LinearModel()
    x = model.add_binaries([1.0, 1.0])
    model.add_rows([3.0], [math.inf], [0, 0], x, 1.0)  # two 0-1 variables cannot sum to 3
    result = solve_mip(model, time_limit=5)
    assert result.status == MipStatus.INFEASIBLE
    assert result.objective is None and result.bound is None and result.gap is None


def test_a_bad_warm_start_is_only_a_hint() -> None:
    model = LinearModel(maximize=True)
    x = model.add_binaries([3.0, 2.0, 2.0])
    model.add_rows([-math.inf], [2.0], [0, 0, 0], x, [2.0, 1.0, 1.0])
    result = solve_mip(model, time_limit=5, warm_start=[1.0, 1.0, 1.0])  # infeasible start
    assert result.status == MipStatus.OPTIMAL and result.objective == pytest.approx(4.0)


def test_time_out_before_any_solution() -> None:
    model = gap_model(generate_gap("D", 20, 100, seed=5))
    result = solve_mip(model, time_limit=1e-4)
    assert result.status in (MipStatus.NO_SOLUTION, MipStatus.TIME_LIMIT)
    if result.status == MipStatus.NO_SOLUTION:
        assert result.objective is None and result.values is None and result.gap is None


def test_empty_model() -> None:
    result = solve_mip(LinearModel(), time_limit=1)
    assert result.status == MipStatus.OPTIMAL and result.objective == 0.0


def test_guard_rails() -> None:
    model = LinearModel()
    x = model.add_vars([1.0, 2.0])
    with pytest.raises(ValueError, match="column index"):
        model.add_rows([0.0], [1.0], [0], [x[-1] + 1], [1.0])
    with pytest.raises(ValueError, match="row index"):
        model.add_rows([0.0], [1.0], [1], [x[0]], [1.0])
    with pytest.raises(SolverError):
        solve_mip(model, time_limit=0)


def test_relative_gap() -> None:
    assert relative_gap(100.0, 100.0) == 0.0
    assert relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert relative_gap(-200.0, -198.0) == pytest.approx(0.01)
