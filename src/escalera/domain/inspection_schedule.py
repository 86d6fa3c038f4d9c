"""Which producer streams (a producer and one of its products) to inspect next: a weighted
random draw, so producers cannot predict the visit, leaning on risk. Columnar and pure.

Weight of a stream = severity factor x (1 + lots not accepted lately) x (1 + days since its
last inspection / 90), the days capped at a year and a never-inspected stream counted as a
year. Severity factors: tightened 3, normal 1, reduced 0.5; discontinued streams are not
drawn (they wait for corrective action) and are listed apart by the caller.

The draw is weighted sampling without replacement (Efraimidis and Spirakis, 2006: each
stream gets the key ``log(u) / weight`` with ``u`` uniform, the ``count`` largest keys
win), over the candidates sorted by firm and product, so the same seed and the same data
give the same list.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from escalera.domain.sampling import Severity

SEVERITY_FACTOR: dict[str, float] = {Severity.TIGHTENED: 3.0, Severity.NORMAL: 1.0,
                                     Severity.REDUCED: 0.5}
RECENT_DAYS = 180  # "lately": lots not accepted in the last six months
DAYS_SCALE = 90.0
DAYS_CAP = 365

CANDIDATE_SCHEMA = {"firm_id": pl.String, "product": pl.String, "severity": pl.String,
                    "recent_not_accepted": pl.Int64, "last_inspected": pl.Date}


def weigh(candidates: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    """``candidates`` (see ``CANDIDATE_SCHEMA``; ``last_inspected`` null when never) with
    ``days_since`` and ``weight``; discontinued streams dropped."""
    days = (pl.lit(on) - pl.col("last_inspected")).dt.total_days()
    factor = pl.col("severity").replace_strict(SEVERITY_FACTOR, default=None,
                                               return_dtype=pl.Float64)
    return (candidates
            .filter(pl.col("severity") != str(Severity.DISCONTINUED))
            .with_columns(days_since=days.fill_null(DAYS_CAP).clip(0, DAYS_CAP).cast(pl.Int64))
            .with_columns(weight=factor * (1 + pl.col("recent_not_accepted"))
                          * (1 + pl.col("days_since") / DAYS_SCALE)))


def draw(candidates: pl.DataFrame, on: dt.date, count: int, seed: int) -> pl.DataFrame:
    """The ``count`` streams to inspect, most urgent key first, with their weight and their
    share of the total weight (the chance of being first)."""
    weighed = weigh(candidates, on).sort("firm_id", "product")
    if weighed.is_empty() or count <= 0:
        return weighed.with_columns(share=pl.lit(0.0)).head(0)
    rng = np.random.default_rng(seed)
    uniform = rng.random(weighed.height)
    keys = np.log(np.where(uniform > 0, uniform, np.finfo(float).tiny)) / weighed["weight"]
    total = float(weighed["weight"].sum())
    return (weighed.with_columns(key=pl.Series(keys), share=pl.col("weight") / total)
            .sort("key", descending=True).head(count).drop("key"))
