"""Benchmark refresh: every peer group of 1,000,000 firms, 12 metrics, 12 quarterly rounds.

Times ``escalera.analytics.benchmarks.benchmark`` — each firm's latest value of every metric
in the window, its peer group (region x product x size band), per group and metric n,
p10/p25/median/p75/p90, best and prevailing practice and the gap, every firm's percentile
rank, and suppression of groups under 5 firms — on a seeded synthetic long observations
frame shaped like ``store.evidence.observations_frame`` (generation not timed). Then times
one firm's report data (``Benchmark.position``: its value, rank and group statistics per
metric) from the refreshed tables.

Baseline: the same refresh's statistics in pandas (filter the window, sort, keep each firm's
latest value per metric, merge the peer-group keys, ``groupby(...).quantile([...])``), timed
in the same run; ``ratio`` = baseline / figure. The two results are compared.

Data: 12 x 12 x 1,000,000 would be 144 million observations; the brief's "about 12 million"
is one assessment per firm on average: 1,000,000 assessments spread over 12 quarterly rounds
(a firm may be visited 0, 1 or several times), 12 metrics each, about 3 % of values missing.

Run: ``.venv/bin/python benchmarks/bench_refresh.py [--firms N] [--repeat N] [--seed N]``.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from escalera.analytics.benchmarks import QUANTILES, benchmark
from escalera.analytics.peer_groups import firm_groups, window
from escalera.catalog import load_catalog
from escalera.demo.places import PRODUCT_IDS
from escalera.demo.population import STATES

ON = dt.date(2026, 6, 30)
ROUNDS = 12
BY = ("region", "product", "size_band")
K = 5


def make_data(firms: int, seed: int, metrics: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A seeded registry and long observation frame (firm_id, assessment_id, observed_on,
    kind, item, value)."""
    rng = np.random.default_rng(seed)
    ids = pl.Series("firm_id", np.char.add("F", np.arange(firms).astype("U7")))
    employees = np.where(rng.random(firms) < 0.05, -1, rng.lognormal(2.5, 1.3, firms)
                         ).astype(np.int64)
    registry = pl.DataFrame({
        "firm_id": ids,
        "state": np.array(STATES)[rng.integers(0, len(STATES), firms)],
        "product": np.array(PRODUCT_IDS)[rng.integers(0, len(PRODUCT_IDS), firms)],
        "employees": employees,
    }).select(
        "firm_id", "state", pl.concat_list(pl.lit("contractor")).alias("roles"),
        pl.concat_list("product").alias("products"),
        pl.when(pl.col("employees") >= 0).then("employees").alias("employees"),
    )
    visits = firms  # one assessment per firm on average
    firm_of = rng.integers(0, firms, visits)
    round_of = rng.integers(0, ROUNDS, visits)
    first_round = dt.date(ON.year - 3, ON.month, 1)
    day_of = (np.datetime64(first_round) + (round_of * 91 + rng.integers(0, 85, visits))
              .astype("timedelta64[D]"))
    quality = rng.normal(0.0, 1.0, visits)
    m = len(metrics)
    value = np.concatenate([50 + 15 * quality + rng.normal(0, 10, visits) * (1 + j % 3)
                            for j in range(m)])
    keep = rng.random(visits * m) >= 0.03
    obs = pl.DataFrame({
        "firm_id": ids.gather(np.tile(firm_of, m)),
        "assessment_id": pl.Series(np.char.add("A", np.tile(np.arange(visits), m).astype("U7"))),
        "observed_on": pl.Series(np.tile(day_of, m)).cast(pl.Date),
        "kind": pl.Series(["metric"]).extend_constant("metric", visits * m - 1),
        "item": pl.Series(np.repeat(np.array(metrics), visits)),
        "value": value,
    }).filter(pl.Series(keep))
    return registry, obs


def pandas_refresh(obs: pd.DataFrame, groups: pd.DataFrame, start: dt.date,
                   end: dt.date) -> pd.DataFrame:
    """The baseline: the same statistics the obvious pandas way."""
    window_rows = obs[(obs["kind"] == "metric") & (obs["observed_on"] >= pd.Timestamp(start))
                      & (obs["observed_on"] <= pd.Timestamp(end))]
    latest = (window_rows.sort_values(["observed_on", "assessment_id"])
              .drop_duplicates(["firm_id", "item"], keep="last"))
    merged = latest.merge(groups, on="firm_id", how="inner")
    grouped = merged.groupby([*BY, "item"])["value"]
    stats = grouped.quantile(list(QUANTILES.values())).unstack()
    stats.columns = list(QUANTILES)
    stats["n"] = grouped.size()
    return stats[stats["n"] >= K].reset_index()


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Run ``fn`` ``repeat`` times after a warm-up, collector off; times and last result."""
    result = fn()
    times = []
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    catalog = load_catalog()
    metrics = [m.id for m in catalog.metrics][:12]
    directions = {m: catalog.metric(m).direction for m in metrics}
    t0 = time.perf_counter()
    registry, obs = make_data(args.firms, args.seed, metrics)
    groups = firm_groups(registry)
    win = window("latest", ON, 730)
    print(f"generated {registry.height:,} firms, {obs.height:,} observations of "
          f"{len(metrics)} metrics in {time.perf_counter() - t0:.1f} s")

    runs, result = timed(lambda: benchmark(obs, groups, directions, BY, win, K), args.repeat)
    figure = statistics.median(runs)
    print(f"refresh: {result.stats.height:,} group x metric rows shown, "
          f"{result.hidden.groups:,} suppressed, {result.ranked:,} firm positions; "
          f"median {figure:.3f} s of {[round(r, 3) for r in runs]}")

    firm_ids = registry.get_column("firm_id").sample(20, seed=args.seed).to_list()
    report_runs = []
    for fid in firm_ids:
        t1 = time.perf_counter()
        result.position(fid)
        report_runs.append(time.perf_counter() - t1)
    report = statistics.median(report_runs)
    print(f"one firm's report data: median {1000 * report:.1f} ms, "
          f"max {1000 * max(report_runs):.1f} ms over {len(firm_ids)} firms")

    pobs = obs.to_pandas()
    pobs["observed_on"] = pd.to_datetime(pobs["observed_on"])
    pgroups = groups.select("firm_id", *BY).to_pandas()
    base_runs, baseline_stats = timed(
        lambda: pandas_refresh(pobs, pgroups, win.start, win.end), max(1, args.repeat // 2))
    baseline = statistics.median(base_runs)
    print(f"pandas baseline: median {baseline:.3f} s of {[round(r, 3) for r in base_runs]}")

    ours = result.stats.sort([*BY, "item"]).select([*BY, "item", "n", *QUANTILES])
    theirs = pl.from_pandas(baseline_stats).sort([*BY, "item"]).select(ours.columns)
    mismatch = ours.height != theirs.height or any(
        not np.allclose(ours[c].to_numpy(), theirs[c].to_numpy(), equal_nan=True)
        for c in ["n", *QUANTILES])
    print(json.dumps({
        "figure_s": round(figure, 4), "baseline_s": round(baseline, 4),
        "ratio": round(baseline / figure, 2), "report_ms": round(1000 * report, 2),
        "firms": registry.height, "observations": obs.height, "metrics": len(metrics),
        "rounds": ROUNDS, "group_rows_shown": result.stats.height,
        "groups_suppressed": result.hidden.groups, "runs_s": [round(r, 4) for r in runs],
        "baseline_runs_s": [round(r, 4) for r in base_runs],
        "results_agree": not mismatch, "polars_threads": pl.thread_pool_size(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "pandas": pd.__version__, "polars": pl.__version__,
    }))


if __name__ == "__main__":
    main()
