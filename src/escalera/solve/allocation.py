"""Order allocation: buyers' orders to single producers or pools, as a mixed-integer model.

Pure: tables in (``AllocationProblem``), tables out (``AllocationResult``); the services
build the inputs (eligible candidates from the one evaluator, free capacity, pools from the
chain links) and use the outputs for explanations, working capital and time to market.

**Rules** every allocation keeps (``check`` reports each broken one in words):

- units are whole and not negative; an order gets at most its quantity; it may stay
  unfilled or partly filled (the fill weight trades that off; never an exception);
- only listed candidates work on an order; each takes at least the order's ``min_units``
  and at most its ``max_units`` for that order; a producer works on an order through one
  channel (one row);
- at most ``max_producers`` producers work on an order, pool members included;
- an order that cannot be split has one supplier: one producer alone, or one pool (members
  listed as candidates for the order), or one ad-hoc pool of at most ``max_pool_members``
  producers whose ``adhoc_ok`` is true; a splittable order takes any mix of producers and
  pools (ad-hoc pools only matter for orders that cannot be split);
- per producer and bucket, the sum over orders of units times the order's ``load.fraction``
  there is at most the producer's ``free_units`` (no row: no limit in that bucket).

**Objective** (maximise; ``objective_value`` is its one implementation), with weights
``w`` from ``Weights``, ``Q = sum of quantities``, ``V = sum of unit_price * quantity``
(each at least 1) and ``N`` orders::

    w.fill   * sum(units) / Q
  - w.cost   * sum(unit_cost * units) / V
  + w.margin * sum(margin * units) / Q
  + w.small  * sum(small * units) / Q
  - w.fewest * (number of (order, producer) pairs working) / max(1, N)

**Model.** Per candidate row ``r`` (order ``o``, producer ``p``): integer units ``x_r`` in
``[0, U_r]`` and a 0/1 ``y_r`` (works). ``U_r`` is tight: the least of ``max_units``, the
quantity and, in each bucket the order loads, the free units there over the order's share;
rows with ``U_r < max(1, min_units)`` are dropped. On an order that cannot be split, each
group channel ``g`` (a pool with two or more eligible members; the ad-hoc pool where two or
more may join) has a 0/1 ``z_g``, and each row that belongs to a group a 0/1 ``d_r`` (works
alone). Constraints: ``x_r <= U_r y_r`` and, where the minimum is above one unit,
``min_units y_r <= x_r``; per order ``sum x <= quantity`` and ``sum y + (max_producers -
adhoc size) z_adhoc <= max_producers``; per order that cannot be split, ``sum y (rows in no
group) + sum d + sum z <= 1`` and ``y_r <= d_r + sum of z_g over the groups r belongs to``;
per (producer, bucket) that could overflow, ``sum fraction * x <= free``. A group of one is
the same producer alone, and a pool on a splittable order the same as its members working
directly, so neither is modelled (``check`` accepts both).

**Solving.** ``greedy_allocate`` runs first; its allocation is the MIP's warm start and the
baseline reported beside it. ``allocate`` returns the MIP's allocation unless the solver
stopped (time limit) with something worse than the greedy's, with nothing, or with an
allocation ``check`` rejects (numerical trouble): then it returns the greedy's allocation,
``source`` says ``greedy``, and the bound is the tighter of the solver's and the greedy's
simple one. So ``allocate`` is never worse than the greedy.

**At scale** (``method``): ``allocate`` picks the MIP above for up to ``LARGE_ROWS``
eligible candidate rows and, above that, the path in ``solve.allocation_lagrange``: an LP
relaxation without the works variables in which each order that cannot be split has its own
units columns per supplier (``allocation_hull``; well under a second where the MIP's root
LP took 25 s at 2,000 orders x 5,000 producers), an upper bound certified from its prices
and made tighter by flow cover cuts on the capacity rows (``allocation_cuts``), and an
allocation found by diving on that LP (choices fixed order by order, whole units by
rounding down, the greedy's rules on what is left, local moves), then by a large
neighbourhood search that frees orders sharing producers and dives on them again
(``allocation_dive``, ``allocation_search``). ``method="mip"`` or ``"lagrangian"`` forces
one. Both keep the contract: never worse than the greedy, ``optimal`` only when proven,
``source`` says ``mip``, ``lagrangian`` or ``greedy``.

Formulation choice, measured (benchmarks/allocation.py, 2,000 orders x 5,000 producers, this
project's 2-CPU machine): one ``x, y`` per (order, producer, channel) made the root LP take
46 s; one ``x, y`` per (order, producer) with the channel chosen by ``z`` and ``d``, 24 s,
with the same optima on the brute-force instances.
"""

from __future__ import annotations

import time

from escalera.errors import N_
from escalera.solve.allocation_check import check
from escalera.solve.allocation_greedy import assignments_frame, greedy_allocate, greedy_picks
from escalera.solve.allocation_lagrange import allocate_large
from escalera.solve.allocation_model import build, decode, warm_start
from escalera.solve.allocation_problem import (
    ADHOC,
    DIRECT,
    AllocationInputError,
    AllocationProblem,
    AllocationResult,
    OrderSpec,
    Weights,
    filled_table,
    objective_value,
    prepare,
    relaxed_bound,
)
from escalera.solve.mip import MipStatus, SolverError, relative_gap, solve_mip

__all__ = [
    "ADHOC",
    "DIRECT",
    "AllocationInputError",
    "AllocationProblem",
    "AllocationResult",
    "OrderSpec",
    "Weights",
    "allocate",
    "check",
    "greedy_allocate",
    "objective_value",
]

_TIE = 1e-9  # objectives closer than this (relative) are the same
LARGE_ROWS = 15_000  # eligible candidate rows above which "auto" takes the large-scale path
METHODS = ("auto", "mip", "lagrangian")


def allocate(problem: AllocationProblem, time_limit: float = 30.0,
             method: str = "auto") -> AllocationResult:
    """The best allocation the MIP finds within ``time_limit`` seconds (never worse than the
    greedy's), with the proven bound and relative gap. ``seconds`` covers everything: the
    greedy, building the model and solving it. ``method``: ``auto`` (the MIP up to
    ``LARGE_ROWS`` eligible candidate rows, the large-scale path above), ``mip`` or
    ``lagrangian`` (module docstring)."""
    if not time_limit > 0:
        raise SolverError(N_("the time limit must be positive, got {seconds}"),
                          seconds=time_limit)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    started = time.perf_counter()
    prep = prepare(problem)
    picks = greedy_picks(prep)
    greedy = assignments_frame(prep, picks)
    greedy_objective = objective_value(problem, greedy)
    simple_bound = max(greedy_objective, relaxed_bound(prep))
    if method == "lagrangian" or (method == "auto" and prep.value.size > LARGE_ROWS):
        return allocate_large(prep, picks, greedy, greedy_objective, simple_bound, started,
                              time_limit)
    built = build(prep)
    if built.model.num_cols == 0:  # no candidate can work: nothing to solve
        return AllocationResult(MipStatus.OPTIMAL.value, 0.0, 0.0, 0.0,
                                time.perf_counter() - started, 0.0, greedy,
                                filled_table(problem, greedy))
    spent = time.perf_counter() - started
    mip = solve_mip(built.model, time_limit=max(0.1, time_limit - spent),
                    warm_start=warm_start(built, prep, picks))
    if mip.status == MipStatus.INFEASIBLE:  # leaving every order unfilled is always feasible
        raise SolverError(N_("the MIP solver stopped with status {status}"),
                          status=mip.status.value)
    assignments, source = greedy, "greedy"
    objective = greedy_objective
    if mip.values is not None:
        found = decode(built, prep, mip.values)
        found_objective = objective_value(problem, found)
        tie = _TIE * max(1.0, abs(greedy_objective))
        if found_objective >= greedy_objective - tie and not check(problem, found):
            assignments, source, objective = found, "mip", found_objective
    bound = simple_bound if mip.bound is None else min(simple_bound, mip.bound)
    bound = max(bound, objective)
    proven = mip.status == MipStatus.OPTIMAL and source == "mip"
    gap = 0.0 if proven else relative_gap(objective, bound)
    status = MipStatus.OPTIMAL if proven or gap == 0.0 else MipStatus.TIME_LIMIT
    return AllocationResult(status.value, objective, objective if proven else bound, gap,
                            time.perf_counter() - started, greedy_objective, assignments,
                            filled_table(problem, assignments), source)
