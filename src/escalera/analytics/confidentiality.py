"""Disclosure control: the one module every published figure about a group of firms passes.

The study promised the firms it surveyed that nothing published would identify them. Every
output that describes a group (benchmark tables, JSON, CSV/XLSX exports, a firm's report,
trends, transition matrices, ladder statistics and dashboard counts by region or product)
goes through these rules before anything is printed or written; what they guarantee, and
against whom, is in ``docs/confidentiality.md``:

1. **Primary suppression** (:func:`suppress`): a group of fewer than k firms is not shown.
2. **Complementary suppression** (:func:`suppress_cells`): in every line of a table (the
   cells that add up to one cell of the table one level coarser, or to the whole
   population) either no cell is hidden or at least two are, holding together at least k
   firms; the smallest shown siblings are hidden to make it so. A hidden group can then not
   be had by subtracting the shown cells from a published total.
3. **Percentiles** (:func:`publication_ranks`, :func:`withhold_percentiles`): each one a
   weighted mean of two *different* members' values (never one member's value); the median
   for every group shown, strictly inside the metric's bounds; p10, p25, p75 and p90 only
   for groups of at least :func:`percentile_min_group_size` firms and only while the five
   are strictly increasing inside the bounds.
4. **Dates** (:func:`snap`, :func:`settled_groups`): a benchmark is read at a month end,
   never on a day of the caller's choosing, and a group is shown at a month end only when
   the last change of its membership (firms joining, leaving or with a new value) involved
   at least k firms; so two published readings of a group differ by no firm or by k.

The operator chooses k with ``ESCALERA_MIN_GROUP_SIZE`` (default 5); the setting refuses
values below :data:`MIN_ALLOWED_GROUP_SIZE`. The functions accept any k >= 1 so tests can
switch the rules off and check that the groups add up.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

MIN_GROUP_SIZE = 5
"""Default k: the study's promise, groups of fewer than five firms are never shown."""

MIN_ALLOWED_GROUP_SIZE = 3
"""The smallest k an operator may configure."""

GROUP_SIZE = "n"
"""Default column holding the number of distinct firms a row describes."""

PERCENTILES = {"p10": 0.10, "p25": 0.25, "median": 0.50, "p75": 0.75, "p90": 0.90}
"""The percentiles benchmarks publish."""

LOWEST_PERCENTILE = min(min(q, 1 - q) for q in PERCENTILES.values())


def percentile_min_group_size(k: int) -> int:
    """The smallest group whose percentiles are shown: ``max(k, 2 * ceil(1 / q_min))``,
    20 for p10/p90. At that size at least one firm lies below the two ranks p10 is read
    from (and above those of p90), and the ranks of two neighbouring percentiles never
    meet, so each figure involves its own two members and the extremes none. k = 1
    switches disclosure control off altogether (tests that check groups add up)."""
    if k <= 1:
        return 1
    return max(k, 2 * math.ceil(1 / LOWEST_PERCENTILE - 1e-9))


@dataclass(frozen=True)
class Hidden:
    """What suppression left out: rows (groups) and the firms they describe in total."""

    groups: int = 0
    firms: int = 0

    def as_dict(self) -> dict[str, int]:
        """``{"groups": ..., "firms": ...}`` for JSON output."""
        return {"groups": self.groups, "firms": self.firms}


def _check(k: int) -> None:
    if k < 1:
        raise ValueError(f"the minimum group size must be at least 1, got {k}")


def suppress(frame: pl.DataFrame, k: int, size: str = GROUP_SIZE) -> tuple[pl.DataFrame, Hidden]:
    """Primary suppression: the rows of ``frame`` describing at least ``k`` firms, and a
    count of the rest.

    ``size`` names the column with the number of distinct firms behind each row (a group's
    size, not a count of observations). Rows with a null size are dropped too: an unknown
    size is never assumed large enough. Tables whose rows add up to a published total go
    through :func:`suppress_cells` instead.
    """
    _check(k)
    large = pl.col(size).fill_null(0) >= k
    small = frame.filter(~large)
    firms = int(small.get_column(size).fill_null(0).sum()) if small.height else 0
    return frame.filter(large), Hidden(groups=small.height, firms=firms)


def hidden_cells(frame: pl.DataFrame, k: int, dims: Sequence[str], within: Sequence[str] = (),
                 size: str = GROUP_SIZE, also: pl.Series | None = None) -> np.ndarray:
    """Which rows of ``frame`` to hide: primary and complementary suppression.

    A row is one cell of a table keyed by ``dims`` (and ``within``: the item, the quarter,
    which are never added up). A *line* is the cells that agree on ``within`` and on all of
    ``dims`` but one: together they make one cell of the table one level coarser (with a
    single dimension, the whole population). Rows under ``k`` firms, and those flagged in
    ``also``, are hidden first; then, in every line, while one cell only is hidden, or the
    hidden cells hold fewer than ``k`` firms together, or one firm each, the smallest shown
    cell is hidden too. When a whole line is hidden and holds fewer than ``k`` firms, its
    total is under ``k`` and the coarser table hides it.
    """
    _check(k)
    sizes = frame.get_column(size).fill_null(0).to_numpy().astype(np.int64)
    hide = sizes < k
    if also is not None:
        hide |= also.fill_null(True).to_numpy().astype(bool)
    if frame.is_empty() or not dims:
        return hide
    keys = frame.select(*dims, *within).rows()
    lines: list[dict[tuple[object, ...], list[int]]] = []
    for free in range(len(dims)):
        by_line: dict[tuple[object, ...], list[int]] = {}
        for row, key in enumerate(keys):
            by_line.setdefault(key[:free] + key[free + 1:], []).append(row)
        lines.append(by_line)
    # Order of preference among shown cells: smallest first, then table order.
    changed = True
    while changed:
        changed = False
        for by_line in lines:
            for rows in by_line.values():
                hidden = [r for r in rows if hide[r]]
                if not hidden:
                    continue
                # All hidden cells of one firm each would tell every hidden cell's size.
                while (len(hidden) < 2 or sizes[hidden].sum() < k
                       or sizes[hidden].sum() <= len(hidden)):
                    shown = [r for r in rows if not hide[r]]
                    if not shown:
                        break
                    smallest = min(shown, key=lambda r: (sizes[r], r))
                    hide[smallest] = True
                    hidden.append(smallest)
                    changed = True
    return hide


def suppress_cells(frame: pl.DataFrame, k: int, dims: Sequence[str],
                   within: Sequence[str] = (), size: str = GROUP_SIZE,
                   also: pl.Series | None = None) -> tuple[pl.DataFrame, Hidden]:
    """:func:`hidden_cells` applied: the rows shown and a count of the rest."""
    hide = pl.Series(hidden_cells(frame, k, dims, within, size, also))
    small = frame.filter(hide)
    firms = int(small.get_column(size).fill_null(0).sum()) if small.height else 0
    return frame.filter(~hide), Hidden(groups=small.height, firms=firms)


# --- percentiles ---------------------------------------------------------------------------

def publication_ranks(size: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two ranks (0-based, in the sorted group) and the weight of the upper one of the
    published ``q``-th percentile of groups of ``size`` firms.

    Linear interpolation at position ``q * (n - 1)``, NumPy's default, except where that
    position is a whole number and would publish one member's value: there the figure is
    the mean of the two neighbouring members' values, ranks ``h - 1`` and ``h + 1``.
    """
    position = q * (size - 1)
    low = np.floor(position + 1e-9).astype(np.int64)
    weight = position - low
    exact = (np.abs(weight) < 1e-9) & (low >= 1) & (low <= size - 2)
    weight = np.where(exact, 0.5, np.clip(weight, 0.0, 1.0))
    low = np.where(exact, low - 1, low)
    high = np.where(exact, low + 2, np.minimum(low + 1, size - 1))
    return low, high, weight


def withhold_percentiles(stats: pl.DataFrame, k: int,
                         bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
                         item: str = "item", size: str = GROUP_SIZE) -> pl.DataFrame:
    """``stats`` with the percentiles that could pin down a member set to null.

    The median (a mean of two members' values, see :func:`publication_ranks`) is kept where
    it lies strictly inside the metric's ``bounds`` (``{item: (minimum, maximum)}``): on a
    bound it would tell that every member on one side has that value. The other
    percentiles are kept only for groups of at least :func:`percentile_min_group_size`
    firms whose five percentiles are strictly increasing strictly inside the bounds: where
    two neighbours coincide, every member between them would be known to have that value.
    They are then withheld together, so the reason cannot be read off the figures left.
    """
    names = list(PERCENTILES)
    if stats.is_empty() or k <= 1:
        return stats
    threshold = percentile_min_group_size(k)
    low_bound: pl.Expr = pl.lit(-math.inf)
    high_bound: pl.Expr = pl.lit(math.inf)
    if bounds and item in stats.columns:
        low_bound = pl.col(item).replace_strict(
            {i: b[0] if b[0] is not None else -math.inf for i, b in bounds.items()},
            default=-math.inf, return_dtype=pl.Float64)
        high_bound = pl.col(item).replace_strict(
            {i: b[1] if b[1] is not None else math.inf for i, b in bounds.items()},
            default=math.inf, return_dtype=pl.Float64)
    chain = [low_bound, *[pl.col(n) for n in names], high_bound]
    increasing = pl.all_horizontal([(b > a).fill_null(False)
                                    for a, b in itertools.pairwise(chain)])
    inside = ((pl.col("median") > low_bound) & (pl.col("median") < high_bound)).fill_null(False)
    keep_all = (pl.col(size) >= threshold) & increasing
    keep_median = (pl.col(size) >= k) & inside
    return stats.with_columns(
        [pl.when(keep_median if n == "median" else keep_all).then(pl.col(n))
         .otherwise(None).alias(n) for n in names])


def published_median(values: np.ndarray) -> float | None:
    """The median of one group as published (:func:`publication_ranks`), from its values."""
    if not len(values):
        return None
    ordered = np.sort(values)
    low, high, weight = publication_ranks(np.array([len(ordered)]), 0.5)
    a, b = ordered[low[0]], ordered[high[0]]
    return float(a + (b - a) * weight[0])


def withhold_shares(table: pl.DataFrame, k: int, shares: Sequence[str],
                    also: Sequence[str] = (), bounds: tuple[float, float] | None = None,
                    size: str = GROUP_SIZE) -> pl.DataFrame:
    """Practice tables: the shares at each maturity only for groups of at least
    :func:`percentile_min_group_size` firms that are not all at one maturity (a share of
    100 % would tell every member's maturity); ``also`` (the median maturity) where it lies
    strictly between ``bounds``."""
    if table.is_empty() or k <= 1:
        return table
    keep = ((pl.col(size) >= percentile_min_group_size(k))
            & (pl.max_horizontal([pl.col(s) for s in shares]) < 1.0))
    columns = [pl.when(keep).then(pl.col(c)).otherwise(None).alias(c) for c in shares]
    for c in also:
        inside = ((pl.col(c) > bounds[0]) & (pl.col(c) < bounds[1])).fill_null(False) \
            if bounds is not None else pl.col(c).is_not_null()
        columns.append(pl.when(inside).then(pl.col(c)).otherwise(None).alias(c))
    return table.with_columns(columns)


# --- dates ---------------------------------------------------------------------------------

def month_index(day: pl.Expr) -> pl.Expr:
    """Months since year 0 of a date: the published period it falls in."""
    return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1


def _month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def snap(day: dt.date) -> dt.date:
    """The published period a reading ``on`` a date shows: the last month end on or before
    it. Every date of a month but its last shows the month before."""
    following = day + dt.timedelta(days=1)
    if following.month != day.month:
        return day
    return day.replace(day=1) - dt.timedelta(days=1)


def quarter_snap(day: dt.date) -> dt.date:
    """The last quarter end on or before ``day`` (trends show complete quarters only)."""
    end = snap(day)
    while end.month % 3:
        end = end.replace(day=1) - dt.timedelta(days=1)
    return end


def settled_groups(latest: pl.DataFrame, keys: Sequence[str], on: dt.date,
                   stale_after_days: int | None, k: int, day: str = "observed_on"
                   ) -> pl.DataFrame:
    """The groups (``keys``) that may be shown at the month end ``on``.

    ``latest`` holds one row per firm and group: the date (``day``) of the firm's latest
    observation on or before ``on`` that counts in the group, for every firm observed since
    ``on`` minus twice the freshness window and a month (older ones cannot matter). A
    firm's contribution changes at the month end after each of its observations and, when
    values go stale after ``stale_after_days``, at the month end after its latest one went
    stale; so its last change up to ``on`` is the month its latest value went stale if that
    is past, else the month of that value. A group is settled at ``on`` when the last month
    end at which any of its contributions changed saw at least ``k`` firms change. Any two
    month ends at which a group is shown (settled, with k firms counted) then differ by none
    of its firms or by at least ``k`` (the proof is in ``docs/confidentiality.md``).
    """
    _check(k)
    if latest.is_empty():
        return pl.DataFrame(schema={c: latest.schema[c] for c in keys})
    month = _month_of(on)
    entered = month_index(pl.col(day).cast(pl.Date))
    change = entered
    if stale_after_days is not None:
        stale = month_index(pl.col(day).cast(pl.Date) + pl.duration(days=stale_after_days + 1))
        change = pl.when(stale <= month).then(stale).otherwise(entered)
    last = (latest.select(*keys, change.alias("__m"))
            .group_by(*keys).agg((pl.col("__m") == pl.col("__m").max()).sum().alias("__n")))
    return last.filter(pl.col("__n") >= k).select(*keys)


def settle_since(on: dt.date, stale_after_days: int | None) -> dt.date:
    """The earliest observation that can still count in :func:`settled_groups` at ``on``: a
    group unchanged for longer than the freshness window has no member left."""
    if stale_after_days is None:
        return dt.date.min
    return on - dt.timedelta(days=2 * stale_after_days + 62)
