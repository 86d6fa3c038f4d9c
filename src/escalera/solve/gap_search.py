"""Local search for the generalised assignment problem: ejection chains of two moves, and an
iterated search around them.

Three kinds of move, each evaluated for every job at once with NumPy, the one that saves
most applied, until none saves or the deadline passes:

- *shift*: one job to another agent with room for it;
- *exchange*: two jobs on different agents trade agents, where both still fit;
- *ejection chain*: job ``j`` goes to agent ``b`` although ``b`` has no room for it, and a
  job ``k`` of ``b`` that frees at least the missing room leaves for another agent with
  room (the cheapest such agent for ``k``, not ``b``). Agent ``b`` then fits; ``j``'s old agent only
  gains room.

Every move keeps the assignment feasible, so the result is feasible and never costs more
than the start. ``iterated_search`` repeats it from perturbed copies of the current
assignment: the jobs of one random agent and a few random jobs taken out, put back by regret
(``solve.greedy.complete_assignment``), improved; a copy that costs no more becomes the
current assignment. Costs are minimised (``solve.gap`` negates profits).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from escalera.solve.greedy import complete_assignment

if TYPE_CHECKING:
    from escalera.solve.gap import Assignment, GapInstance

EPS = 1e-9
KICK_AGENTS, KICK_JOBS = 1, 5  # taken out per perturbation: one agent's jobs, five more


def _shifts(cost: np.ndarray, resource: np.ndarray, assignment: np.ndarray,
            free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each job, the cheapest change of cost by moving it alone to another agent with
    room (inf where none) and that agent."""
    n = cost.shape[1]
    current = cost[assignment, np.arange(n)]
    change = np.where(resource <= free[:, None] + EPS, cost - current[None, :], np.inf)
    change[assignment, np.arange(n)] = np.inf
    target = np.argmin(change, axis=0)
    return change[target, np.arange(n)], target


def _best_chain(cost: np.ndarray, resource: np.ndarray, assignment: np.ndarray,
                free: np.ndarray, shift: np.ndarray) -> tuple[float, int, int, int]:
    """The ejection chain that saves most: (change, job j, agent b, ejected job k)."""
    m, n = cost.shape
    jobs = np.arange(n)
    first = cost - cost[assignment, jobs][None, :]  # j to b, [b, j]
    excess = resource - free[:, None]  # room b lacks for j
    best = (np.inf, -1, -1, -1)
    for b in range(m):
        mine = np.nonzero(assignment == b)[0]
        movable = mine[np.isfinite(shift[mine])]
        if movable.size == 0:
            continue
        order = movable[np.argsort(-resource[b, movable], kind="stable")]
        freed = resource[b, order]  # descending
        cheapest = np.minimum.accumulate(shift[order])
        candidates = np.nonzero((assignment != b) & (excess[b] > EPS))[0]
        if candidates.size == 0:
            continue
        # How many of b's jobs free enough room: those with freed >= excess (descending).
        count = np.searchsorted(-freed, -excess[b, candidates] + EPS, side="right")
        ok = count > 0
        if not ok.any():
            continue
        candidates, count = candidates[ok], count[ok]
        total = first[b, candidates] + cheapest[count - 1]
        pick = int(np.argmin(total))
        if total[pick] < best[0]:
            k_pos = int(np.argmin(shift[order[:count[pick]]]))
            best = (float(total[pick]), int(candidates[pick]), b, int(order[k_pos]))
    return best


def _best_exchange(cost: np.ndarray, resource: np.ndarray, assignment: np.ndarray,
                   free: np.ndarray) -> tuple[float, int, int]:
    """The exchange of two jobs' agents that saves most and fits: (change, j, k)."""
    n = cost.shape[1]
    jobs = np.arange(n)
    current = cost[assignment, jobs]
    other_cost = cost[assignment, :]  # [j, k]: job k on job j's agent
    other_use = resource[assignment, :]
    room = free[assignment] + resource[assignment, jobs]  # j's agent without job j
    fits = other_use <= room[:, None] + EPS
    fits &= fits.T
    fits &= assignment[:, None] != assignment[None, :]
    change = np.where(fits, other_cost + other_cost.T - current[:, None] - current[None, :],
                      np.inf)
    j, k = np.unravel_index(int(np.argmin(change)), change.shape)
    return float(change[j, k]), int(j), int(k)


def improve(instance: GapInstance, assignment: Assignment, deadline: float,
            max_moves: int | None = None) -> Assignment:
    """A feasible ``assignment`` improved by shifts, exchanges and ejection chains until no
    move saves, ``max_moves`` moves were made or ``deadline`` passed; a new array."""
    cost, resource = instance.cost, instance.resource
    current = np.array(assignment, dtype=np.int64)
    free = instance.capacity - instance.load(current)
    moves = 0
    while time.perf_counter() < deadline and (max_moves is None or moves < max_moves):
        shift, target = _shifts(cost, resource, current, free)
        s = int(np.argmin(shift))
        chain = _best_chain(cost, resource, current, free, shift)
        swap = _best_exchange(cost, resource, current, free)
        best = min(shift[s], chain[0], swap[0])
        if not best < -EPS:
            break
        if shift[s] == best:
            _move(current, free, resource, s, int(target[s]))
        elif chain[0] == best:
            _, j, b, k = chain
            _move(current, free, resource, k, int(target[k]))
            _move(current, free, resource, j, b)
        else:
            _, j, k = swap
            a, b = int(current[j]), int(current[k])
            _move(current, free, resource, j, b)
            _move(current, free, resource, k, a)
        moves += 1
    return current


def _move(assignment: np.ndarray, free: np.ndarray, resource: np.ndarray, job: int,
          to: int) -> None:
    old = int(assignment[job])
    free[old] += resource[old, job]
    free[to] -= resource[to, job]
    assignment[job] = to


def iterated_search(instance: GapInstance, start: Assignment, deadline: float, *,
                    seed: int = 0) -> Assignment:
    """The best assignment ``improve`` reaches from ``start`` and from perturbations of the
    current one until ``deadline`` (at least one improvement is run); feasible, never
    costlier than ``start``. Perturbations are drawn from a generator seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    current = improve(instance, start, deadline)
    value = instance.objective(current)
    m, n = instance.m, instance.n
    while time.perf_counter() < deadline:
        partial = current.copy()
        agents = rng.choice(m, min(KICK_AGENTS, m), replace=False)
        partial[np.isin(partial, agents)] = -1
        partial[rng.choice(n, min(KICK_JOBS, n), replace=False)] = -1
        built = complete_assignment(instance, partial, deadline)
        if built is None:
            continue
        built = improve(instance, built, deadline)
        cost = instance.objective(built)
        if cost <= value and instance.is_feasible(built):
            current, value = built, cost
    return current
