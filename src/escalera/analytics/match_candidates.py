"""Which producers can take part in an order, and why the others cannot. Columnar.

For one order, every producer that makes the product is screened at once (Polars): its
attained level on the order's ladder (from the one evaluator, computed by the caller with
``evaluate_bulk`` at the order date) against the required level; its order-to-delivery time
(``domain.delivery``: its own lead time or production cycle, plus transit to the
destination) against the order window and the segment's lead time; and its capacity left in
the months of the order window after the orders it already holds. A producer passing all of
them is *eligible*; the rest keep their reasons, which the explanations quote.

The profile frame (one row per producer) has: firm_id, name, state, products (list),
employees, monthly_capacity, working_capital, lat, lon, and per evaluation: ``rank``
(attained level rank on the order's ladder, 0 below the first level or not assessed),
``lead`` / ``turnaround`` / ``efficiency`` (fresh evidence values or null).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from escalera.domain.delivery import (
    TRANSPORT_PER_UNIT_KM,
    month_shares,
    price_factor,
    production_days,
    road_km_many,
    transit_from_km,
)
from escalera.domain.orders import Order

SMALL_EMPLOYEES = 50  # micro and small manufacturers (up to 50 workers)

REASONS = ("level", "lead_time", "capacity_unknown", "no_capacity_left")


def order_load(order: Order) -> dict[str, float]:
    """The share of an order's units made in each month of its window."""
    return month_shares(order.order_date, order.due_date)


def month_loads(windows: pl.DataFrame, first: dt.date, last: dt.date) -> pl.DataFrame:
    """Columnar :func:`~escalera.domain.delivery.month_shares` of many windows (``key``,
    ``start``, ``end``), only for the months ``first`` .. ``last`` (key, bucket, share).

    A window's share of a month is its days in the month over its days in all; a window of
    no days is all in its first month. Only months a window spans inside ``first`` ..
    ``last`` get a row, so the rows are bounded by the windows within that span, however
    far a window's end may lie."""
    lo, hi = first.replace(day=1), last
    spans = (windows.select(
        "key", pl.col("start").cast(pl.Date),
        pl.max_horizontal(pl.col("end").cast(pl.Date),
                          pl.col("start").cast(pl.Date) + pl.duration(days=1)).alias("end"))
        .with_columns(total=(pl.col("end") - pl.col("start")).dt.total_days(),
                      since=pl.max_horizontal("start", pl.lit(lo)),
                      until=pl.min_horizontal("end", pl.lit(hi + dt.timedelta(days=1))))
        .filter(pl.col("since") < pl.col("until")))
    months = (spans.with_columns(bucket=pl.date_ranges(
        pl.col("since").dt.month_start(), pl.col("until") - pl.duration(days=1),
        interval="1mo")).explode("bucket"))
    inside = (pl.min_horizontal("end", pl.col("bucket").dt.offset_by("1mo"))
              - pl.max_horizontal("start", "bucket")).dt.total_days()
    return months.select("key", pl.col("bucket").dt.strftime("%Y-%m"),
                         share=inside.cast(pl.Float64) / pl.col("total"))


def committed_load(committed: pl.DataFrame, buckets: list[str]) -> pl.DataFrame:
    """Units held per producer and month by accepted allocations (firm_id, bucket, units),
    in the months ``buckets`` ("YYYY-MM") only: those the orders of a run span. The rows are
    at most the allocations times those months, however far an accepted window reaches."""
    months = pl.DataFrame({"bucket": sorted(set(buckets))}, schema={"bucket": pl.String})
    months = months.with_columns(first=(pl.col("bucket") + "-01").str.to_date("%Y-%m-%d"))
    spans = committed.select(
        "firm_id", pl.col("units").cast(pl.Float64), pl.col("order_date").alias("start"),
        pl.max_horizontal("due_date", pl.col("order_date") + pl.duration(days=1))
        .alias("end"))
    inside = (pl.min_horizontal("end", pl.col("first").dt.offset_by("1mo"))
              - pl.max_horizontal("start", "first")).dt.total_days()
    total = (pl.col("end") - pl.col("start")).dt.total_days()
    return (spans.join(months, how="cross")
            .with_columns(share=inside.cast(pl.Float64) / total)
            .filter(pl.col("share") > 0)
            .group_by("firm_id", "bucket")
            .agg((pl.col("units") * pl.col("share")).sum().alias("units"))
            .select("firm_id", "bucket", "units"))


def screen(order: Order, required_rank: int, top_rank: int, allowed_days: int,
           profiles: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """Every producer making ``order.product``, with eligibility and reasons.

    Columns added: delivery_days, measured (own lead time known), transit_days, level_ok,
    lead_ok, free_units (most it can make for this order), eligible, unit_cost, margin,
    small, adhoc_ok, reason (first failing check, null when eligible).
    """
    makers = profiles.filter(pl.col("products").list.contains(order.product))
    if makers.is_empty():
        return makers.with_columns(
            *(pl.lit(None, dtype).alias(name) for name, dtype in _ADDED.items()))
    road = road_km_many(makers["lat"].to_numpy().astype(float),
                        makers["lon"].to_numpy().astype(float), order.destination)
    if road is None:
        km = np.full(makers.height, np.nan)
        abroad = False
    else:
        km, abroad = road
    transit = transit_from_km(km, abroad)
    production, measured = production_days(makers["lead"].to_numpy().astype(float),
                                           makers["turnaround"].to_numpy().astype(float))
    delivery = production + np.nan_to_num(transit, nan=0.0)
    price = order.unit_price * price_factor(makers["efficiency"].to_numpy().astype(float))
    transport = TRANSPORT_PER_UNIT_KM * np.nan_to_num(km, nan=0.0)
    frame = makers.with_columns(
        delivery_days=pl.Series(delivery).cast(pl.Int64),
        measured=pl.Series(measured),
        transit_days=pl.Series(transit).fill_nan(None).cast(pl.Int64),
        unit_cost=pl.Series(np.round(price + transport, 2)),
    )
    free = _free_units(order, frame.select("firm_id", "monthly_capacity"), held)
    span = max(top_rank - required_rank, 1)
    region_ok = (pl.col("state").is_in(list(order.pool_regions)) if order.pool_regions
                 else pl.lit(True))
    frame = frame.join(free, on="firm_id", how="left").with_columns(
        level_ok=pl.col("rank") >= required_rank,
        lead_ok=pl.col("delivery_days") <= allowed_days,
        margin=((pl.col("rank") - required_rank).clip(0) / span).clip(0, 1).cast(pl.Float64),
        small=pl.col("employees").fill_null(0) <= SMALL_EMPLOYEES,
    )
    reason = (pl.when(~pl.col("level_ok")).then(pl.lit("level"))
              .when(~pl.col("lead_ok")).then(pl.lit("lead_time"))
              .when(pl.col("monthly_capacity").is_null()).then(pl.lit("capacity_unknown"))
              .when(pl.col("free_units").fill_null(0) <= 0).then(pl.lit("no_capacity_left"))
              .otherwise(pl.lit(None, pl.String)))
    return frame.with_columns(reason=reason).with_columns(
        eligible=pl.col("reason").is_null(),
        adhoc_ok=pl.lit(order.max_pool_members > 0) & region_ok,
        free_units=pl.col("free_units").fill_null(0),
    )


_ADDED: dict[str, pl.DataType] = {
    "delivery_days": pl.Int64(), "measured": pl.Boolean(), "transit_days": pl.Int64(),
    "unit_cost": pl.Float64(), "free_units": pl.Int64(), "level_ok": pl.Boolean(),
    "lead_ok": pl.Boolean(), "margin": pl.Float64(), "small": pl.Boolean(),
    "reason": pl.String(), "eligible": pl.Boolean(), "adhoc_ok": pl.Boolean(),
}


def _free_units(order: Order, capacity: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """The most each producer can make for ``order``: in every month of the window, its
    monthly capacity less what it holds, divided by the share of the order made that
    month; the smallest over the months."""
    load = order_load(order)
    months = pl.DataFrame({"bucket": list(load), "share": list(load.values())})
    grid = (capacity.join(months, how="cross")
            .join(held, on=["firm_id", "bucket"], how="left")
            .with_columns(left=(pl.col("monthly_capacity").cast(pl.Float64)
                                - pl.col("units").fill_null(0.0)).clip(0)))
    per = grid.group_by("firm_id").agg(
        (pl.col("left") / pl.col("share")).min().alias("most"))
    return per.select("firm_id", free_units=pl.col("most").floor().cast(pl.Int64))


def bucket_capacity(profiles: pl.DataFrame, held: pl.DataFrame,
                    needed: pl.DataFrame) -> pl.DataFrame:
    """Free units per producer and month (producer_id, bucket, free_units) for the solver,
    for the (producer_id, bucket) pairs ``needed`` only: a candidate's producer in the months
    its order spans. So the rows are bounded by candidates times months in windows."""
    return (needed.select("producer_id", "bucket").unique()
            .join(profiles.select(producer_id="firm_id", capacity="monthly_capacity")
                  .filter(pl.col("capacity").is_not_null()), on="producer_id")
            .join(held.rename({"firm_id": "producer_id"}), on=["producer_id", "bucket"],
                  how="left")
            .select("producer_id", "bucket",
                    free_units=(pl.col("capacity").cast(pl.Float64)
                                - pl.col("units").fill_null(0.0)).clip(0).floor()
                    .cast(pl.Int64))
            .sort("producer_id", "bucket"))
