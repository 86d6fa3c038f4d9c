"""Certificates for many firms at once: the rules of ``domain.certificates`` column-wise.

Same rules (ADR 0003), same evaluator: every distinct date with a final observation is
judged by :func:`~escalera.analytics.bulk_evaluation.evaluate_bulk` for the firms observed
that day (a loop over dates, never over firms). Because renewal restarts validity from the
latest earning, a run of validity breaks exactly where an earning comes after the previous
earning's ``valid_until``; so runs, and the status on a query date, follow from consecutive
earnings alone. Tests prove agreement with the single-firm derivation.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from escalera.analytics.bulk_evaluation import (
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS

EARNINGS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    FIRM_ID: pl.String, "ladder": pl.String, "level": pl.String, "level_index": pl.Int64,
    "months": pl.Int64, "on": pl.Date,
}


def _judgeable(catalog: Catalog, day: dt.date) -> Catalog:
    """The catalog's ladders whose every level has a version in force on ``day``."""
    ladders = tuple(ladder for ladder in catalog.ladders
                    if all(any(v.in_force(day) for v in lv.versions) for lv in ladder.levels))
    return catalog.model_copy(update={"ladders": ladders, "segments": ()})


def earnings_frame(catalog: Catalog, observations: pl.DataFrame, until: dt.date,
                   stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> pl.DataFrame:
    """One row per (firm, ladder, level, date) on which the evaluator found the level attained.

    ``observations`` is the long frame of ``store.evidence.observations_frame``.
    """
    known = observations.filter(pl.col("observed_on") <= until)
    parts: list[pl.DataFrame] = []
    for day in known.get_column("observed_on").unique().sort().to_list():
        sub = _judgeable(catalog, day)
        if not sub.ladders:
            continue
        firms = known.filter(pl.col("observed_on") == day).select(FIRM_ID).unique()
        evidence = latest_evidence_frame(known.join(firms, on=FIRM_ID, how="semi"), day)
        judged = evaluate_bulk(sub, evidence, day, stale_after_days)
        for ladder in sub.ladders:
            attained = judged.select(
                FIRM_ID, pl.col(level_column(ladder.id)).to_physical().cast(pl.Int64)
                .alias("top")).drop_nulls("top")
            levels = pl.DataFrame({
                "ladder": [ladder.id] * len(ladder.levels),
                "level": [lv.id for lv in ladder.levels],
                "level_index": list(range(len(ladder.levels))),
                "months": [lv.certificate_months for lv in ladder.levels],
            }, schema={k: EARNINGS_SCHEMA[k] for k in ("ladder", "level", "level_index",
                                                          "months")})
            parts.append(attained.join(levels, how="cross")
                         .filter(pl.col("level_index") <= pl.col("top"))
                         .select(FIRM_ID, "ladder", "level", "level_index", "months",
                                 pl.lit(day, dtype=pl.Date).alias("on")))
    if not parts:
        return pl.DataFrame(schema=EARNINGS_SCHEMA)
    return pl.concat(parts).sort(FIRM_ID, "ladder", "level_index", "on")


def _valid_until(on: pl.Expr, months: pl.Expr) -> pl.Expr:
    """``add_months(on, months) - 1 day`` (Polars clamps to the end of a shorter month)."""
    return on.dt.offset_by(pl.format("{}mo", months)).dt.offset_by("-1d")


def certificates_frame(earnings: pl.DataFrame) -> pl.DataFrame:
    """One row per certificate: firm_id, ladder, level, level_index, issued_on, last_earned_on,
    valid_until, earnings (how many dates earned or renewed it)."""
    keys = [FIRM_ID, "ladder", "level"]
    runs = earnings.sort(*keys, "on").with_columns(
        previous_until=_valid_until(pl.col("on"), pl.col("months")).shift(1).over(keys))
    runs = runs.with_columns(
        run=(pl.col("previous_until").is_null() | (pl.col("on") > pl.col("previous_until")))
        .cum_sum().over(keys))
    return (runs.group_by(*keys, "level_index", "run", maintain_order=True)
            .agg(issued_on=pl.col("on").first(), last_earned_on=pl.col("on").last(),
                 months=pl.col("months").first(), earnings=pl.len())
            .with_columns(valid_until=_valid_until(pl.col("last_earned_on"), pl.col("months")))
            .drop("run", "months"))


def certification_frame(catalog: Catalog, certificates: pl.DataFrame,
                        on: dt.date) -> pl.DataFrame:
    """Per firm with any certificate and per ladder: ``certified_level`` (null when none)
    and ``expired_levels`` (list), as ``domain.certificates.certification_on`` reads them."""
    known = certificates.filter(pl.col("issued_on") <= on).with_columns(
        valid=pl.col("valid_until") >= on)
    per_level = known.group_by(FIRM_ID, "ladder", "level", "level_index").agg(
        pl.col("valid").any())
    parts: list[pl.DataFrame] = []
    for ladder in catalog.ladders:
        mine = per_level.filter(pl.col("ladder") == ladder.id)
        # Certified: the unbroken run of valid levels from the bottom.
        broken = (mine.filter(pl.col("valid")).sort(FIRM_ID, "level_index")
                  .with_columns(step=pl.int_range(pl.len()).over(FIRM_ID))
                  .filter(pl.col("step") == pl.col("level_index"))
                  .group_by(FIRM_ID).agg(pl.col("level_index").max().alias("top")))
        names = {i: lv.id for i, lv in enumerate(ladder.levels)}
        expired = (mine.filter(~pl.col("valid")).sort(FIRM_ID, "level_index")
                   .group_by(FIRM_ID, maintain_order=True)
                   .agg(pl.col("level").alias("expired_levels")))
        firms = mine.select(FIRM_ID).unique()
        parts.append(
            firms.join(broken, on=FIRM_ID, how="left").join(expired, on=FIRM_ID, how="left")
            .select(FIRM_ID, pl.lit(ladder.id).alias("ladder"),
                    pl.col("top").replace_strict(names, default=None, return_dtype=pl.String)
                    .alias("certified_level"),
                    pl.col("expired_levels").fill_null([])))
    if not parts:
        return pl.DataFrame(schema={FIRM_ID: pl.String, "ladder": pl.String,
                                    "certified_level": pl.String,
                                    "expired_levels": pl.List(pl.String)})
    return pl.concat(parts).sort(FIRM_ID, "ladder")
