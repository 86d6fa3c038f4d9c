"""The Lagrangian bound of the generalised assignment problem, its heuristic and its fixing.

Pricing the rule "each job to exactly one agent" with a multiplier ``lam[j]`` per job leaves
one 0-1 knapsack per agent: agent ``i`` takes the jobs whose price beats their cost,
``lam[j] - cost[i, j] > 0``, as many as fit its capacity. For a minimisation,

    L(lam) = sum_j lam[j] - sum_i (best worth of agent i's knapsack)

is below every assignment's cost for any ``lam``, and its maximum over ``lam`` equals the
linear relaxation over the knapsacks' integer hulls, tighter than the plain LP when
capacities bind (types D and E). The multipliers start from the LP's prices of the
assignment rows and climb by subgradient steps. Knapsacks are solved exactly
(``solve.knapsack``); the multipliers are kept on a grid of 1/1024 so that, with whole costs,
every sum is exact in binary and the bound cannot be spoilt by round-off.

On the way, the knapsack picks are turned into assignments (a job picked twice stays with
its cheapest agent, a job picked by nobody is placed by regret, then single moves and
exchanges), and at the end every (agent, job) pair whose forced use would push the bound to
the best cost found is marked as useless: no better assignment uses it.

Everything here is for minimisation; ``solve.gap`` negates profits.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from escalera.solve.greedy import complete_assignment
from escalera.solve.knapsack import forced_values, knapsacks

if TYPE_CHECKING:
    from escalera.solve.gap import Assignment, GapInstance
    from escalera.solve.mip import FloatArray

GRID = 1024.0  # multipliers are multiples of 1 / GRID: exact in binary
STALE = 15  # steps without a better bound before the step size halves
AGILITY = 2.0  # first step-size factor (Polyak's rule)
CUTS, CUT_STRIDE = 10, 5  # multiplier vectors kept for the MIP: every 5th of the best 50
MAX_TABLE = 5_000_000  # cells per DP table (8 bytes each) beyond which the stage is skipped


def applicable(instance: GapInstance) -> bool:
    """Whole resources and tables of a reasonable size: the knapsacks can be solved exactly."""
    if not (np.mod(instance.resource, 1.0) == 0).all():
        return False
    top = float(np.floor(instance.capacity).max())
    return (instance.n + 1) * instance.m * (top + 1) <= MAX_TABLE


def _whole(instance: GapInstance) -> tuple[np.ndarray, np.ndarray]:
    """Weights and capacities as integers (a load within the capacity is within its floor)."""
    return (instance.resource.astype(np.int64),
            np.floor(instance.capacity + 1e-9).astype(np.int64))


def _grid(lam: FloatArray) -> FloatArray:
    return np.round(lam * GRID) / GRID


@dataclass
class LagrangeResult:
    """The best bound (valid, for minimisation), its multipliers, the best assignment found
    (None if none) and its cost, how many subgradient steps were taken, and ``cuts``: a few
    of the best multiplier vectors with their knapsack optima, for ``knapsack_cuts``."""

    bound: float
    multipliers: FloatArray
    assignment: Assignment | None
    value: float
    steps: int
    cuts: list[tuple[FloatArray, FloatArray]]


def lagrangian(cost: FloatArray, weight: np.ndarray, capacity: np.ndarray,
               lam: FloatArray) -> tuple[float, FloatArray, np.ndarray]:
    """L(lam), each agent's knapsack optimum and the picks (m x n booleans); ``lam`` should
    be on the grid."""
    worth, pick = knapsacks(lam[None, :] - cost, weight, capacity)
    return float(lam.sum() - worth.sum()), worth, pick


def lagrangian_bound(instance: GapInstance, lam: FloatArray) -> float:
    """L(lam) for any multipliers (put on the grid first): a lower bound on every cost."""
    weight, cap = _whole(instance)
    return lagrangian(instance.cost, weight, cap, _grid(np.asarray(lam, dtype=np.float64)))[0]


def _value(cost: FloatArray, assignment: Assignment) -> float:
    return float(cost[assignment, np.arange(cost.shape[1])].sum())


def _from_picks(instance: GapInstance, pick: np.ndarray, deadline: float) -> Assignment | None:
    """An assignment from the knapsack picks: keep each job on its cheapest picking agent
    (dropping a job keeps a knapsack feasible), place the rest by regret, then improve."""
    partial = np.full(instance.n, -1, dtype=np.int64)
    picked = pick.any(axis=0)
    cheapest = np.argmin(np.where(pick, instance.cost, np.inf), axis=0)
    partial[picked] = cheapest[picked]
    return complete_assignment(instance, partial, deadline)


def subgradient(instance: GapInstance, start: FloatArray, *, incumbent: Assignment | None,
                deadline: float, whole: bool) -> LagrangeResult:
    """Subgradient ascent on L from ``start`` until ``deadline`` or until the bound meets
    the best cost found (to within one unit when ``whole``) or the steps become tiny."""
    cost = instance.cost
    weight, cap = _whole(instance)
    lam = _grid(start)
    best_bound, best_lam = -math.inf, lam
    best_assignment = incumbent
    best_value = math.inf if incumbent is None else _value(cost, incumbent)
    # Without any assignment yet, aim the steps at a cost no assignment exceeds.
    ceiling = float(np.abs(cost).max(axis=0).sum()) + 1.0
    agility, stale, steps = AGILITY, 0, 0
    seen: list[tuple[float, FloatArray, FloatArray]] = []
    while time.perf_counter() < deadline:
        steps += 1
        bound, worth, pick = lagrangian(cost, weight, cap, lam)
        seen.append((bound, lam, worth))
        if bound > best_bound + 1e-9:
            best_bound, best_lam, stale = bound, lam, 0
        else:
            stale += 1
            if stale >= STALE:
                agility, stale = agility / 2.0, 0
        slack = 1.0 - pick.sum(axis=0)
        if steps % 5 == 1 or not slack.any():
            found = _from_picks(instance, pick, deadline)
            if found is not None and _value(cost, found) < best_value:
                best_assignment, best_value = found, _value(cost, found)
        target = best_value if math.isfinite(best_value) else ceiling
        closed = best_value - best_bound < (1.0 - 1e-6 if whole else 1e-9 * max(1.0, target))
        if closed or agility < 1e-4 or not slack.any() or bound > ceiling:
            break  # (above the ceiling no assignment exists at all)
        step = agility * max(target - bound, 1e-6 * max(1.0, abs(target))) / float(slack @ slack)
        lam = _grid(lam + step * slack)
    seen.sort(key=lambda item: -item[0])
    cuts = [(lam, worth) for _, lam, worth in seen[:CUTS * CUT_STRIDE:CUT_STRIDE]]
    return LagrangeResult(best_bound, best_lam, best_assignment, best_value, steps, cuts)


def knapsack_cuts(instance: GapInstance,
                  cuts: list[tuple[FloatArray, FloatArray]]) -> tuple[FloatArray, FloatArray]:
    """Rows that every assignment satisfies, one per agent and multiplier vector:
    ``sum_j (cost[i, j] - lam[j]) x[i, j] >= -worth[i]``, since ``worth[i]`` is the best
    agent i's knapsack can do at those prices. Returns (coefficients k x m x n, right-hand
    sides k x m); added to the MIP they carry the Lagrangian bound into its relaxation."""
    m, n = instance.m, instance.n
    if not cuts:
        return np.zeros((0, m, n)), np.zeros((0, m))
    coef = np.stack([instance.cost - lam[None, :] for lam, _ in cuts])
    return coef, -np.stack([worth for _, worth in cuts])


def useless_pairs(instance: GapInstance, lam: FloatArray, value: float,
                  whole: bool) -> np.ndarray:
    """m x n booleans: True where no assignment cheaper than ``value`` puts job j on agent
    i. Forcing the pair in agent i's knapsack and out of every other agent's, or forcing job
    j out of agent i (when that already reaches ``value``, job j must stay on i), gives a
    bound on every assignment that does so; where it reaches ``value`` the pair can go."""
    cost = instance.cost
    weight, cap = _whole(instance)
    forced = forced_values(lam[None, :] - cost, weight, cap)
    base = float(lam.sum())
    total = float(forced.best.sum())
    # Job j on agent i: agent i takes it, every other agent does without it.
    without_sum = forced.without_item.sum(axis=0)
    on_pair = base - forced.with_item - (without_sum[None, :] - forced.without_item)
    # Job j not on agent i: agent i does without it, the others are free.
    off_pair = base - (total - forced.best[:, None] + forced.without_item)

    def reaches(bound: np.ndarray) -> np.ndarray:
        if whole:
            return np.ceil(bound - 1e-6) >= value
        return bound >= value + 1e-9 * max(1.0, abs(value))

    useless = reaches(on_pair)
    must = reaches(off_pair)  # job j must be on agent i: every other agent is useless for it
    for i, j in zip(*np.nonzero(must), strict=True):
        others = np.ones(cost.shape[0], dtype=bool)
        others[i] = False
        useless[others, j] = True
    return useless
