"""Bulk ladder evaluation: 1,000,000 firms x 12 metrics x 10 practices, two ladders + segments.

Times ``escalera.analytics.bulk_evaluation.evaluate_bulk`` on a seeded random wide evidence
frame (generation not timed) against the baseline of a plain Python loop calling the
single-firm ``escalera.domain.evaluation.evaluate_firm`` on a sample (its ``Evidence``
objects are built before timing), extrapolated to the full population. Both timings run with
the cyclic garbage collector off, as ``timeit`` does; the sample's results are then checked
against the bulk ones.

Run: ``.venv/bin/python benchmarks/ladder_eval.py [--firms N] [--sample N] [--repeat N]``.
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

import numpy as np
import polars as pl

from escalera.analytics.bulk_evaluation import (
    CAPACITY_COLUMN,
    FIRM_ID,
    NEXT_SEGMENT_COLUMN,
    date_column,
    evaluate_bulk,
    level_column,
    next_level_column,
    segment_column,
    status_column,
    value_column,
)
from escalera.catalog import load_catalog
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, FirmEvaluation, evaluate_firm
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind
from escalera.domain.measures import Direction

ON = dt.date(2026, 6, 1)
EPOCH = dt.date(1970, 1, 1)


def thresholds(catalog: Catalog) -> dict[tuple[ItemKind, str], list[float]]:
    """Every threshold that any level or segment puts on each item."""
    found: dict[tuple[ItemKind, str], list[float]] = {}
    for ladder in catalog.ladders:
        for level in ladder.levels:
            std = level.standard_on(ON)
            for m in std.metrics:
                found.setdefault((ItemKind.METRIC, m.metric), []).append(m.threshold)
            for p in std.practices:
                found.setdefault((ItemKind.PRACTICE, p.practice), []).append(
                    float(p.min_maturity))
    for seg in catalog.segments:
        found.setdefault((ItemKind.METRIC, "lead_time_days"), []).append(
            float(seg.lead_time_days))
    return found


def make_wide(catalog: Catalog, firms: int, seed: int) -> pl.DataFrame:
    """A seeded wide frame: values spread around the thresholds (with exact ties), about
    8 % of items missing and dates up to three years old (so some are stale)."""
    rng = np.random.default_rng(seed)
    limits = thresholds(catalog)
    columns: dict[str, pl.Series] = {
        FIRM_ID: pl.Series(FIRM_ID, [f"F{i:07d}" for i in range(firms)], dtype=pl.String),
    }
    on_days = (ON - EPOCH).days
    for kind, items in ((ItemKind.METRIC, [m.id for m in catalog.metrics]),
                        (ItemKind.PRACTICE, [p.id for p in catalog.practices])):
        for item in items:
            if kind is ItemKind.PRACTICE:
                values = rng.integers(0, 4, firms).astype(np.float64)
            else:
                ts = limits.get((kind, item), [50.0])
                low, high = min(ts), max(ts)
                spread = max(high - low, abs(high) * 0.2, 1.0)
                values = rng.uniform(low - spread, high + spread, firms)
                ties = rng.random(firms) < 0.1
                values[ties] = rng.choice(np.array(ts), int(ties.sum()))
            days = on_days - rng.integers(0, 3 * 365, firms)
            missing = rng.random(firms) < 0.08
            columns[value_column(kind, item)] = pl.Series(
                value_column(kind, item), values).set(pl.Series(missing), None)
            columns[date_column(kind, item)] = pl.Series(
                date_column(kind, item), days.astype(np.int32)).set(
                pl.Series(missing), None).cast(pl.Date)
    capacity = rng.integers(0, 30_000, firms)
    columns[CAPACITY_COLUMN] = pl.Series(CAPACITY_COLUMN, capacity).set(
        pl.Series(rng.random(firms) < 0.1), None)
    return pl.DataFrame(list(columns.values()))


def evidence_objects(catalog: Catalog, wide: pl.DataFrame) -> list[tuple[str, Evidence,
                                                                          int | None]]:
    """The same rows as single-firm ``Evidence`` objects (built outside any timing)."""
    out: list[tuple[str, Evidence, int | None]] = []
    items = [(ItemKind.METRIC, m.id) for m in catalog.metrics] + [
        (ItemKind.PRACTICE, p.id) for p in catalog.practices]
    for row in wide.iter_rows(named=True):
        metrics: dict[str, EvidenceItem] = {}
        practices: dict[str, EvidenceItem] = {}
        for kind, item in items:
            value, day = row[value_column(kind, item)], row[date_column(kind, item)]
            if value is None or day is None:
                continue
            target = metrics if kind is ItemKind.METRIC else practices
            target[item] = EvidenceItem(value=value, observed_on=day, assessment_id="A")
        out.append((row[FIRM_ID], Evidence(metrics=metrics, practices=practices),
                    row[CAPACITY_COLUMN]))
    return out


def disagreements(catalog: Catalog, bulk: pl.DataFrame, single: list[FirmEvaluation]) -> int:
    """Firms whose bulk row differs from the single-firm evaluation in any verdict."""
    count = 0
    for row, ev in zip(bulk.iter_rows(named=True), single, strict=True):
        want = {NEXT_SEGMENT_COLUMN: ev.next_segment.segment if ev.next_segment else None}
        for lad in ev.ladders:
            want[level_column(lad.ladder)] = lad.attained
            want[status_column(lad.ladder)] = str(lad.status)
            want[next_level_column(lad.ladder)] = lad.next_level
        for seg in ev.segments:
            want[segment_column(seg.segment)] = str(seg.status)
        count += any(row[k] != v for k, v in want.items()) or row[FIRM_ID] != ev.firm_id
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="bulk runs; the median counts")
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()

    catalog = load_catalog()
    assert any(m.direction is Direction.LOWER for m in catalog.metrics)
    stale = DEFAULT_STALE_AFTER_DAYS
    t0 = time.perf_counter()
    wide = make_wide(catalog, args.firms, args.seed)
    print(f"generated {wide.height:,} firms x {len(catalog.metrics)} metrics x "
          f"{len(catalog.practices)} practices ({wide.width} columns) in "
          f"{time.perf_counter() - t0:.1f} s (not timed)")

    evaluate_bulk(catalog, wide.head(1000), ON, stale)  # warm-up: thread pool, allocator
    gc.collect()
    gc.disable()  # as timeit does: both timings exclude Python's cyclic garbage collector
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = evaluate_bulk(catalog, wide, ON, stale)
        times.append(time.perf_counter() - t0)
    figure = statistics.median(times)
    print(f"evaluate_bulk, {args.firms:,} firms, {len(catalog.ladders)} ladders, "
          f"{len(catalog.segments)} segments: median {figure:.3f} s of {args.repeat} "
          f"(min {min(times):.3f}, max {max(times):.3f}); result {result.shape}")

    sample = wide.head(args.sample)
    objects = evidence_objects(catalog, sample)
    t0 = time.perf_counter()
    single = [evaluate_firm(catalog, firm_id, evidence, ON, monthly_capacity=capacity,
                            stale_after_days=stale)
              for firm_id, evidence, capacity in objects]
    baseline_sample = time.perf_counter() - t0
    gc.enable()
    baseline = baseline_sample * args.firms / len(objects)
    print(f"per-firm loop over evaluate_firm, {len(objects):,} firms: {baseline_sample:.3f} s "
          f"-> {baseline:.1f} s extrapolated to {args.firms:,}")
    print(f"speed-up: {baseline / figure:.0f}x")
    disagree = disagreements(catalog, result.head(len(single)), single)
    print(f"bulk and single-firm results disagree on {disagree} of {len(single):,} sample firms")
    print(json.dumps({
        "benchmark": "ladder_eval", "firms": args.firms, "sample": len(objects),
        "figure_s": round(figure, 4), "bulk_runs_s": [round(t, 4) for t in times],
        "baseline_sample_s": round(baseline_sample, 4), "baseline_s": round(baseline, 2),
        "ratio": round(baseline / figure, 1), "sample_disagreements": disagree,
        "polars": pl.__version__,
        "polars_threads": pl.thread_pool_size(), "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
