"""Benchmark refresh: every peer group of 1,000,000 firms, 12 metrics, 12 quarterly rounds.

Times ``escalera.analytics.benchmarks.benchmark`` as the service calls it for the latest
period (``bounds`` from the catalog, ``settle`` at the month end 2026-06-30 with the 730-day
freshness window) — each firm's latest value of every metric in the window, its peer group
(region x product x size band), per group and metric n, p10/p25/median/p75/p90, best and
prevailing practice and the gap, every firm's percentile rank, all through disclosure
control (``docs/confidentiality.md``) — on a seeded synthetic long observations frame shaped
like ``store.evidence.observations_frame`` (generation not timed). Then times one firm's
report data (``Benchmark.position``: its value, rank and group statistics per metric) from
the refreshed tables.

Baseline: the same published table in pandas, an independent reimplementation of the rules
of ``docs/confidentiality.md`` written from that text (it neither calls nor copies
``escalera.analytics.confidentiality``): filter, ``sort_values`` + ``drop_duplicates`` for
each firm's latest value per metric, ``merge`` the peer-group keys, then

* rule 4, settled groups: a firm's last change up to the month end is the month its latest
  value went stale (the 731st day after it was observed) if that month is not after the
  month end, else the month of that value; a cell is settled when at least k firms share
  the cell's latest such month;
* rule 3, percentiles: linear interpolation at position q x (n - 1), except that a whole
  position h strictly inside the group publishes the mean of ranks h - 1 and h + 1 (whole
  positions decided in integers from q as a fraction); the median only strictly inside the
  metric's catalog bounds; p10, p25, p75, p90 (and so best and gap) only for n >= max(k, 20)
  and lower bound < p10 < p25 < median < p75 < p90 < upper bound, otherwise all four null;
* rules 1-2, primary and complementary suppression: cells under k firms or not settled are
  hidden; then, in every line (the cells agreeing on the metric and on two of the three
  dimensions), while the hidden cells are fewer than two, hold fewer than k firms together
  or one firm each, the smallest shown cell of the line (ties: the first in key order) is
  hidden too, until no line changes.

Both sides are compared cell by cell: the set of cells published, and in every cell both
publish n, the five percentiles, best, prevailing and gap (nulls included); each side's
suppressed groups and firms are printed. ``results_agree`` is true when the published cells
and every figure in them are the same. ``ratio`` = baseline / figure, timed in the same run.
On this data many cells are hidden as not settled (most of them at 100,000 firms), which
leaves complementary suppression less to do; so both sides are run again without the
month-end reading (rules 1-3 only; the library's one run is timed,
``without_settling.figure_one_run_s``, to show what settling costs) and compared the same
way (``results_agree_without_settling``).

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
import itertools
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

from escalera.analytics.benchmarks import QUANTILES, Settle, benchmark
from escalera.analytics.peer_groups import firm_groups, window
from escalera.catalog import load_catalog
from escalera.demo.places import PRODUCT_IDS
from escalera.demo.population import STATES
from escalera.domain.measures import Direction

ON = dt.date(2026, 6, 30)
ROUNDS = 12
BY = ("region", "product", "size_band")
K = 5
STALE_AFTER_DAYS = 730
SPREAD_MIN_GROUP_SIZE = 20
"""docs/confidentiality.md: p10..p90, best and gap only for groups of at least max(k, 20)."""
FRACTIONS = {"p10": (1, 10), "p25": (1, 4), "median": (1, 2), "p75": (3, 4), "p90": (9, 10)}
"""The published percentiles as exact fractions, so "a whole position" is decided in integers."""
SPREAD = ("p10", "p25", "p75", "p90")
KEYS = [*BY, "item"]
COMPARED = ["n", *QUANTILES, "best", "prevailing", "gap"]
Bounds = dict[str, tuple[float | None, float | None]]


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


def _months(days: pd.Series) -> np.ndarray:
    """Months since year 0 of each date: which month end a change shows at."""
    return np.asarray((days.dt.year * 12 + days.dt.month - 1).to_numpy(), dtype=np.int64)


def _ranks(n: np.ndarray, num: int, den: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 3 of docs/confidentiality.md for q = num / den: the two 0-based ranks whose
    weighted mean is published, and the weight of the upper one."""
    scaled = num * (n - 1)  # den x the position q x (n - 1)
    whole = scaled % den == 0
    h = scaled // den
    inside = whole & (h >= 1) & (h <= n - 2)  # one member's value: take its two neighbours
    low = np.where(inside, h - 1, h)
    high = np.where(inside, h + 1, np.where(whole, h, h + 1))
    weight = np.where(inside, 0.5, np.where(whole, 0.0, (scaled % den) / den))
    return low, high, weight


def _complementary(table: pd.DataFrame, hide: np.ndarray) -> np.ndarray:
    """Rule 2: in every line (same metric and two of the three dimensions) either no cell is
    hidden or at least two, holding at least K firms together and not one firm each; else
    the smallest shown cell (first in key order on ties) is hidden too, until stable."""
    hide = hide.copy()
    size = table["n"].to_numpy()
    lines = []
    for free in BY:
        rest = [d for d in BY if d != free] + ["item"]
        lines += [np.sort(rows) for rows in table.groupby(rest, sort=True).indices.values()]
    changed = True
    while changed:
        changed = False
        for rows in lines:
            hidden = rows[hide[rows]]
            if not len(hidden):
                continue
            while not (len(hidden) >= 2 and size[hidden].sum() >= K
                       and (size[hidden] > 1).any()):
                shown = rows[~hide[rows]]
                if not len(shown):
                    break
                hide[shown[np.lexsort((shown, size[shown]))[0]]] = True
                hidden = rows[hide[rows]]
                changed = True
    return hide


def pandas_refresh(obs: pd.DataFrame, groups: pd.DataFrame, start: dt.date, end: dt.date,
                   bounds: Bounds, higher: dict[str, bool], settle: bool = True
                   ) -> tuple[pd.DataFrame, dict[str, int]]:
    """The baseline: the published table by the rules of docs/confidentiality.md in pandas,
    and counts of the cells hidden (``groups``, ``firms``; ``primary``, ``unsettled``,
    ``complementary``: why). ``settle=False``: rules 1-3 only (no month-end reading)."""
    rows = obs[(obs["kind"] == "metric") & obs["item"].isin(list(higher))
               & obs["value"].notna() & (obs["observed_on"] <= pd.Timestamp(end))]
    latest = (rows.sort_values(["observed_on", "assessment_id"])
              .drop_duplicates(["firm_id", "item"], keep="last")
              .merge(groups, on="firm_id", how="inner"))
    # Rule 4: each firm's last change up to the month end, then the firms at the cell's last.
    stale = _months(latest["observed_on"] + pd.Timedelta(days=STALE_AFTER_DAYS + 1))
    month = end.year * 12 + end.month - 1
    latest["change"] = np.where(stale <= month, stale, _months(latest["observed_on"]))
    latest["at_last"] = latest["change"] == latest.groupby(KEYS)["change"].transform("max")
    settled = ((latest.groupby(KEYS)["at_last"].sum() >= K) | (not settle)
               ).rename("settled").reset_index()
    # Rule 3: the percentiles of the values counted (observed in the window).
    counted = latest[latest["observed_on"] >= pd.Timestamp(start)].sort_values([*KEYS, "value"])
    values = counted["value"].to_numpy()
    cell = counted.groupby(KEYS, sort=False).ngroup().to_numpy()
    n = np.bincount(cell)
    first = np.concatenate([[0], np.cumsum(n)[:-1]])
    table = counted[KEYS].iloc[first].reset_index(drop=True)
    table["n"] = n
    for name, (num, den) in FRACTIONS.items():
        low, high, weight = _ranks(n, num, den)
        a, b = values[first + low], values[first + high]
        table[name] = a + (b - a) * weight
    lower = table["item"].map({i: -np.inf if b[0] is None else b[0] for i, b in bounds.items()})
    upper = table["item"].map({i: np.inf if b[1] is None else b[1] for i, b in bounds.items()})
    chain = [lower, *[table[c] for c in QUANTILES], upper]
    increasing = np.logical_and.reduce([(b > a).to_numpy() for a, b in itertools.pairwise(chain)])
    median_ok = ((table["n"] >= K) & (table["median"] > lower) & (table["median"] < upper))
    spread_ok = (table["n"] >= max(K, SPREAD_MIN_GROUP_SIZE)).to_numpy() & increasing
    table.loc[~median_ok.to_numpy(), "median"] = np.nan
    table.loc[~spread_ok, list(SPREAD)] = np.nan
    # Rules 1-2: primary (under K firms), unsettled, then complementary suppression.
    table = table.merge(settled, on=KEYS, how="left")
    small = (table["n"] < K).to_numpy()
    unsettled = ~table["settled"].to_numpy(dtype=bool) & ~small
    hide = _complementary(table, small | unsettled)
    counts = {"groups": int(hide.sum()), "firms": int(table["n"].to_numpy()[hide].sum()),
              "primary": int(small.sum()), "unsettled": int(unsettled.sum()),
              "complementary": int((hide & ~small & ~unsettled).sum())}
    shown = table[~hide].drop(columns="settled").reset_index(drop=True)
    up = shown["item"].map(higher).to_numpy(dtype=bool)
    shown["best"] = np.where(up, shown["p90"], shown["p10"])
    shown["prevailing"] = shown["median"]
    shown["gap"] = np.where(up, shown["best"] - shown["prevailing"],
                            shown["prevailing"] - shown["best"])
    return shown, counts


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict[str, Any]:
    """Cell by cell: which cells each side publishes, and the figures of those both do."""
    both = ours.merge(theirs, on=KEYS, how="outer", suffixes=("", "_b"), indicator=True)
    common = both[both["_merge"] == "both"]
    bad = np.zeros(len(common), dtype=bool)
    for c in COMPARED:
        a = common[c].to_numpy(dtype=float)
        b = common[f"{c}_b"].to_numpy(dtype=float)
        bad |= ~np.isclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True)
    return {"compared": len(common), "disagreeing": int(bad.sum()),
            "only_ours": int((both["_merge"] == "left_only").sum()),
            "only_baseline": int((both["_merge"] == "right_only").sum()),
            "examples": both[(both["_merge"] != "both")].head(5).to_dict("records")
            + common[bad].head(5).to_dict("records")}


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
    bounds: Bounds = {m: (catalog.metric(m).minimum, catalog.metric(m).maximum)
                      for m in metrics}
    t0 = time.perf_counter()
    registry, obs = make_data(args.firms, args.seed, metrics)
    groups = firm_groups(registry)
    win = window("latest", ON, STALE_AFTER_DAYS)
    settle = Settle(ON, STALE_AFTER_DAYS)
    print(f"generated {registry.height:,} firms, {obs.height:,} observations of "
          f"{len(metrics)} metrics in {time.perf_counter() - t0:.1f} s")

    runs, result = timed(lambda: benchmark(obs, groups, directions, BY, win, K, bounds=bounds,
                                           settle=settle), args.repeat)
    figure = statistics.median(runs)
    print(f"refresh: {result.stats.height:,} group x metric rows shown, "
          f"{result.hidden.groups:,} suppressed ({result.hidden.firms:,} firm values), "
          f"{result.ranked:,} firm positions; "
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
    higher = {m: d is Direction.HIGHER for m, d in directions.items()}
    base_runs, (baseline_stats, base_hidden) = timed(
        lambda: pandas_refresh(pobs, pgroups, win.start, win.end, bounds, higher),
        max(1, args.repeat // 2))
    baseline = statistics.median(base_runs)
    print(f"pandas baseline: {len(baseline_stats):,} rows shown, {base_hidden['groups']:,} "
          f"suppressed ({base_hidden['firms']:,} firm values; {base_hidden['primary']:,} "
          f"under {K} firms, {base_hidden['unsettled']:,} not settled, "
          f"{base_hidden['complementary']:,} complementary); "
          f"median {baseline:.3f} s of {[round(r, 3) for r in base_runs]}")

    ours = result.stats.select(*KEYS, *COMPARED).to_pandas()
    check = compare(ours, baseline_stats)
    agree = check["only_ours"] == 0 and check["only_baseline"] == 0 \
        and check["disagreeing"] == 0
    print(f"comparison: {check['compared']:,} cells published by both, "
          f"{check['disagreeing']:,} of them with a different figure; published by the "
          f"library only: {check['only_ours']:,}, by the baseline only: "
          f"{check['only_baseline']:,}")
    for example in check["examples"]:
        print("  differs:", {k: v for k, v in example.items() if k != "_merge"})
    # Untimed second check of rules 1-3 without the month-end reading: far fewer cells are
    # hidden as unsettled, so complementary suppression and the percentile rule get to work.
    t2 = time.perf_counter()
    plain = benchmark(obs, groups, directions, BY, win, K, bounds=bounds)
    plain_s = time.perf_counter() - t2
    plain_table, plain_hidden = pandas_refresh(pobs, pgroups, win.start, win.end, bounds,
                                               higher, settle=False)
    plain_check = compare(plain.stats.select(*KEYS, *COMPARED).to_pandas(), plain_table)
    plain_agree = plain_check["only_ours"] == 0 and plain_check["only_baseline"] == 0 \
        and plain_check["disagreeing"] == 0
    print(f"without settling (one run, {plain_s:.3f} s): library {plain.stats.height:,} "
          f"rows shown, {plain.hidden.groups:,} suppressed; baseline {len(plain_table):,} shown, "
          f"{plain_hidden['groups']:,} suppressed ({plain_hidden['primary']:,} under {K} "
          f"firms, {plain_hidden['complementary']:,} complementary); "
          f"{plain_check['compared']:,} cells compared, {plain_check['disagreeing']:,} "
          f"differ, library only {plain_check['only_ours']:,}, baseline only "
          f"{plain_check['only_baseline']:,}")
    for example in plain_check["examples"]:
        print("  differs:", {k: v for k, v in example.items() if k != "_merge"})
    spread_withheld = int(result.stats.get_column("p10").is_null().sum())
    median_withheld = int(result.stats.get_column("median").is_null().sum())
    print(json.dumps({
        "figure_s": round(figure, 4), "baseline_s": round(baseline, 4),
        "ratio": round(baseline / figure, 2), "report_ms": round(1000 * report, 2),
        "firms": registry.height, "observations": obs.height, "metrics": len(metrics),
        "rounds": ROUNDS, "group_rows_shown": result.stats.height,
        "groups_suppressed": result.hidden.groups, "runs_s": [round(r, 4) for r in runs],
        "baseline_runs_s": [round(r, 4) for r in base_runs],
        "results_agree": agree, "polars_threads": pl.thread_pool_size(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "pandas": pd.__version__, "polars": pl.__version__,
        "firms_suppressed": result.hidden.firms,
        "baseline_rows_shown": len(baseline_stats),
        "baseline_groups_suppressed": base_hidden["groups"],
        "baseline_firms_suppressed": base_hidden["firms"],
        "baseline_suppressed_primary": base_hidden["primary"],
        "baseline_suppressed_unsettled": base_hidden["unsettled"],
        "baseline_suppressed_complementary": base_hidden["complementary"],
        "rows_spread_withheld": spread_withheld, "rows_median_withheld": median_withheld,
        "cells_compared": check["compared"], "cells_disagreeing": check["disagreeing"],
        "cells_only_library": check["only_ours"], "cells_only_baseline": check["only_baseline"],
        "min_group_size": K, "on": ON.isoformat(), "settle": True, "bounds": True,
        "results_agree_without_settling": plain_agree,
        "without_settling": {
            "figure_one_run_s": round(plain_s, 4),
            "group_rows_shown": plain.stats.height, "groups_suppressed": plain.hidden.groups,
            "baseline_rows_shown": len(plain_table),
            "baseline_groups_suppressed": plain_hidden["groups"],
            "baseline_suppressed_complementary": plain_hidden["complementary"],
            "cells_compared": plain_check["compared"],
            "cells_disagreeing": plain_check["disagreeing"],
            "cells_only_library": plain_check["only_ours"],
            "cells_only_baseline": plain_check["only_baseline"]},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
    }))


if __name__ == "__main__":
    main()
