"""The generalised assignment problem (GAP): jobs assigned whole to agents with capacities.

``m`` agents, ``n`` jobs; assigning job ``j`` to agent ``i`` costs ``cost[i, j]`` and uses
``resource[i, j]`` of the agent's ``capacity[i]``. Every job goes to exactly one agent and no
agent exceeds its capacity; minimise total cost (or maximise, reading costs as profits). It
is the core of order allocation (orders to producers with capacity) and the classic
benchmark for it (OR-Library files, ``solve.orlib``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from escalera.errors import N_, EscaleraError
from escalera.solve.greedy import greedy_assignment
from escalera.solve.mip import FloatArray, LinearModel, MipStatus, relative_gap, solve_mip

Assignment = NDArray[np.int64]  # agent index per job
GREEDY_SHARE = 0.2  # of the time limit the greedy may take before the MIP starts


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
    greedy's share of it.
    """

    status: MipStatus
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    assignment: Assignment | None
    greedy_objective: float | None
    greedy_seconds: float

    def as_dict(self) -> dict[str, object]:
        """The figures for JSON output (no assignment)."""
        return {"objective": self.objective, "bound": self.bound, "gap": self.gap,
                "seconds": round(self.seconds, 3), "status": self.status.value,
                "greedy_objective": self.greedy_objective,
                "greedy_seconds": round(self.greedy_seconds, 3)}


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


def solve_gap(instance: GapInstance, *, time_limit: float = 60.0, maximize: bool = False,
              warm_start: bool = True) -> GapResult:
    """Solve ``instance`` to proven optimality or until ``time_limit`` seconds (the greedy
    and the model building included).

    The greedy heuristic runs first (its objective and time are reported as the baseline)
    and, when ``warm_start``, its assignment is the solver's first incumbent.
    """
    started = time.perf_counter()
    greedy = greedy_assignment(instance, maximize=maximize, budget=GREEDY_SHARE * time_limit)
    greedy_seconds = time.perf_counter() - started
    model = gap_model(instance, maximize=maximize)
    start = None
    if warm_start and greedy is not None:
        start = np.zeros((instance.m, instance.n))
        start[greedy, np.arange(instance.n)] = 1.0
    whole = bool((np.mod(instance.cost, 1.0) == 0).all())
    left = max(time_limit - (time.perf_counter() - started), 0.01)  # the limit is for it all
    result = solve_mip(model, time_limit=left, warm_start=None if start is None
                       else start.ravel(), integral_objective=whole)
    status, gap, bound = result.status, result.gap, result.bound
    assignment, objective = None, result.objective
    if result.values is not None:
        assignment = result.values.reshape(instance.m, instance.n).argmax(axis=0).astype(np.int64)
        objective = instance.objective(assignment)  # exact, free of solver round-off
    elif status == MipStatus.NO_SOLUTION and greedy is not None:
        # Time ran out before the solver took up the start: the greedy answer still stands.
        status, assignment, objective = MipStatus.TIME_LIMIT, greedy, instance.objective(greedy)
        gap = None if bound is None else relative_gap(objective, bound)
    if status == MipStatus.OPTIMAL:
        bound = objective
    seconds = time.perf_counter() - started  # the whole call: greedy, model and solve
    return GapResult(status, objective, bound, gap, seconds, assignment,
                     None if greedy is None else instance.objective(greedy), greedy_seconds)
