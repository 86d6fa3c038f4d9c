"""The generalised assignment problem (GAP): jobs assigned whole to agents with capacities.

``m`` agents, ``n`` jobs; assigning job ``j`` to agent ``i`` costs ``cost[i, j]`` and uses
``resource[i, j]`` of the agent's ``capacity[i]``. Every job goes to exactly one agent and no
agent exceeds its capacity; minimise total cost (or maximise, reading costs as profits). It
is the core of order allocation (orders to producers with capacity) and the classic
benchmark for it (OR-Library files, ``solve.orlib``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escalera.errors import N_, EscaleraError
from escalera.solve.gap_lagrange import (
    applicable,
    knapsack_cuts,
    subgradient,
    useless_pairs,
)
from escalera.solve.gap_search import iterated_search
from escalera.solve.greedy import greedy_assignment
from escalera.solve.mip import (
    FloatArray,
    LinearModel,
    MipStatus,
    relative_gap,
    solve_lp,
    solve_mip,
)

Assignment = NDArray[np.int64]  # agent index per job
GREEDY_SHARE = 0.1  # of the time limit the greedy may take
LAGRANGE_SHARE = 0.3  # of the time limit by which the Lagrangian stage ends
SEARCH_SHARE = 0.3  # of the time limit left to the iterated local search after the MIP ...
SEARCH_FROM_GAP = 0.01  # ... where the gap to the Lagrangian bound before the MIP is wider


class GapError(EscaleraError, ValueError):
    """A GAP instance whose arrays do not fit together or hold impossible numbers."""


@dataclass(frozen=True)
class GapInstance:
    """``cost`` and ``resource`` are m x n, ``capacity`` has m entries."""

    cost: FloatArray
    resource: FloatArray
    capacity: FloatArray

    @classmethod
    def of(cls, cost: ArrayLike, resource: ArrayLike, capacity: ArrayLike) -> GapInstance:
        """An instance from anything array-like, checked."""
        inst = cls(np.asarray(cost, dtype=np.float64), np.asarray(resource, dtype=np.float64),
                   np.asarray(capacity, dtype=np.float64))
        inst.check()
        return inst

    @property
    def m(self) -> int:
        """Number of agents."""
        return int(self.cost.shape[0])

    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self.cost.shape[1])

    def check(self) -> None:
        """Raise ``GapError`` unless the shapes agree and the numbers can be."""
        if self.cost.ndim != 2 or self.cost.shape[0] < 1 or self.cost.shape[1] < 1:
            raise GapError(N_("the cost matrix must have at least one agent and one job"))
        if self.resource.shape != self.cost.shape:
            raise GapError(N_("the resource matrix is {got}, the cost matrix {want}"),
                           got="x".join(map(str, self.resource.shape)),
                           want="x".join(map(str, self.cost.shape)))
        if self.capacity.shape != (self.m,):
            raise GapError(N_("expected {m} capacities, one per agent, got {got}"),
                           m=self.m, got=self.capacity.size)
        arrays = (self.cost, self.resource, self.capacity)
        if not all(np.isfinite(a).all() for a in arrays):
            raise GapError(N_("costs, resources and capacities must be finite numbers"))
        if (self.resource < 0).any() or (self.capacity < 0).any():
            raise GapError(N_("resources and capacities cannot be negative"))

    def objective(self, assignment: Assignment) -> float:
        """Total cost of ``assignment``."""
        return float(self.cost[assignment, np.arange(self.n)].sum())

    def load(self, assignment: Assignment) -> FloatArray:
        """Resource used on each agent by ``assignment``."""
        used = self.resource[assignment, np.arange(self.n)]
        return np.bincount(assignment, weights=used, minlength=self.m).astype(np.float64)

    def is_feasible(self, assignment: Assignment) -> bool:
        """Every job has one valid agent and no agent exceeds its capacity."""
        a = np.asarray(assignment)
        if a.shape != (self.n,) or a.min() < 0 or a.max() >= self.m:
            return False
        return bool((self.load(a) <= self.capacity + 1e-9).all())


@dataclass(frozen=True)
class GapResult:
    """A solved GAP: the MIP figures and the greedy baseline measured in the same call.

    ``seconds`` is the wall time of the whole call (greedy included); ``greedy_seconds`` the
    greedy's share of it; ``bound`` is the best of ``lagrangian_bound`` and the MIP's.
    """

    status: MipStatus
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    assignment: Assignment | None
    greedy_objective: float | None
    greedy_seconds: float
    lagrangian_bound: float | None = None  # the Lagrangian stage's own bound, if it ran

    def as_dict(self) -> dict[str, object]:
        """The figures for JSON output (no assignment)."""
        return {"objective": self.objective, "bound": self.bound, "gap": self.gap,
                "seconds": round(self.seconds, 3), "status": self.status.value,
                "greedy_objective": self.greedy_objective,
                "greedy_seconds": round(self.greedy_seconds, 3),
                "lagrangian_bound": self.lagrangian_bound}


def gap_model(instance: GapInstance, *, maximize: bool = False) -> LinearModel:
    """The MIP: x[i, j] = 1 when job j goes to agent i (column i * n + j)."""
    m, n = instance.m, instance.n
    model = LinearModel(maximize=maximize)
    x = model.add_binaries(instance.cost.ravel())
    # A job cannot go to an agent it does not fit at all.
    model.col_upper[-1][(instance.resource > instance.capacity[:, None]).ravel()] = 0.0
    grid = x.reshape(m, n)
    model.add_rows(np.ones(n), np.ones(n), np.tile(np.arange(n), m), grid.ravel(), 1.0)
    model.add_rows(np.full(m, -np.inf), instance.capacity, np.repeat(np.arange(m), n),
                   grid.ravel(), instance.resource.ravel())
    return model


def _oriented(instance: GapInstance, maximize: bool) -> GapInstance:
    """The same instance as a minimisation (profits negated)."""
    if not maximize:
        return instance
    return GapInstance(-instance.cost, instance.resource, instance.capacity)


@dataclass
class _Lagrange:
    """What the Lagrangian stage hands the MIP: a valid bound (minimisation, rounded up when
    costs are whole), the best assignment so far, the pairs it ruled out."""

    bound: float
    assignment: Assignment | None
    useless: NDArray[np.bool_] | None


def _lagrange_stage(instance: GapInstance, model: LinearModel, incumbent: Assignment | None,
                    deadline: float, whole: bool) -> _Lagrange | None:
    """Lagrangian bound from the LP prices, its assignments, knapsack cuts added to
    ``model`` and the pairs no better assignment uses; None where it does not apply."""
    if not applicable(instance) or time.perf_counter() >= deadline:
        return None
    lp = solve_lp(model, time_limit=max(deadline - time.perf_counter(), 0.01))
    start = (instance.cost.min(axis=0) if lp.row_dual is None
             else lp.row_dual[:instance.n])
    found = subgradient(instance, start, incumbent=incumbent, deadline=deadline, whole=whole)
    coef, rhs = knapsack_cuts(instance, found.cuts)
    m, n = instance.m, instance.n
    for k in range(rhs.shape[0]):
        model.add_rows(rhs[k], np.full(m, np.inf), np.repeat(np.arange(m), n),
                       np.arange(m * n), coef[k].ravel())
    # Whole costs: every sum is exact, the next whole number is proven. Otherwise leave room
    # for round-off in the knapsack sums.
    bound = (math.ceil(found.bound - 1e-6) if whole
             else found.bound - 1e-9 * max(1.0, abs(found.bound)))
    useless = None
    if found.assignment is not None:
        useless = useless_pairs(instance, found.multipliers, found.value, whole)
    return _Lagrange(bound, found.assignment, useless)


def solve_gap(instance: GapInstance, *, time_limit: float = 60.0, maximize: bool = False,
              warm_start: bool = True) -> GapResult:
    """Solve ``instance`` to proven optimality or until ``time_limit`` seconds (everything
    included).

    The greedy heuristic runs first (its objective and time are reported as the baseline).
    Then, where resources are whole numbers, the Lagrangian stage (``solve.gap_lagrange``,
    up to ``LAGRANGE_SHARE`` of the time) gives a bound tighter than the LP, better
    assignments, cuts that carry its bound into the MIP and the pairs no better assignment
    uses, which the MIP leaves out. The MIP then starts (when ``warm_start``) from the best
    assignment so far. Where that assignment is more than ``SEARCH_FROM_GAP`` above the
    Lagrangian bound, the MIP stops ``SEARCH_SHARE`` of the time early and the iterated local
    search (``solve.gap_search``) improves its best assignment until the limit. The bound
    reported is the best of the Lagrangian's and the MIP's.
    """
    started = time.perf_counter()
    oriented = _oriented(instance, maximize)
    greedy = greedy_assignment(oriented, budget=GREEDY_SHARE * time_limit)
    greedy_seconds = time.perf_counter() - started
    model = gap_model(oriented)
    whole = bool((np.mod(instance.cost, 1.0) == 0).all())
    stage = _lagrange_stage(oriented, model, greedy, started + LAGRANGE_SHARE * time_limit,
                            whole)
    best = greedy if stage is None or stage.assignment is None else stage.assignment
    low = -math.inf if stage is None else stage.bound  # proven lower bound on the cost
    result = _finish(oriented, model, best, low, started, time_limit, whole,
                     None if stage is None else stage.useless, warm_start)
    status, value, bound, assignment = result
    sign = -1.0 if maximize else 1.0
    objective = None if value is None else sign * value
    shown_bound = None if bound is None or not math.isfinite(bound) else sign * bound
    gap = None
    if objective is not None and shown_bound is not None:
        gap = relative_gap(objective, shown_bound)
        if gap == 0.0:
            status, shown_bound = MipStatus.OPTIMAL, objective
    if status == MipStatus.OPTIMAL:
        shown_bound, gap = objective, 0.0
    seconds = time.perf_counter() - started  # the whole call
    lagrangian = None if stage is None or not math.isfinite(stage.bound) else sign * stage.bound
    return GapResult(status, objective, shown_bound, gap, seconds, assignment,
                     None if greedy is None else oriented.objective(greedy) * sign,
                     greedy_seconds, lagrangian)


def _finish(instance: GapInstance, model: LinearModel, best: Assignment | None, low: float,
            started: float, time_limit: float, whole: bool,
            useless: NDArray[np.bool_] | None,
            warm_start: bool) -> tuple[MipStatus, float | None, float | None, Assignment | None]:
    """The MIP stage (minimisation): status, cost, bound and assignment."""
    m, n = instance.m, instance.n
    value = None if best is None else instance.objective(best)
    if value is not None and low >= value - (1.0 - 1e-6 if whole else 1e-9 * max(1, abs(value))):
        return MipStatus.OPTIMAL, value, value, best  # the Lagrangian bound closed it
    if useless is not None:  # no assignment cheaper than ``best`` uses these pairs
        model.col_upper[0][useless.ravel()] = 0.0
    start = None
    if warm_start and best is not None:
        start = np.zeros(model.num_cols)
        start[best * n + np.arange(n)] = 1.0
    # Far from the bound (types D and E), the MIP finds better solutions when its incumbent
    # is then polished by the iterated local search than when it runs to the end.
    far = (value is not None and math.isfinite(low)
           and relative_gap(value, low) > SEARCH_FROM_GAP)
    search = SEARCH_SHARE if far else 0.0
    left = max((1.0 - search) * time_limit - (time.perf_counter() - started), 0.01)
    result = solve_mip(model, time_limit=left, warm_start=start, integral_objective=whole)
    mip_bound = result.bound
    if result.status == MipStatus.INFEASIBLE:
        if best is None:
            return MipStatus.INFEASIBLE, None, None, None
        # Only pairs no cheaper assignment uses were removed: ``best`` is optimal.
        return MipStatus.OPTIMAL, value, value, best
    if result.values is not None:
        found = result.values[: m * n].reshape(m, n).argmax(axis=0).astype(np.int64)
        if value is None or instance.objective(found) < value:
            best, value = found, instance.objective(found)
    if best is None:
        return MipStatus.NO_SOLUTION, None, mip_bound, None
    assert value is not None
    # The MIP's bound holds for the assignments it kept; the others cost ``value`` or more.
    bound = low if mip_bound is None else max(low, min(mip_bound, value))
    if search > 0.0 and not bound >= value:  # the bound stays: it holds for every assignment
        best = iterated_search(instance, best, started + time_limit)
        value = instance.objective(best)
    status = MipStatus.OPTIMAL if bound >= value else MipStatus.TIME_LIMIT
    return status, value, (bound if math.isfinite(bound) else None), best
