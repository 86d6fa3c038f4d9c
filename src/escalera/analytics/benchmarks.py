"""Benchmarks: the distribution of each metric and practice across peer groups, columnar.

For every peer group (see :mod:`escalera.analytics.peer_groups`) and metric:

* ``n`` — firms with a value in the window (each firm counts once: its latest value);
* ``p10``, ``p25``, ``median``, ``p75``, ``p90`` — percentiles by **linear interpolation**
  between the two nearest ranks, NumPy's default (``numpy.percentile(..., method="linear")``:
  the q-th percentile of n sorted values sits at position ``q * (n - 1)``);
* ``best`` — best practice, the top decile in the metric's better direction: ``p90`` when
  higher is better, ``p10`` when lower is better;
* ``prevailing`` — prevailing practice, the median;
* ``gap`` — how far prevailing practice trails best practice, in the metric's unit and never
  negative: ``best - prevailing`` (higher is better) or ``prevailing - best`` (lower).

A firm's **percentile rank** in its group is the share of the *other* firms in the group whose
value it equals or beats, in the better direction, as a percentage: ``100 * (firms with a
value no better than its own - 1) / (n - 1)``. The best firm scores 100, the worst 0; ties
score alike.

For practices, per group: ``n`` and the share of firms at each maturity 0-3
(``share_0``..``share_3``, fractions summing to 1) and the median maturity.

Every table leaves this module only through the disclosure rules of
:mod:`escalera.analytics.confidentiality`: groups under k firms and their complementary
cells are dropped, with every firm's position in them; percentiles are published only where
they cannot pin down a member (see :func:`~escalera.analytics.confidentiality.publication_ranks`)
and, for readings at a month end, only groups whose last change involved k firms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.analytics.confidentiality import (
    GROUP_SIZE,
    PERCENTILES,
    Hidden,
    hidden_cells,
    publication_ranks,
    published_median,
    settle_since,
    settled_groups,
    suppress_cells,
    withhold_percentiles,
    withhold_shares,
)
from escalera.analytics.peer_groups import FIRM_ID, PERIOD, Window, quarter
from escalera.domain.measures import Direction

ITEM = "item"
VALUE = "value"
OBSERVED_ON = "observed_on"
DIRECTION = "direction"
RANK = "percentile_rank"
QUANTILES = PERCENTILES
STAT_COLUMNS = ("n", *QUANTILES, "best", "prevailing", "gap")
MATURITIES = (0, 1, 2, 3)


def share_column(maturity: int) -> str:
    """Practice table column: the share of firms at ``maturity``."""
    return f"share_{maturity}"


def latest_values(observations: pl.DataFrame | pl.LazyFrame, kind: str, items: Sequence[str],
                  window: Window, per_period: bool = False) -> pl.DataFrame:
    """Each firm's latest value of each item observed in ``window`` (per quarter when
    ``per_period``): ``firm_id, item[, period], value, observed_on``.

    ``observations`` is the long frame of ``store.evidence.observations_frame``. Ties on the
    date go to the larger assessment id, as in the evaluator; NaN values are left out.
    """
    keys = [FIRM_ID, ITEM, *([PERIOD] if per_period else [])]
    found = (
        observations.lazy()
        .filter(pl.col("kind") == kind, pl.col(ITEM).is_in(list(items)),
                pl.col(OBSERVED_ON).is_between(window.start, window.end),
                pl.col(VALUE).is_not_nan())
    )
    if per_period:
        found = found.with_columns(quarter(pl.col(OBSERVED_ON)).alias(PERIOD))
    return last_per_key(found.collect(), keys)


def _exact_latest(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The plain statement of "latest per key" (a group-by sorting each group)."""
    return frame.group_by(keys).agg(
        pl.col(VALUE).sort_by([OBSERVED_ON, "assessment_id"]).last(), pl.col(OBSERVED_ON).max())


def _boundary(keys: Sequence[str], step: int) -> pl.Expr:
    """True where the row's keys differ from the row ``step`` away (or there is none)."""
    differs = [(pl.col(k) != pl.col(k).shift(step)).fill_null(True) for k in keys]
    return pl.any_horizontal(differs)


def last_per_key(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The latest row (by date, then assessment id) of every combination of ``keys``.

    Same result as :func:`_exact_latest`, faster on millions of rows: one sort on a 64-bit
    hash of the keys and the date instead of a group-by with millions of small groups. Runs
    of equal keys are cut on the keys themselves, so a hash collision shows up as a repeated
    hash and the exact path is taken; the rare date ties are settled exactly as well.
    """
    columns = [*keys, VALUE, OBSERVED_ON]
    if frame.is_empty():
        return frame.select(columns)
    hashed = frame.with_columns(pl.struct(list(keys)).hash().alias("__h")).sort(
        "__h", OBSERVED_ON)
    last = _boundary([*keys, "__h"], -1)
    tie = last & ~_boundary([*keys, OBSERVED_ON], 1)
    marked = hashed.with_columns(last.alias("__last"), tie.alias("__tie"))
    tied = marked.filter("__tie").get_column("__h")
    latest = marked.filter(pl.col("__last") & ~pl.col("__tie")).select(*columns, "__h")
    if tied.len():
        settled = _exact_latest(marked.filter(pl.col("__h").is_in(tied.implode())), keys)
        latest = pl.concat([latest, settled.with_columns(
            pl.struct(list(keys)).hash().alias("__h")).select(latest.columns)])
    if latest.get_column("__h").n_unique() != latest.height:  # a hash collision
        return _exact_latest(frame, keys).select(columns)
    return latest.select(columns)


def _higher(directions: Mapping[str, Direction]) -> pl.Expr:
    higher = {item: d is Direction.HIGHER for item, d in directions.items()}
    return pl.col(ITEM).replace_strict(higher, return_dtype=pl.Boolean)


def _lerp(low: np.ndarray, high: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation written as NumPy's percentile writes it (same rounding)."""
    diff = high - low
    result: np.ndarray = np.where(t >= 0.5, high - diff * (1 - t), low + diff * t)
    return result


def practice_shares(grouped: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Per group and practice: n, the share of firms at each maturity 0-3, median maturity
    (as published: ``confidentiality.published_median``)."""
    keys = [*by, ITEM]
    level = pl.col(VALUE).round(0)
    return (
        grouped.group_by(keys)
        .agg(pl.len().alias(GROUP_SIZE),
             *[(level == m).mean().alias(share_column(m)) for m in MATURITIES],
             pl.col(VALUE).alias("__values"))
        .with_columns(pl.col("__values").map_elements(
            lambda v: published_median(v.to_numpy()), return_dtype=pl.Float64)
            .alias("median"))
        .drop("__values")
        .sort(keys)
    )


@dataclass(frozen=True)
class Benchmark:
    """Suppressed benchmark tables: group statistics and each firm's position.

    Positions are kept with integer codes (firm row, group, metric, quarter) and decoded to
    ids and names only when read: :attr:`positions` for all, :meth:`position` for one firm.
    """

    by: tuple[str, ...]
    window: Window
    min_group_size: int
    stats: pl.DataFrame
    hidden: Hidden
    _coded: pl.DataFrame
    _registry: pl.DataFrame
    _items: tuple[str, ...]

    def _decode(self, coded: pl.DataFrame) -> pl.DataFrame:
        firm_keys = [d for d in self.by if d != PERIOD]
        decoded = coded.join(self._registry.select("__row", FIRM_ID, *firm_keys), on="__row")
        columns: list[pl.Expr | str] = [
            FIRM_ID, *firm_keys,
            pl.col("__item").replace_strict(dict(enumerate(self._items)),
                                            return_dtype=pl.String).alias(ITEM)]
        if PERIOD in self.by:
            columns.append(_period_text(pl.col("__pc")).alias(PERIOD))
        columns += [VALUE, pl.col("__day").cast(pl.Date).alias(OBSERVED_ON), GROUP_SIZE, RANK]
        return decoded.select(columns)

    @property
    def ranked(self) -> int:
        """How many (firm, metric[, quarter]) positions were ranked (suppressed ones not)."""
        return self._coded.height

    @property
    def positions(self) -> pl.DataFrame:
        """Every firm's value, date, group size and percentile rank per metric (and quarter),
        with its group keys; firms of suppressed groups are absent."""
        return self._decode(self._coded).sort(FIRM_ID, ITEM)

    def position(self, firm_id: str) -> pl.DataFrame:
        """One firm's position per metric: its value, date and percentile rank next to its
        group's statistics (no row for a metric it lacks or whose group is suppressed)."""
        rows = self._registry.filter(pl.col(FIRM_ID) == firm_id).get_column("__row")
        mine = self._decode(self._coded.filter(pl.col("__row").is_in(rows.implode())))
        keys = [*self.by, ITEM]
        return mine.join(self.stats, on=keys, how="inner", suffix="_group").sort(ITEM)


def with_groups(values: pl.DataFrame, groups: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """``values`` with each firm's key on the firm dimensions in ``by`` (registry firms only)."""
    firm_keys = [d for d in by if d != PERIOD]
    return values.join(groups.select(FIRM_ID, *firm_keys), on=FIRM_ID, how="inner")


def _period_code(day: pl.Expr) -> pl.Expr:
    return (day.dt.year().cast(pl.Int64) * 4 + day.dt.quarter().cast(pl.Int64) - 1)


def _period_text(code: pl.Expr) -> pl.Expr:
    return pl.concat_str((code // 4).cast(pl.String), pl.lit("Q"),
                         (code % 4 + 1).cast(pl.String))


def _registry_codes(groups: pl.DataFrame, firm_keys: Sequence[str]) -> pl.DataFrame:
    """The registry with integer codes: ``__row`` (firm), ``__fh`` (hash of its id, checked
    unique) and ``__gc`` (its group on the firm dimensions)."""
    registry = groups.with_row_index("__row").with_columns(
        pl.col(FIRM_ID).hash().alias("__fh"))
    if registry.get_column("__fh").n_unique() != registry.height:  # pragma: no cover
        raise RuntimeError("two firm ids share a 64-bit hash")
    if not firm_keys:
        return registry.with_columns(pl.lit(0, dtype=pl.UInt32).alias("__gc"))
    codes = registry.select(firm_keys).unique().sort(firm_keys).with_row_index("__gc")
    return registry.join(codes, on=list(firm_keys), how="left", maintain_order="left")


_DAY_BITS, _ITEM_BITS = 17, 7


def _latest_coded(observations: pl.DataFrame | pl.LazyFrame, items: Sequence[str],
                  window: Window, registry: pl.DataFrame, per_period: bool,
                  kind: str = "metric") -> pl.DataFrame:
    """Each registry firm's latest value of each metric in ``window`` and quarter-coded
    period: ``__row, __gc, __item, __pc, __day, value`` (latest per firm, metric and
    quarter; the caller keeps the last quarter when periods are not wanted).

    One sort of a single 64-bit key (firm row, metric, day) instead of a group-by over
    millions of (firm, metric) groups; same-day ties go to the larger assessment id.
    """
    source = observations if isinstance(observations, pl.DataFrame) else observations.collect()
    coded = (
        source.lazy().with_row_index("__obs")
        .filter(pl.col("kind") == kind, pl.col(ITEM).is_in(list(items)),
                pl.col(OBSERVED_ON).is_between(window.start, window.end),
                pl.col(VALUE).is_not_nan())
        .select("__obs", pl.col(FIRM_ID).hash().alias("__fh"),
                pl.col(ITEM).cast(pl.Enum(list(items))).to_physical().cast(pl.UInt64)
                .alias("__item"),
                pl.col(OBSERVED_ON).cast(pl.Int32).alias("__day"), VALUE)
        .join(registry.lazy().select("__fh", "__row", "__gc"), on="__fh", how="inner")
        .collect()
    )
    if coded.is_empty():
        return pl.DataFrame(schema={"__row": pl.UInt32, "__gc": pl.UInt32, "__item": pl.UInt64,
                                    "__pc": pl.Int64, "__day": pl.Int32, VALUE: pl.Float64})
    first_day = int(coded.get_column("__day").min())  # type: ignore[arg-type]
    if (int(coded.get_column("__day").max()) - first_day >= 1 << _DAY_BITS  # type: ignore[arg-type]
            or len(items) >= 1 << _ITEM_BITS):  # pragma: no cover  (359 years, 128 metrics)
        raise RuntimeError("window or metric list too wide for the packed sort key")
    key = (pl.col("__row").cast(pl.UInt64) * (1 << (_DAY_BITS + _ITEM_BITS))
           + pl.col("__item") * (1 << _DAY_BITS) + (pl.col("__day") - first_day).cast(pl.UInt64))
    # Sort only what is needed: firm row, metric and day are read back from the key.
    ordered = coded.select(key.alias("__key"), "__gc", "__obs", VALUE).sort("__key")
    day = (pl.col("__key") % (1 << _DAY_BITS)).cast(pl.Int32) + first_day
    ordered = ordered.with_columns(day.alias("__day"))
    ordered = ordered.with_columns(_period_code(pl.col("__day").cast(pl.Date)).alias("__pc"))
    pair = pl.col("__key") // (1 << _DAY_BITS)
    last = pair != pair.shift(-1)
    if per_period:
        last = last | (pl.col("__pc") != pl.col("__pc").shift(-1))
    last = last.fill_null(True)
    tie = last & (pl.col("__key") == pl.col("__key").shift(1)).fill_null(False)
    marked = ordered.with_columns(last.alias("__last"), tie.alias("__tie"))
    latest = marked.filter(pl.col("__last") & ~pl.col("__tie"))
    tied_keys = marked.filter("__tie").get_column("__key")
    if tied_keys.len():  # same firm, metric and day: the larger assessment id wins
        tied = marked.filter(pl.col("__key").is_in(tied_keys.implode()))
        ids = source.get_column("assessment_id").gather(tied.get_column("__obs"))
        settled = (tied.with_columns(ids.alias("assessment_id"))
                   .sort("__key", "assessment_id").group_by("__key").last())
        latest = pl.concat([latest, settled.select(latest.columns)])
    return latest.select(
        (pl.col("__key") // (1 << (_DAY_BITS + _ITEM_BITS))).cast(pl.UInt32).alias("__row"),
        "__gc", (pl.col("__key") // (1 << _DAY_BITS) % (1 << _ITEM_BITS)).alias("__item"),
        "__pc", "__day", VALUE)


def _coded_statistics(latest: pl.DataFrame, higher: Sequence[bool], periods: bool
                      ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`group_statistics` on integer codes: group statistics keyed by
    ``__gc, __item[, __pc]`` and per-firm ``n`` and percentile rank."""
    if latest.is_empty():
        positions = latest.with_columns(pl.lit(0, pl.UInt32).alias(GROUP_SIZE),
                                        pl.lit(None, pl.Float64).alias(RANK))
        stats = pl.DataFrame(schema={
            "__gc": pl.UInt32, "__item": pl.UInt64, "__pc": pl.Int64, "__higher": pl.Boolean,
            GROUP_SIZE: pl.UInt32, **dict.fromkeys(QUANTILES, pl.Float64)})
        return stats, positions
    pc0 = int(latest.get_column("__pc").min()) if periods else 0  # type: ignore[arg-type]
    npc = int(latest.get_column("__pc").max()) - pc0 + 1 if periods else 1  # type: ignore[arg-type]
    nitems = len(higher)
    group = ((pl.col("__gc").cast(pl.UInt64) * npc
              + (pl.col("__pc") - pc0 if periods else pl.lit(0)).cast(pl.UInt64)) * nitems
             + pl.col("__item"))
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    ordered = (
        latest.with_columns(group.alias("__sk"),
                            pl.col("__item").replace_strict(dict(enumerate(higher)),
                                                            return_dtype=pl.Boolean)
                            .alias("__higher"))
        .sort("__sk", VALUE)
        .with_columns((pl.col("__sk") != pl.col("__sk").shift(1)).fill_null(True)
                      .alias("__start"),
                      (pl.col("__sk") != pl.col("__sk").shift(-1)).fill_null(True)
                      .alias("__end"))
        .with_columns(
            pl.when("__start").then(idx).forward_fill().alias("__first"),
            pl.when("__end").then(idx).backward_fill().alias("__last"),
            pl.when(pl.col("__start") | (pl.col(VALUE) != pl.col(VALUE).shift(1)))
            .then(idx).forward_fill().alias("__tie_first"),
            pl.when(pl.col("__end") | (pl.col(VALUE) != pl.col(VALUE).shift(-1)))
            .then(idx).backward_fill().alias("__tie_last"),
        )
        .with_columns((pl.col("__last") - pl.col("__first") + 1).alias(GROUP_SIZE))
    )
    no_better = (pl.when("__higher").then(pl.col("__tie_last") - pl.col("__first") + 1)
                 .otherwise(pl.col("__last") - pl.col("__tie_first") + 1))
    positions = ordered.select(
        "__row", "__gc", "__item", "__pc", "__day", VALUE,
        pl.col(GROUP_SIZE).cast(pl.UInt32),
        pl.when(pl.col(GROUP_SIZE) > 1)
        .then((no_better - 1) * 100.0 / (pl.col(GROUP_SIZE) - 1)).alias(RANK))
    starts = ordered.filter("__start")
    values = ordered.get_column(VALUE).to_numpy()
    first = starts.get_column("__first").to_numpy()
    size = starts.get_column(GROUP_SIZE).to_numpy()
    quantiles = {}
    for name, q in QUANTILES.items():
        low, high, weight = publication_ranks(size, q)
        quantiles[name] = _lerp(values[first + low], values[first + high], weight)
    stats = starts.select("__gc", "__item", "__pc", "__higher",
                          pl.col(GROUP_SIZE).cast(pl.UInt32)).with_columns(
        **{name: pl.Series(v) for name, v in quantiles.items()})
    return stats, positions


def _finish_stats(stats: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Direction, best and prevailing practice and the gap from the percentiles."""
    return (
        stats.with_columns(
            pl.when("__higher").then(pl.lit(str(Direction.HIGHER)))
            .otherwise(pl.lit(str(Direction.LOWER))).alias(DIRECTION),
            pl.when("__higher").then(pl.col("p90")).otherwise(pl.col("p10")).alias("best"),
            pl.col("median").alias("prevailing"),
        )
        .with_columns(
            pl.when("__higher").then(pl.col("best") - pl.col("prevailing"))
            .otherwise(pl.col("prevailing") - pl.col("best")).alias("gap"))
        .select(*keys, DIRECTION, *STAT_COLUMNS)
        .sort(keys)
    )


Bounds = Mapping[str, tuple[float | None, float | None]]
"""``{metric: (minimum, maximum)}``: the plausible range of each metric (the catalog's)."""


@dataclass(frozen=True)
class Settle:
    """A reading at a month end of each firm's latest value: show only the groups whose last
    change of membership involved at least k firms (see ``confidentiality.settled_groups``).
    ``stale_after_days`` is the freshness window (None: values never go stale)."""

    on: dt.date
    stale_after_days: int | None


def _settled(latest: pl.DataFrame, settle: Settle, min_group_size: int,
             per_period: bool) -> pl.DataFrame:
    """The coded (``__gc, __item[, __pc]``) groups that may be shown at ``settle.on``:
    ``confidentiality.settled_groups`` of each firm's latest observation per group (read
    since ``confidentiality.settle_since``)."""
    keys = ["__gc", "__item", *(["__pc"] if per_period else [])]
    return settled_groups(latest.with_columns(pl.col("__day").cast(pl.Date)), keys,
                          settle.on, settle.stale_after_days, min_group_size, day="__day")


def benchmark(observations: pl.DataFrame | pl.LazyFrame, groups: pl.DataFrame,
              directions: Mapping[str, Direction], by: Sequence[str], window: Window,
              min_group_size: int, *, bounds: Bounds | None = None,
              settle: Settle | None = None) -> Benchmark:
    """Metric statistics for every peer group and every firm's rank, through disclosure
    control.

    ``groups`` is :func:`escalera.analytics.peer_groups.firm_groups` of the firms to compare
    (e.g. producers only); ``directions`` maps each metric benchmarked to its direction;
    ``bounds`` gives the metrics' plausible ranges (a percentile on a bound is withheld);
    ``settle`` makes this a month-end reading of the latest values.
    """
    by = tuple(by)
    firm_keys = [d for d in by if d != PERIOD]
    items = tuple(directions)
    registry = _registry_codes(groups, firm_keys)
    if settle is None:
        latest = _latest_coded(observations, items, window, registry, PERIOD in by)
    else:  # one read for both: the latest values since settle_since, then the window's
        since = settle_since(settle.on, settle.stale_after_days)
        settling = _latest_coded(observations, items, Window("settle", since, window.end),
                                 registry, PERIOD in by)
        latest = settling.filter(pl.col("__day") >= (window.start - dt.date(1970, 1, 1)).days)
    coded_stats, coded_positions = _coded_statistics(
        latest, [directions[i] is Direction.HIGHER for i in items], PERIOD in by)
    group_keys = registry.select("__gc", *firm_keys).unique("__gc")
    decoded = coded_stats.join(group_keys, on="__gc").with_columns(
        pl.col("__item").replace_strict(dict(enumerate(items)), return_dtype=pl.String)
        .alias(ITEM), _period_text(pl.col("__pc")).alias(PERIOD))
    decoded = withhold_percentiles(decoded, min_group_size, bounds, item=ITEM)
    within = [ITEM, *([PERIOD] if PERIOD in by else [])]
    codes = ["__gc", "__item", *(["__pc"] if PERIOD in by else [])]
    unsettled = None
    if settle is not None:
        shown = _settled(settling, settle, min_group_size, PERIOD in by)
        unsettled = decoded.join(shown.with_columns(pl.lit(True).alias("__ok")),
                                 on=codes, how="left",
                                 maintain_order="left").get_column("__ok").is_null()
    hide = pl.Series(hidden_cells(decoded, min_group_size, firm_keys, within,
                                  also=unsettled))
    small = decoded.filter(hide)
    hidden = Hidden(groups=small.height,
                    firms=int(small.get_column(GROUP_SIZE).sum()) if small.height else 0)
    kept = decoded.filter(~hide)
    stats = _finish_stats(kept, [*by, ITEM])
    positions = coded_positions.join(kept.select(codes), on=codes, how="semi")
    return Benchmark(by, window, min_group_size, stats, hidden, positions, registry, items)


def practice_benchmark(observations: pl.DataFrame | pl.LazyFrame, groups: pl.DataFrame,
                       practices: Sequence[str], by: Sequence[str], window: Window,
                       min_group_size: int, *, settle: Settle | None = None
                       ) -> tuple[pl.DataFrame, Hidden]:
    """Maturity shares for every peer group and practice, through disclosure control: the
    shares only for groups large and varied enough (``withhold_shares``), rows hidden with
    their complementary cells."""
    values = latest_values(observations, "practice", practices, window,
                           per_period=PERIOD in by)
    table = practice_shares(with_groups(values, groups, by), by)
    table = withhold_shares(table, min_group_size, [share_column(m) for m in MATURITIES],
                            also=["median"], bounds=(min(MATURITIES), max(MATURITIES)))
    firm_keys = [d for d in by if d != PERIOD]
    within = [ITEM, *([PERIOD] if PERIOD in by else [])]
    unsettled = None
    if settle is not None:
        registry = _registry_codes(groups, firm_keys)
        since = settle_since(settle.on, settle.stale_after_days)
        coded = _settled(_latest_coded(observations, practices,
                                       Window("settle", since, window.end), registry,
                                       PERIOD in by, kind="practice"),
                         settle, min_group_size, PERIOD in by)
        shown = coded.join(registry.select("__gc", *firm_keys).unique("__gc"), on="__gc")
        shown = shown.with_columns(
            pl.col("__item").replace_strict(dict(enumerate(practices)),
                                            return_dtype=pl.String).alias(ITEM),
            _period_text(pl.col("__pc")).alias(PERIOD) if PERIOD in by else pl.lit(None))
        unsettled = table.join(shown.select(*firm_keys, *within).with_columns(
            pl.lit(True).alias("__ok")), on=[*firm_keys, *within], how="left",
            maintain_order="left").get_column("__ok").is_null()
    return suppress_cells(table, min_group_size, firm_keys, within, also=unsettled)
