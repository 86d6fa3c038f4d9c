"""Solve OR-Library GAP files (Lagrangian stage, then MIP) and print the greedy baseline.

Each problem goes through ``read_gap`` and ``solve_gap``, the functions behind
``escalera match gap``; the greedy heuristic's objective and time are measured in the same
run. With no files, the standard generated set (types C, D, E at 5x100, 10x100, 20x100 and
10x200, seed 1) is written to a temporary folder first.

Run: ``.venv/bin/python benchmarks/gap/run_gap.py [FILE ...] [--time-limit 10] [--maximize]``.
One line per problem, then one JSON line with every result.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

import highspy

from escalera.solve.gap import GapResult, solve_gap
from escalera.solve.orlib import read_gap

try:
    from generate import write_set  # run as a script from anywhere
except ImportError:  # imported as benchmarks.gap.run_gap
    from benchmarks.gap.generate import write_set


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.3f}%"


def line(name: str, problem: int, m: int, n: int, result: GapResult, maximize: bool) -> str:
    """One ``gap_bench`` line: the MIP figure, then the greedy baseline."""
    greedy_gap = None
    if result.greedy_objective is not None and result.bound is not None:
        worse = (result.bound - result.greedy_objective if maximize
                 else result.greedy_objective - result.bound)
        greedy_gap = worse / max(abs(result.greedy_objective), 1e-9)
    return (f"gap_bench file={name} problem={problem} m={m} n={n} status={result.status} "
            f"mip_obj={result.objective} bound={result.bound} "
            f"lagr_bound={result.lagrangian_bound} gap={_pct(result.gap)} "
            f"mip_s={result.seconds:.2f} greedy_obj={result.greedy_objective} "
            f"greedy_gap={_pct(greedy_gap)} greedy_s={result.greedy_seconds:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--maximize", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = args.files or write_set(Path(tmp))
        rows = []
        for path in files:
            for number, instance in enumerate(read_gap(path), start=1):
                result = solve_gap(instance, time_limit=args.time_limit,
                                   maximize=args.maximize)
                print(line(path.name, number, instance.m, instance.n, result, args.maximize),
                      flush=True)
                rows.append({"file": path.name, "problem": number, "m": instance.m,
                             "n": instance.n, **result.as_dict()})
    print(json.dumps({"time_limit_s": args.time_limit, "highs": highspy.Highs().version(),
                      "python": platform.python_version(), "results": rows}))


if __name__ == "__main__":
    main()
