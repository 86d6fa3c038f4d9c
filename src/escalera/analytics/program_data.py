"""From the registry's observations to what the program estimators read: the firm × quarter
panel of ladder metrics, the baseline table for matching, and the inputs of the minimum
detectable effect. Pure functions over Polars frames; nothing is filled in.

* Quarters are numbered ``year * 4 + quarter - 1`` so differences count quarters.
* A firm-quarter's value of a metric is the mean of that quarter's final observations of
  it; a quarter with none stays null (the estimator drops and counts it).
* A participant's cohort is the quarter it was admitted in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.analytics.program_panel import COHORT, FIRM_ID, PERIOD


def quarter_index(day: dt.date) -> int:
    """``year * 4 + quarter - 1``: consecutive quarters differ by one."""
    return day.year * 4 + (day.month - 1) // 3


def quarter_label(index: int) -> str:
    """``2026Q3`` for a quarter index."""
    return f"{index // 4}Q{index % 4 + 1}"


def metric_panel(observations: pl.DataFrame, cohorts: dict[str, dt.date],
                 controls: Sequence[str], metrics: Sequence[str], first: int, last: int
                 ) -> pl.DataFrame:
    """The panel of :mod:`program_panel`: every firm × every quarter from ``first`` to
    ``last``, one column per metric (null where not observed), ``cohort`` the admission
    quarter of participants and null for the comparison firms."""
    firms = sorted(set(cohorts) | set(controls))
    grid = pl.DataFrame({FIRM_ID: firms}).join(
        pl.DataFrame({PERIOD: list(range(first, last + 1))}, schema={PERIOD: pl.Int64}),
        how="cross")
    values = (
        observations
        .filter(pl.col("kind") == "metric", pl.col("item").is_in(list(metrics)),
                pl.col(FIRM_ID).is_in(firms))
        .with_columns((pl.col("observed_on").dt.year().cast(pl.Int64) * 4
                       + (pl.col("observed_on").dt.month().cast(pl.Int64) - 1) // 3)
                      .alias(PERIOD))
        .group_by(FIRM_ID, PERIOD, "item").agg(pl.col("value").mean())
    )
    wide = (values.pivot("item", index=[FIRM_ID, PERIOD], values="value")
            if values.height else pl.DataFrame(schema={FIRM_ID: pl.String, PERIOD: pl.Int64}))
    panel = grid.join(wide, on=[FIRM_ID, PERIOD], how="left")
    for metric in metrics:
        if metric not in panel.columns:
            panel = panel.with_columns(pl.lit(None, pl.Float64).alias(metric))
    cohort = pl.DataFrame({FIRM_ID: list(cohorts),
                           COHORT: [quarter_index(d) for d in cohorts.values()]},
                          schema={FIRM_ID: pl.String, COHORT: pl.Int64})
    return (panel.join(cohort, on=FIRM_ID, how="left")
            .select(FIRM_ID, PERIOD, *metrics, COHORT).sort(FIRM_ID, PERIOD))


@dataclass(frozen=True)
class PowerInputs:
    """What :func:`~escalera.analytics.program_power.judge_program_size` needs, read from
    the panel: the outcome's spread and within-firm correlation among untreated
    firm-quarters, the participants' mean before entry, and the typical number of observed
    quarters before and after entry per participant."""

    sd: float
    rho: float
    baseline_mean: float | None
    pre_periods: int
    post_periods: int


def power_inputs(panel: pl.DataFrame, metric: str) -> PowerInputs | None:
    """None when the panel has too few untreated observations to say."""
    frame = panel.select(FIRM_ID, PERIOD, COHORT, pl.col(metric).cast(pl.Float64).alias("y")
                         ).drop_nulls("y")
    untreated = frame.filter(pl.col(COHORT).is_null() | (pl.col(PERIOD) < pl.col(COHORT)))
    if untreated.height < 3:
        return None
    y = untreated.get_column("y").to_numpy()
    total = float(np.var(y, ddof=1))
    if not total > 0:
        return None
    firm_means = untreated.group_by(FIRM_ID).agg(pl.col("y").mean()).get_column("y").to_numpy()
    between = float(np.var(firm_means, ddof=1)) if firm_means.size > 1 else 0.0
    rho = min(max(between / total, 0.0), 0.95)
    treated = frame.filter(pl.col(COHORT).is_not_null())
    before = treated.filter(pl.col(PERIOD) < pl.col(COHORT))
    after = treated.filter(pl.col(PERIOD) >= pl.col(COHORT))

    def typical(part: pl.DataFrame) -> int:
        if part.is_empty():
            return 1
        counts = part.group_by(FIRM_ID).len().get_column("len").to_numpy()
        return max(1, int(np.median(counts)))

    base = before.get_column("y").mean()
    return PowerInputs(sd=float(np.sqrt(total)), rho=rho,
                       baseline_mean=float(base) if isinstance(base, float) else None,
                       pre_periods=typical(before), post_periods=typical(after))
