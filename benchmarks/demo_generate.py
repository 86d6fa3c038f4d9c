"""Demo network generation: 1,000,000 firms with links, assessments and observations to Parquet.

Times ``escalera.demo.generate_network`` plus ``escalera.demo.writer.write_parquet`` (all
four files, zstd) for the full population, against the baseline of the same generator on
10,000 firms extrapolated linearly to the full population (the ratio shows whether the
columnar generator scales at least linearly).

Run: ``.venv/bin/python benchmarks/demo_generate.py [--firms N] [--baseline-firms N]``.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from escalera.demo.generator import generate_network
from escalera.demo.writer import WriteSummary, write_parquet

ON = dt.date(2026, 6, 1)
SEED = 42


def run(firms: int, folder: Path) -> tuple[float, WriteSummary, int]:
    """Seconds to generate ``firms`` firms and write them as Parquet; rows; bytes written."""
    started = time.perf_counter()
    network = generate_network(firms, SEED, ON)
    summary = write_parquet(network, folder)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.iterdir())
    return seconds, summary, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--baseline-firms", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        run(args.baseline_firms, Path(tmp) / "warm-up")  # imports, first-call costs
        small_s, small, _ = run(args.baseline_firms, Path(tmp) / "baseline")
        baseline_s = small_s * args.firms / args.baseline_firms
        figure_s, full, size = run(args.firms, Path(tmp) / "full")

    print(f"baseline: {args.baseline_firms:,} firms in {small_s:.2f} s "
          f"({small.observations:,} observations), x{args.firms // args.baseline_firms} "
          f"= {baseline_s:.1f} s")
    print(f"figure:   {args.firms:,} firms in {figure_s:.1f} s: {full.links:,} links, "
          f"{full.assessments:,} assessments, {full.observations:,} observations, "
          f"{size / 2**20:.0f} MiB of Parquet")
    print(json.dumps({
        "benchmark": "demo_generate", "firms": args.firms,
        "figure_s": round(figure_s, 2), "baseline_s": round(baseline_s, 2),
        "ratio": round(figure_s / baseline_s, 3), "baseline_firms": args.baseline_firms,
        "rows": full.as_dict(), "parquet_mib": round(size / 2**20, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                   f"{platform.python_version()}",
        "date": dt.date.today().isoformat(),
    }))


if __name__ == "__main__":
    main()
