"""A regret greedy for the generalised assignment problem: the baseline and the warm start.

Martello and Toth's scheme: for a desirability measure ``f[i, j]`` (lower is better), assign
next the job whose best agent with room beats its second best by the widest margin (the job
that loses most by waiting), to that best agent. Several measures are tried — blends of cost
and the share of an agent's capacity a job takes — and the best assignment kept. A repair
pass frees room for a job that fits nowhere by moving one job elsewhere; an improvement pass
then moves single jobs to cheaper agents with room and exchanges pairs. Each step is a numpy
operation over all waiting jobs and agents at once.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from escalera.solve.gap import Assignment, GapInstance
    from escalera.solve.mip import FloatArray


# Most often best first, so that a time budget cuts the least promising ones.
_WEIGHTS = (2.0, 4.0, 1.0, 0.5, 8.0, 0.25, 0.0)


def _measures(cost: FloatArray, instance: GapInstance) -> list[FloatArray]:
    """Desirabilities, lower is better: cost scaled to [0, 1] plus a weight times the share
    of the agent's capacity the job takes (``cost`` is already oriented for minimisation).
    Cost alone fails on tight instances, resource alone ignores cost; the blends between
    them are cheap to try."""
    share = instance.resource / np.maximum(instance.capacity[:, None], 1e-12)
    spread = float(cost.max() - cost.min()) or 1.0
    scaled = (cost - cost.min()) / spread
    return [scaled + weight * share for weight in _WEIGHTS] + [share]


def _regret_pass(f: FloatArray, instance: GapInstance,
                 start: Assignment | None = None) -> tuple[Assignment, FloatArray] | None:
    """One regret-ordered construction, with repair; None when a job cannot be placed.

    ``start`` (agent per job, -1 where none; it must fit) is kept and the rest placed."""
    m, n = instance.m, instance.n
    resource = instance.resource
    if start is None:
        assignment = np.full(n, -1, dtype=np.int64)
    else:
        assignment = np.asarray(start, dtype=np.int64).copy()
    placed = assignment >= 0
    free = instance.capacity.astype(np.float64) - np.bincount(
        assignment[placed], weights=resource[assignment[placed], np.flatnonzero(placed)],
        minlength=m)
    waiting = ~placed
    for _ in range(int(waiting.sum())):
        jobs = np.flatnonzero(waiting)
        fits = resource[:, jobs] <= free[:, None] + 1e-9
        score = np.where(fits, f[:, jobs], np.inf)
        if m > 1:
            two = np.partition(score, 1, axis=0)[:2]
            best, second = two[0], two[1]
        else:
            best, second = score[0], np.full(jobs.size, np.inf)
        if np.isinf(best).any():  # some job fits nowhere now: place it first, by repair
            job = int(jobs[np.flatnonzero(np.isinf(best))[0]])
            if not _repair(job, assignment, free, instance, f):
                return None
            waiting[job] = False
            continue
        regret = np.where(np.isinf(second), np.inf, second - best)
        # Widest regret first; ties go to the job with the best desirability.
        pick = np.lexsort((best, -regret))[0]
        job = int(jobs[pick])
        agent = int(np.argmin(score[:, pick]))
        assignment[job] = agent
        free[agent] -= resource[agent, job]
        waiting[job] = False
    return assignment, free


def _repair(job: int, assignment: Assignment, free: FloatArray, instance: GapInstance,
            f: FloatArray) -> bool:
    """Place ``job`` by moving one already placed job to another agent with room."""
    resource = instance.resource
    need = resource[:, job]
    best: tuple[float, int, int, int] | None = None  # (cost of the change, agent, moved, to)
    for agent in (int(a) for a in np.argsort(f[:, job])):
        if need[agent] > instance.capacity[agent] + 1e-9:
            continue
        for other in (int(o) for o in np.flatnonzero(assignment == agent)):
            if free[agent] + resource[agent, other] + 1e-9 < need[agent]:
                continue
            room = free >= resource[:, other] - 1e-9
            room[agent] = False
            if not room.any():
                continue
            to = int(np.argmin(np.where(room, f[:, other], np.inf)))
            change = f[agent, job] + f[to, other] - f[agent, other]
            if best is None or change < best[0]:
                best = (float(change), agent, other, to)
    if best is None:
        return False
    _, agent, other, to = best
    assignment[other] = to
    free[agent] += resource[agent, other]
    free[to] -= resource[to, other]
    assignment[job] = agent
    free[agent] -= resource[agent, job]
    return True


def _shift(cost: FloatArray, assignment: Assignment, free: FloatArray,
           instance: GapInstance) -> bool:
    """Move the one job whose move to an agent with room saves most; False if none saves."""
    resource = instance.resource
    current = cost[assignment, np.arange(instance.n)]
    room = resource <= free[:, None] + 1e-9
    saving = np.where(room, current[None, :] - cost, -np.inf)
    agent, job = np.unravel_index(int(np.argmax(saving)), saving.shape)
    if saving[agent, job] <= 1e-12:
        return False
    old = assignment[job]
    free[old] += resource[old, job]
    free[agent] -= resource[agent, job]
    assignment[job] = agent
    return True


def _swap(cost: FloatArray, assignment: Assignment, free: FloatArray,
          instance: GapInstance) -> bool:
    """Exchange the agents of the two jobs whose exchange saves most and fits."""
    resource, columns = instance.resource, np.arange(instance.n)
    current = cost[assignment, columns]
    other_cost = cost[assignment, :]  # [j, k]: cost of job k on job j's agent
    other_use = resource[assignment, :]
    room = free[assignment] + resource[assignment, columns]  # j's agent without job j
    fits = other_use <= room[:, None] + 1e-9
    fits &= fits.T
    fits &= assignment[:, None] != assignment[None, :]
    saving = np.where(fits, current[:, None] + current[None, :] - other_cost - other_cost.T,
                      -np.inf)
    j, k = np.unravel_index(int(np.argmax(saving)), saving.shape)
    if saving[j, k] <= 1e-12:
        return False
    a, b = assignment[j], assignment[k]
    free[a] += resource[a, j] - resource[a, k]
    free[b] += resource[b, k] - resource[b, j]
    assignment[j], assignment[k] = b, a
    return True


def _improve(cost: FloatArray, assignment: Assignment, free: FloatArray,
             instance: GapInstance, deadline: float) -> None:
    """Single-job moves, then pairwise exchanges, until neither helps (bounded)."""
    for _ in range(20 * instance.n):
        if time.perf_counter() > deadline:
            return
        if not (_shift(cost, assignment, free, instance)
                or _swap(cost, assignment, free, instance)):
            return


def complete_assignment(instance: GapInstance, partial: Assignment,
                        deadline: float) -> Assignment | None:
    """Place the jobs of ``partial`` marked -1 by regret on cost (the others stay; they must
    fit), then improve the whole by single moves and exchanges until ``deadline``; None when
    some job cannot be placed. Costs are minimised."""
    built = _regret_pass(instance.cost, instance, partial)
    if built is None:
        return None
    assignment, free = built
    _improve(instance.cost, assignment, free, instance, deadline)
    return assignment


def greedy_assignment(instance: GapInstance, *, maximize: bool = False,
                      budget: float | None = None) -> Assignment | None:
    """The best feasible assignment the greedy finds (agent per job), or None.

    With ``budget`` (seconds), no further measure is tried and improvement stops once it is
    spent; the first construction always finishes.
    """
    deadline = math.inf if budget is None else time.perf_counter() + budget
    cost = -instance.cost if maximize else instance.cost
    best: Assignment | None = None
    best_value = np.inf
    for f in _measures(cost, instance):
        if best is not None and time.perf_counter() > deadline:
            break
        built = _regret_pass(f, instance)
        if built is None:
            continue
        assignment, free = built
        _improve(cost, assignment, free, instance, deadline)
        value = float(cost[assignment, np.arange(instance.n)].sum())
        if value < best_value:
            best, best_value = assignment, value
    return best
