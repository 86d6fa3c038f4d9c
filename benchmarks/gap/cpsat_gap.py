"""Solve one GAP instance with OR-Tools CP-SAT; a worker process of compare_solvers.py.

OR-Tools carries its own copy of the HiGHS library, and it cannot be loaded into a process
that has loaded highspy (or the other way round), so CP-SAT runs here, alone: it reads a JSON
file ``{cost, resource, capacity, hint}`` and prints one JSON line with the result.

Run: ``.venv/bin/python benchmarks/gap/cpsat_gap.py INSTANCE.json --time-limit 10``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from ortools.sat.python import cp_model


def solve(data: dict[str, list[int]], time_limit: float) -> dict[str, object]:
    """The GAP with CP-SAT (whole numbers), hinted with ``data["hint"]`` when present."""
    started = time.perf_counter()
    cost, resource = data["cost"], data["resource"]
    capacity, hint = data["capacity"], data.get("hint")
    m, n = len(capacity), len(cost) // len(capacity)
    model = cp_model.CpModel()
    x = [[model.NewBoolVar(f"x{i}_{j}") for j in range(n)] for i in range(m)]
    for j in range(n):
        model.AddExactlyOne(x[i][j] for i in range(m))
    for i in range(m):
        model.Add(sum(resource[i * n + j] * x[i][j] for j in range(n)) <= capacity[i])
    model.Minimize(sum(cost[i * n + j] * x[i][j] for i in range(m) for j in range(n)))
    if hint:
        for i in range(m):
            for j in range(n):
                model.AddHint(x[i][j], int(hint[j] == i))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = os.cpu_count() or 1
    solver.parameters.random_seed = 0
    status = solver.Solve(model)
    out: dict[str, object] = {"status": solver.StatusName(status)}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out["objective"] = solver.ObjectiveValue()
        out["bound"] = solver.BestObjectiveBound()
    out["seconds"] = round(time.perf_counter() - started, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(solve(json.loads(args.instance.read_text()), args.time_limit)))


if __name__ == "__main__":
    main()
