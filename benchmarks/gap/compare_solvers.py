"""HiGHS against OR-Tools CP-SAT on the same GAP instances, same time limit, same start.

The measurement behind docs/adr/0006-mip-solver.md. Both solvers get the same model (x_ij
binary, each job once, capacities) and the greedy assignment as a starting point (HiGHS:
``setSolution``; CP-SAT: ``AddHint``). CP-SAT runs with one search worker per CPU in its own
process (``cpsat_gap.py``; OR-Tools and highspy cannot share one); HiGHS's branch and bound
is serial. Times are measured inside each solver's process, model building included.
OR-Tools is a development dependency only.

Run: ``.venv/bin/python benchmarks/gap/compare_solvers.py [--time-limit 10] [--seed 1]
[--sizes 5x100,10x100,20x100,10x200] [--types CDE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from escalera.solve.gap import solve_gap
from escalera.solve.gap_instances import generate_gap
from escalera.solve.greedy import greedy_assignment
from escalera.solve.mip import relative_gap

try:
    from generate import DEFAULT_SIZES, sizes
except ImportError:
    from benchmarks.gap.generate import DEFAULT_SIZES, sizes

WORKER = Path(__file__).with_name("cpsat_gap.py")


def _pct(value: object) -> str:
    return "-" if value is None else f"{100 * float(str(value)):.3f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--types", default="CDE")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.types.upper():
            for m, n in sizes(args.sizes):
                instance = generate_gap(kind, m, n, args.seed)
                greedy = greedy_assignment(instance)
                path = Path(tmp) / "instance.json"
                path.write_text(json.dumps({
                    "cost": instance.cost.astype(int).ravel().tolist(),
                    "resource": instance.resource.astype(int).ravel().tolist(),
                    "capacity": instance.capacity.astype(int).tolist(),
                    "hint": None if greedy is None else greedy.tolist()}))
                done = subprocess.run([sys.executable, str(WORKER), str(path), "--time-limit",
                                       str(args.time_limit)], capture_output=True, text=True,
                                      check=True)
                cpsat = json.loads(done.stdout.strip().splitlines()[-1])
                if "objective" in cpsat:
                    cpsat["gap"] = relative_gap(cpsat["objective"], cpsat["bound"])
                highs = solve_gap(instance, time_limit=args.time_limit)
                rows.append({"type": kind, "m": m, "n": n, "greedy": highs.greedy_objective,
                             "highs": {"status": str(highs.status),
                                       "objective": highs.objective, "bound": highs.bound,
                                       "gap": highs.gap, "seconds": round(highs.seconds, 2)},
                             "cpsat": cpsat})
                print(f"compare type={kind} m={m} n={n} greedy={highs.greedy_objective} "
                      f"highs: {highs.status} obj={highs.objective} bound={highs.bound} "
                      f"gap={_pct(highs.gap)} s={highs.seconds:.2f} | "
                      f"cpsat: {cpsat['status']} obj={cpsat.get('objective')} "
                      f"bound={cpsat.get('bound')} gap={_pct(cpsat.get('gap'))} "
                      f"s={cpsat['seconds']}", flush=True)
    print(json.dumps({"time_limit_s": args.time_limit, "cpus": os.cpu_count(), "rows": rows}))


if __name__ == "__main__":
    main()
