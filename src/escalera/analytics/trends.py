"""Trends, the "continuous improvement" view: how firms move up a ladder and how a peer
group's metrics change from quarter to quarter.

* :func:`transition_matrix` — each firm's standing on a ladder at two dates (the bulk
  evaluator's attained level, else ``below_first_level`` / ``not_assessed``), cross-tabulated:
  firms per (from, to) and each cell's share of its *from* row.
* :func:`climb_times` — per step of a ladder, the median months firms took to climb it: the
  months between the first month-end at which a firm stood at least on level N and the first
  at which it stood at least on N+1, for firms seen at N before N+1 (a firm that skipped N
  does not count for that step; "below the first level" is the step under the first level).
  Standings are judged at every month-end from the first observation on, so the figure is
  to the month.
* :func:`metric_trend` — a metric's benchmark per peer group and quarter, with the change of
  the median from the previous quarter shown for the same group.

Every output passes through :mod:`escalera.analytics.confidentiality`: groups under k firms
are left out with their complementary cells
(:func:`~escalera.analytics.confidentiality.suppress_cells`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl

from escalera.analytics.benchmarks import ITEM, benchmark
from escalera.analytics.bulk_evaluation import (
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    status_column,
)
from escalera.analytics.confidentiality import GROUP_SIZE, Hidden, suppress, suppress_cells
from escalera.analytics.peer_groups import FIRM_ID, PERIOD, Window
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import LadderStatus
from escalera.domain.measures import Direction

FROM, TO, FIRMS, SHARE = "from", "to", "firms", "share"
_ALL = "__all"


def standings_order(catalog: Catalog, ladder_id: str) -> list[str]:
    """Rows and columns of a transition matrix: not assessed, below the first level, levels."""
    return [str(LadderStatus.NOT_ASSESSED), str(LadderStatus.BELOW_FIRST_LEVEL),
            *[lv.id for lv in catalog.ladder(ladder_id).levels]]


def standing(catalog: Catalog, ladder_id: str, observations: pl.DataFrame,
             firms: pl.DataFrame, on: dt.date, stale_after_days: int) -> pl.DataFrame:
    """``firm_id, standing`` for every firm of ``firms``: its level on ``on``, else status."""
    wide = latest_evidence_frame(observations, on)
    frame = firms.select(FIRM_ID).join(wide, on=FIRM_ID, how="left", maintain_order="left")
    judged = evaluate_bulk(catalog, frame, on, stale_after_days)
    return judged.select(FIRM_ID, pl.coalesce(
        pl.col(level_column(ladder_id)),
        pl.col(status_column(ladder_id)).cast(pl.String)).alias("standing"))


def _shown_groups(groups: pl.DataFrame, by: Sequence[str],
                  min_group_size: int) -> tuple[pl.DataFrame, list[str], Hidden]:
    """Group keys (plus ``n``) of the groups large enough to show, and what was hidden."""
    keys = list(by) or [_ALL]
    sizes = (groups.with_columns(pl.lit(True).alias(_ALL)).group_by(keys).len(GROUP_SIZE)
             .sort(keys))
    shown, hidden = suppress_cells(sizes, min_group_size, list(by))
    return shown, keys, hidden


def transition_matrix(catalog: Catalog, ladder_id: str, observations: pl.DataFrame,
                      groups: pl.DataFrame, by: Sequence[str], start: dt.date, end: dt.date,
                      stale_after_days: int, min_group_size: int
                      ) -> tuple[pl.DataFrame, Hidden]:
    """Firms per (group, from, to) standing between ``start`` and ``end``, with row shares.

    ``groups`` is ``peer_groups.firm_groups`` of the firms followed; a group of fewer than
    ``min_group_size`` firms is left out entirely. Columns: the ``by`` keys, ``n`` (firms in
    the group), ``from``, ``to``, ``firms``, ``share`` (of the ``from`` row).
    """
    before = standing(catalog, ladder_id, observations, groups, start, stale_after_days)
    after = standing(catalog, ladder_id, observations, groups, end, stale_after_days)
    shown, keys, hidden = _shown_groups(groups, by, min_group_size)
    moves = (
        groups.with_columns(pl.lit(True).alias(_ALL))
        .join(before.rename({"standing": FROM}), on=FIRM_ID)
        .join(after.rename({"standing": TO}), on=FIRM_ID)
        .join(shown, on=keys, how="inner")
        .group_by(*keys, GROUP_SIZE, FROM, TO).len(FIRMS)
        .with_columns((pl.col(FIRMS) / pl.col(FIRMS).sum().over(*keys, FROM)).alias(SHARE))
    )
    order = {s: i for i, s in enumerate(standings_order(catalog, ladder_id))}
    moves = moves.sort(*keys, pl.col(FROM).replace_strict(order, return_dtype=pl.Int32),
                       pl.col(TO).replace_strict(order, return_dtype=pl.Int32))
    return moves.drop(_ALL, strict=False), hidden


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    ends: list[dt.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1)
        ends.append(min(nxt - dt.timedelta(days=1), last))
        year, month = nxt.year, nxt.month
    return ends


def climb_times(catalog: Catalog, ladder_id: str, observations: pl.DataFrame,
                groups: pl.DataFrame, until: dt.date, stale_after_days: int,
                min_group_size: int) -> tuple[pl.DataFrame, Hidden]:
    """Per step of the ladder: firms that climbed it and the median months they took.

    Columns ``from``, ``to``, ``n`` (firms that climbed the step), ``median_months``; a step
    climbed by fewer than ``min_group_size`` firms is left out. One bulk evaluation per
    month-end between the first observation and ``until`` (not one per firm).
    """
    levels = [lv.id for lv in catalog.ladder(ladder_id).levels]
    steps = [str(LadderStatus.BELOW_FIRST_LEVEL), *levels]
    empty = pl.DataFrame(schema={FROM: pl.String, TO: pl.String, GROUP_SIZE: pl.UInt32,
                                 "median_months": pl.Float64})
    known = observations.filter(pl.col("observed_on") <= until)
    if known.is_empty():
        return empty, Hidden()
    index = {s: i - 1 for i, s in enumerate(steps)}  # below first level = -1, levels 0..
    earliest = known.get_column("observed_on").min()
    assert isinstance(earliest, dt.date)
    frames = []
    for month, day in enumerate(_month_ends(earliest, until)):
        judged = standing(catalog, ladder_id, known, groups, day, stale_after_days)
        frames.append(judged.select(
            FIRM_ID, pl.lit(month).alias("month"),
            pl.col("standing").replace_strict(index, default=None,
                                              return_dtype=pl.Int32).alias("step")))
    history = pl.concat(frames).drop_nulls("step")
    first = history.group_by(FIRM_ID).agg(
        [pl.col("month").filter(pl.col("step") >= i - 1).min().alias(str(i))
         for i in range(len(steps))])
    rows = pl.concat([
        first.select(pl.lit(steps[i - 1]).alias(FROM), pl.lit(steps[i]).alias(TO),
                     (pl.col(str(i)) - pl.col(str(i - 1))).alias("months"))
        for i in range(1, len(steps))
    ]).filter(pl.col("months") > 0)
    table = (rows.group_by(FROM, TO, maintain_order=True)
             .agg(pl.len().alias(GROUP_SIZE),
                  pl.col("months").cast(pl.Float64).median().alias("median_months")))
    order = {s: i for i, s in enumerate(steps)}
    table = table.sort(pl.col(FROM).replace_strict(order, return_dtype=pl.Int32))
    return suppress(table, min_group_size)


def metric_trend(observations: pl.DataFrame, groups: pl.DataFrame, metric: str,
                 direction: Direction, by: Sequence[str], until: dt.date,
                 min_group_size: int,
                 bounds: Mapping[str, tuple[float | None, float | None]] | None = None
                 ) -> tuple[pl.DataFrame, Hidden]:
    """A metric's statistics per peer group and quarter up to ``until``, suppressed, with
    ``change`` (median minus the median of the group's previous *shown* quarter) and
    ``improvement`` (the change signed so that positive is better)."""
    keys = [d for d in by if d != PERIOD]
    window = Window("all", dt.date.min, until)
    result = benchmark(observations, groups, {metric: direction}, [*keys, PERIOD], window,
                       min_group_size, bounds=bounds)
    sign = 1.0 if direction is Direction.HIGHER else -1.0
    over = [*keys, ITEM]
    stats = result.stats.sort(*over, PERIOD).with_columns(
        pl.col(PERIOD).shift(1).over(over).alias("previous_period"),
        pl.col("median").diff().over(over).alias("change"),
    ).with_columns((pl.col("change") * sign).alias("improvement"))
    return stats, result.hidden


def directions_of(catalog: Catalog, metrics: Sequence[str]) -> Mapping[str, Direction]:
    """``{metric: direction}`` for the metrics named (KeyError when unknown)."""
    return {m: catalog.metric(m).direction for m in metrics}
