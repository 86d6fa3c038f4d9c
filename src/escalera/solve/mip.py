"""A thin, typed wrapper over HiGHS for mixed-integer linear models.

Models are built column-block by column-block and row-block by row-block from numpy arrays
(``LinearModel.add_vars`` / ``add_rows``), then solved with a time limit and an optional warm
start. The result always says how good the answer is: the objective, the proven bound, the
relative gap and a status. The generalised assignment problem (``solve.gap``) is one model
built on this; the order-allocation model will be another. Why HiGHS: docs/adr/0006.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import StrEnum

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray

from escalera.errors import N_, EscaleraError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class SolverError(EscaleraError):
    """The solver failed in a way that says nothing about the model (a bug or a crash)."""


class MipStatus(StrEnum):
    """What a solve proved."""

    OPTIMAL = "optimal"  # the objective equals the proven bound
    TIME_LIMIT = "time_limit"  # a feasible solution, not proven optimal when time ran out
    INFEASIBLE = "infeasible"  # proven: no solution satisfies the constraints
    NO_SOLUTION = "no_solution"  # time ran out before any feasible solution was found


@dataclass
class LinearModel:
    """``min`` or ``max`` of ``cost · x`` subject to ``row_lower <= A x <= row_upper`` and
    ``col_lower <= x <= col_upper``, some ``x`` integer. ``A`` is kept as triplets."""

    maximize: bool = False
    cost: list[FloatArray] = field(default_factory=list)
    col_lower: list[FloatArray] = field(default_factory=list)
    col_upper: list[FloatArray] = field(default_factory=list)
    integer: list[NDArray[np.bool_]] = field(default_factory=list)
    row_lower: list[FloatArray] = field(default_factory=list)
    row_upper: list[FloatArray] = field(default_factory=list)
    triplets: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)
    num_cols: int = 0
    num_rows: int = 0

    def add_vars(self, cost: ArrayLike, lower: ArrayLike = 0.0, upper: ArrayLike = math.inf,
                 integer: bool = False) -> IntArray:
        """Add one variable per entry of ``cost``; returns their column indices."""
        c = np.asarray(cost, dtype=np.float64).ravel()
        count = c.size
        self.cost.append(c)
        self.col_lower.append(np.broadcast_to(np.asarray(lower, np.float64), count).copy())
        self.col_upper.append(np.broadcast_to(np.asarray(upper, np.float64), count).copy())
        self.integer.append(np.full(count, integer))
        first, self.num_cols = self.num_cols, self.num_cols + count
        return np.arange(first, first + count, dtype=np.int64)

    def add_binaries(self, cost: ArrayLike) -> IntArray:
        """Add 0/1 variables, one per entry of ``cost``."""
        return self.add_vars(cost, 0.0, 1.0, integer=True)

    def add_rows(self, lower: ArrayLike, upper: ArrayLike, row: ArrayLike, col: ArrayLike,
                 coef: ArrayLike) -> IntArray:
        """Add ``k = len(lower)`` constraints ``lower <= sum coef * x[col] <= upper``.

        ``row`` (0..k-1, local to this block), ``col`` and ``coef`` are the nonzeros;
        use ``-math.inf`` / ``math.inf`` for a one-sided row. Returns the new row indices.
        """
        lo = np.asarray(lower, dtype=np.float64).ravel()
        up = np.broadcast_to(np.asarray(upper, dtype=np.float64), lo.size).copy()
        r = np.asarray(row, dtype=np.int64).ravel()
        c = np.asarray(col, dtype=np.int64).ravel()
        v = np.broadcast_to(np.asarray(coef, dtype=np.float64), r.size).copy()
        if r.size != c.size:
            raise ValueError("row and col must have the same length")
        if r.size and (r.min() < 0 or r.max() >= lo.size):
            raise ValueError("row index outside the block")
        if c.size and (c.min() < 0 or c.max() >= self.num_cols):
            raise ValueError("column index of a variable not in the model")
        self.row_lower.append(lo)
        self.row_upper.append(up)
        self.triplets.append((r + self.num_rows, c, v))
        first, self.num_rows = self.num_rows, self.num_rows + lo.size
        return np.arange(first, first + lo.size, dtype=np.int64)


@dataclass(frozen=True)
class MipResult:
    """The outcome of a solve. ``values`` is None when there is no feasible solution."""

    status: MipStatus
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    values: FloatArray | None


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / |objective|`` (the usual MIP gap; 0 when they meet)."""
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _to_highs(model: LinearModel) -> highspy.HighsLp:
    """The model as a column-wise HiGHS LP with integrality."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.num_cols, model.num_rows
    lp.col_cost_ = _cat(model.cost, np.float64)
    lp.col_lower_ = _cat(model.col_lower, np.float64)
    lp.col_upper_ = _cat(model.col_upper, np.float64)
    lp.row_lower_ = _cat(model.row_lower, np.float64)
    lp.row_upper_ = _cat(model.row_upper, np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize
    rows = _cat([t[0] for t in model.triplets], np.int64)
    cols = _cat([t[1] for t in model.triplets], np.int64)
    vals = _cat([t[2] for t in model.triplets], np.float64)
    order = np.lexsort((rows, cols))
    start = np.searchsorted(cols[order], np.arange(model.num_cols + 1))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.num_cols, model.num_rows
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order]
    integer = _cat(model.integer, np.bool_)
    lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                       for flag in integer]
    return lp


_LIMITS = {highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
           highspy.HighsModelStatus.kSolutionLimit, highspy.HighsModelStatus.kInterrupt,
           highspy.HighsModelStatus.kMemoryLimit}
_INFEASIBLE = {highspy.HighsModelStatus.kInfeasible,
               highspy.HighsModelStatus.kUnboundedOrInfeasible}


def new_highs(time_limit: float | None = None,
              **options: bool | int | float | str) -> highspy.Highs:
    """A quiet HiGHS instance with a fixed random seed (the same run gives the same
    answer), ``time_limit`` seconds when given, and any further options by name."""
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    for name, value in options.items():
        highs.setOptionValue(name, value)
    return highs


def solve_mip(model: LinearModel, *, time_limit: float = 60.0,
              warm_start: ArrayLike | None = None,
              integral_objective: bool = False) -> MipResult:
    """Solve ``model`` with HiGHS within ``time_limit`` seconds.

    ``warm_start`` is a full vector of column values the solver may start from (ignored by
    HiGHS if infeasible). With ``integral_objective`` (every feasible objective value is a
    whole number, e.g. whole costs on integer variables) the proven bound is rounded to the
    next whole number in the right direction, which often closes the last fraction of a gap.
    """
    if time_limit <= 0:
        raise SolverError(N_("the time limit must be positive, got {seconds}"),
                          seconds=time_limit)
    started = time.perf_counter()
    # Proven optimal means proven: no relative tolerance; with whole objectives a difference
    # below one unit is no difference at all.
    highs = new_highs(time_limit, mip_rel_gap=0.0,
                      mip_abs_gap=1.0 - 1e-6 if integral_objective else 1e-9)
    highs.passModel(_to_highs(model))
    if warm_start is not None:
        start = highspy.HighsSolution()
        start.col_value = np.asarray(warm_start, dtype=np.float64).tolist()
        start.value_valid = True
        highs.setSolution(start)
    highs.run()
    seconds = time.perf_counter() - started
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status in _INFEASIBLE:
        return MipResult(MipStatus.INFEASIBLE, None, None, None, seconds, None)
    if status == highspy.HighsModelStatus.kModelEmpty:
        return MipResult(MipStatus.OPTIMAL, 0.0, 0.0, 0.0, seconds, np.zeros(0))
    if status != highspy.HighsModelStatus.kOptimal and status not in _LIMITS:
        raise SolverError(N_("the MIP solver stopped with status {status}"),
                          status=highs.modelStatusToString(status))
    bound = float(info.mip_dual_bound)
    if not has_solution:
        return MipResult(MipStatus.NO_SOLUTION, None,
                         bound if math.isfinite(bound) else None, None, seconds, None)
    objective = float(info.objective_function_value)
    if integral_objective and math.isfinite(bound):
        bound = (math.floor(bound + 1e-6) if model.maximize else math.ceil(bound - 1e-6))
    if not math.isfinite(bound):  # no bound proven (e.g. stopped in presolve)
        return MipResult(MipStatus.TIME_LIMIT, objective, None, None, seconds,
                         np.asarray(highs.getSolution().col_value, dtype=np.float64))
    gap = relative_gap(objective, bound)
    proven = status == highspy.HighsModelStatus.kOptimal or gap == 0.0
    return MipResult(MipStatus.OPTIMAL if proven else MipStatus.TIME_LIMIT, objective,
                     objective if proven else bound, 0.0 if proven else gap, seconds,
                     np.asarray(highs.getSolution().col_value, dtype=np.float64))


@dataclass(frozen=True)
class LpResult:
    """The linear relaxation of a model: ``objective`` is None unless solved to optimality;
    ``row_dual`` are the row prices, signed so that the reduced cost of a column is its
    cost minus the prices of its rows weighted by its coefficients."""

    objective: float | None
    row_dual: FloatArray | None
    col_value: FloatArray | None
    seconds: float


def solve_lp(model: LinearModel, *, time_limit: float = 60.0) -> LpResult:
    """Solve ``model`` with every integer variable relaxed to a continuous one."""
    if time_limit <= 0:
        raise SolverError(N_("the time limit must be positive, got {seconds}"),
                          seconds=time_limit)
    started = time.perf_counter()
    highs = new_highs(time_limit)
    lp = _to_highs(model)
    lp.integrality_ = []
    highs.passModel(lp)
    highs.run()
    seconds = time.perf_counter() - started
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return LpResult(None, None, None, seconds)
    solution = highs.getSolution()
    return LpResult(float(highs.getInfo().objective_function_value),
                    np.asarray(solution.row_dual, dtype=np.float64),
                    np.asarray(solution.col_value, dtype=np.float64), seconds)
