"""The evaluator's rules applied column-wise to many firms at once.

``escalera.domain.evaluation`` is the one statement of the rules (read its module docstring);
this module compiles the same requirement objects of a catalog into Polars expressions, so a
million firms are judged without a Python loop per firm. The comparisons are the same:

* a requirement is on the good side when ``value >= threshold`` (higher is better, and
  practice maturities) or ``value <= threshold`` (lower is better), ties included, exactly
  :func:`escalera.domain.evaluation.is_met` (a NaN value is never on the good side, as in
  Python, although Polars orders NaN above every number);
* evidence is fresh when ``(on - observed_on).days <= stale_after_days``, i.e. when
  ``observed_on >= on - stale_after_days``; missing or stale evidence is *not assessed*,
  never unmet;
* a level is unmet when any requirement is unmet, else not assessed when any is not
  assessed, else met; the attained level is the top of the unbroken run of met levels from
  the bottom; segments check level, capacity (when the minimum order is above zero) and
  the ``lead_time_days`` metric against the segment's lead time.

Statuses are coded 0 = met, 1 = not assessed, 2 = unmet while computing, so "unmet beats not
assessed beats met" is a maximum; they come out as ``pl.Enum`` columns holding the same
strings as :class:`~escalera.domain.evaluation.Status` and
:class:`~escalera.domain.evaluation.LadderStatus`.

Wide evidence columns: ``m:<metric>`` / ``m:<metric>:on`` (value and date of the latest
observation of a metric) and ``p:<practice>`` / ``p:<practice>:on`` for practices, one row
per firm keyed by ``firm_id``. A column that is absent means the item was never observed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import (
    DEFAULT_STALE_AFTER_DAYS,
    LEAD_TIME_METRIC,
    LadderStatus,
    Status,
)
from escalera.domain.evidence import ItemKind
from escalera.domain.measures import Direction
from escalera.domain.standards import Ladder

FIRM_ID = "firm_id"
CAPACITY_COLUMN = "monthly_capacity"
NEXT_SEGMENT_COLUMN = "next_segment"

_PREFIX = {ItemKind.METRIC: "m", ItemKind.PRACTICE: "p"}

# Status codes while computing: the combination of several statuses is their maximum.
MET, NOT_ASSESSED, UNMET = 0, 1, 2
STATUS_DTYPE = pl.Enum([str(Status.MET), str(Status.NOT_ASSESSED), str(Status.UNMET)])
LADDER_STATUS_DTYPE = pl.Enum([str(s) for s in LadderStatus])


def value_column(kind: ItemKind, item: str) -> str:
    """Wide column holding the latest value of an item, e.g. ``m:defect_rate_pct``."""
    return f"{_PREFIX[kind]}:{item}"


def date_column(kind: ItemKind, item: str) -> str:
    """Wide column holding the date of that value, e.g. ``m:defect_rate_pct:on``."""
    return f"{value_column(kind, item)}:on"


def level_column(ladder_id: str) -> str:
    """Output column: the attained level id on a ladder (null when none)."""
    return f"{ladder_id}:level"


def status_column(ladder_id: str) -> str:
    """Output column: the :class:`LadderStatus` on a ladder."""
    return f"{ladder_id}:status"


def next_level_column(ladder_id: str) -> str:
    """Output column: the level above the attained one (null at the top)."""
    return f"{ladder_id}:next_level"


def level_status_column(ladder_id: str, level_id: str) -> str:
    """Optional output column: the :class:`Status` of one level (``include_levels=True``)."""
    return f"{ladder_id}:level:{level_id}"


def segment_column(segment_id: str) -> str:
    """Output column: the :class:`Status` of one market segment."""
    return f"segment:{segment_id}"


# --------------------------------------------------------------------------- long -> wide


def latest_evidence_frame(observations: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    """One row per firm with, per item, its latest value on or before ``on`` and its date.

    ``observations`` is the long frame of ``store.evidence.observations_frame`` (firm_id,
    assessment_id, observed_on, kind, item, value). Ties on the date go to the larger
    assessment id and exact duplicates to the first row, as in
    :func:`escalera.domain.evidence.latest_evidence`. Only firms with at least one
    observation on or before ``on`` get a row.
    """
    known = observations.filter(pl.col("observed_on") <= on)
    if known.is_empty():
        return pl.DataFrame(schema={FIRM_ID: pl.String})
    prefix = pl.col("kind").replace_strict(
        {str(kind): p for kind, p in _PREFIX.items()}, return_dtype=pl.String
    )
    # Latest first: date, then assessment id (as its rank, cheaper to sort than strings);
    # the stable sort keeps exact duplicates in input order, so ``first`` takes the first.
    latest = (
        known.with_columns(pl.col("assessment_id").rank("dense").alias("__assessment"))
        .sort(["observed_on", "__assessment"], descending=True, maintain_order=True)
        .group_by(FIRM_ID, "kind", "item")
        .first()
        .select(
            FIRM_ID,
            pl.concat_str(prefix, pl.lit(":"), pl.col("item")).alias("__col"),
            pl.col("value").cast(pl.Float64).alias("v"),
            pl.col("observed_on").alias("d"),
        )
    )
    wide = latest.pivot("__col", index=FIRM_ID, values=["v", "d"], separator="|",
                        sort_columns=True)
    items = sorted(c[2:] for c in wide.columns if c.startswith("v|"))
    columns: list[str | pl.Expr] = [FIRM_ID]
    for item in items:
        columns += [pl.col(f"v|{item}").alias(item), pl.col(f"d|{item}").alias(f"{item}:on")]
    return wide.sort(FIRM_ID).select(columns)


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class _Requirement:
    kind: ItemKind
    item: str
    direction: Direction
    threshold: float


def _requirements(catalog: Catalog, ladder: Ladder, on: dt.date) -> list[list[_Requirement]]:
    """Per level, lowest first: the requirements of the version in force on ``on``.

    Built from the same objects and in the same way as ``evaluation.evaluate_ladder``.
    """
    levels: list[list[_Requirement]] = []
    for level in ladder.levels:
        standard = level.standard_on(on)
        levels.append(
            [_Requirement(ItemKind.METRIC, r.metric, catalog.metric(r.metric).direction,
                          r.threshold) for r in standard.metrics]
            + [_Requirement(ItemKind.PRACTICE, r.practice, Direction.HIGHER,
                            float(r.min_maturity)) for r in standard.practices]
        )
    return levels


def good_side(value: pl.Expr, threshold: float, direction: Direction) -> pl.Expr:
    """``is_met`` as an expression: on the good side of ``threshold``, ties included.

    NaN is never on the good side (Python's comparisons); Polars would call NaN >= anything.
    """
    compared = value >= threshold if direction is Direction.HIGHER else value <= threshold
    return compared & value.is_not_nan()


def _cutoff(on: dt.date, stale_after_days: int) -> dt.date:
    """Oldest fresh observation date: ``(on - d).days <= stale_after_days`` iff ``d >= cutoff``."""
    try:
        return on - dt.timedelta(days=stale_after_days)
    except OverflowError:
        return dt.date.min if stale_after_days > 0 else dt.date.max


def _code(status_code: int) -> pl.Expr:
    return pl.lit(status_code, dtype=pl.UInt8)


def _first_index(conditions: Sequence[pl.Expr], otherwise: pl.Expr) -> pl.Expr:
    """Index of the first true condition, else ``otherwise`` (UInt8)."""
    expr: pl.Expr | None = None
    for i in reversed(range(len(conditions))):
        nxt = otherwise if expr is None else expr
        expr = pl.when(conditions[i]).then(_code(i)).otherwise(nxt)
    return otherwise if expr is None else expr


def _pick(index: pl.Expr, options: Sequence[pl.Expr]) -> pl.Expr:
    """``options[index]`` per row (null when the index is out of range)."""
    expr: pl.Expr = pl.lit(None, dtype=pl.UInt8)
    for i in reversed(range(len(options))):
        expr = pl.when(index == i).then(options[i]).otherwise(expr)
    return expr


def evaluate_bulk(catalog: Catalog, evidence_wide: pl.DataFrame, on: dt.date,
                  stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                  capacity: pl.DataFrame | None = None, *,
                  include_levels: bool = False) -> pl.DataFrame:
    """Judge every firm (row) of ``evidence_wide`` on every ladder and segment of ``catalog``.

    Returns one row per input row, in input order: ``firm_id``; per ladder
    ``<ladder>:level`` (attained level id or null), ``<ladder>:status``
    (attained / below_first_level / not_assessed) and ``<ladder>:next_level``; per segment
    ``segment:<id>`` (met / unmet / not_assessed); and ``next_segment`` (the first segment
    past the last one reached, else the first not reached; null when all are). With
    ``include_levels``, also ``<ladder>:level:<level>`` with each level's status.

    Monthly capacity comes from ``capacity`` (columns firm_id, monthly_capacity; one row per
    firm) when given, else from a ``monthly_capacity`` column of ``evidence_wide`` when
    present; a firm without it is not assessed on segments with a minimum order.
    """
    frame = evidence_wide
    if capacity is not None:
        frame = frame.drop(CAPACITY_COLUMN, strict=False).join(
            capacity.select(FIRM_ID, pl.col(CAPACITY_COLUMN).cast(pl.Int64)),
            on=FIRM_ID, how="left", validate="m:1", maintain_order="left",
        )
    cutoff = _cutoff(on, stale_after_days)
    columns = set(frame.columns)

    def value_of(kind: ItemKind, item: str) -> pl.Expr:
        name = value_column(kind, item)
        return pl.col(name).cast(pl.Float64) if name in columns else pl.lit(None, pl.Float64)

    def fresh_name(kind: ItemKind, item: str) -> str:
        return f"__fresh:{value_column(kind, item)}"

    ladders = {ladder.id: _requirements(catalog, ladder, on) for ladder in catalog.ladders}
    items = {(r.kind, r.item) for levels in ladders.values() for reqs in levels for r in reqs}
    items.add((ItemKind.METRIC, LEAD_TIME_METRIC))

    # Stage 1: is each item's evidence present and fresh?
    fresh: list[pl.Expr] = []
    for kind, item in sorted(items):
        name, day = value_column(kind, item), date_column(kind, item)
        if name in columns and day in columns:
            expr = (pl.col(day).cast(pl.Date) >= cutoff) & pl.col(name).is_not_null()
            fresh.append(expr.fill_null(False).alias(fresh_name(kind, item)))
        else:
            fresh.append(pl.lit(False).alias(fresh_name(kind, item)))

    # Stage 2: each level's status code (unmet if any unmet, else n/a if any n/a, else met).
    level_codes: list[pl.Expr] = []
    for ladder_id, levels in ladders.items():
        for i, reqs in enumerate(levels):
            unmet = [pl.col(fresh_name(r.kind, r.item))
                     & ~good_side(value_of(r.kind, r.item), r.threshold, r.direction)
                     for r in reqs]
            missing = [~pl.col(fresh_name(r.kind, r.item)) for r in reqs]
            level_codes.append(
                pl.when(pl.any_horizontal(unmet)).then(_code(UNMET))
                .when(pl.any_horizontal(missing)).then(_code(NOT_ASSESSED))
                .otherwise(_code(MET)).alias(f"__lvl:{ladder_id}:{i}")
            )

    # Stage 3: how many levels are climbed, and the status of the first level not met.
    climbing: list[pl.Expr] = []
    for ladder_id, levels in ladders.items():
        codes = [pl.col(f"__lvl:{ladder_id}:{i}") for i in range(len(levels))]
        climbed = _first_index([c != MET for c in codes], _code(len(levels)))
        climbing.append(climbed.alias(f"__climbed:{ladder_id}"))
    climb_stage = [
        _pick(pl.col(f"__climbed:{lid}"),
              [pl.col(f"__lvl:{lid}:{i}") for i in range(len(levels))]).alias(f"__block:{lid}")
        for lid, levels in ladders.items()
    ]

    # Stage 4: outputs.
    out: list[pl.Expr] = [pl.col(FIRM_ID)]
    for ladder in catalog.ladders:
        lid, n = ladder.id, len(ladder.levels)
        level_ids = pl.Enum([lv.id for lv in ladder.levels])
        climbed = pl.col(f"__climbed:{lid}")
        out += [
            pl.when(climbed > 0).then(climbed - 1).otherwise(None)
            .cat.to(level_ids).alias(level_column(lid)),
            pl.when(climbed > 0).then(pl.lit(str(LadderStatus.ATTAINED)))
            .when(pl.col(f"__lvl:{lid}:0") == UNMET)
            .then(pl.lit(str(LadderStatus.BELOW_FIRST_LEVEL)))
            .otherwise(pl.lit(str(LadderStatus.NOT_ASSESSED)))
            .cast(LADDER_STATUS_DTYPE).alias(status_column(lid)),
            pl.when(climbed < n).then(climbed).otherwise(None)
            .cat.to(level_ids).alias(next_level_column(lid)),
        ]
        if include_levels:
            out += [pl.col(f"__lvl:{lid}:{i}").cat.to(STATUS_DTYPE)
                    .alias(level_status_column(lid, lv.id))
                    for i, lv in enumerate(ladder.levels)]

    lead_fresh = pl.col(fresh_name(ItemKind.METRIC, LEAD_TIME_METRIC))
    lead_value = value_of(ItemKind.METRIC, LEAD_TIME_METRIC)
    cap = (pl.col(CAPACITY_COLUMN).cast(pl.Int64) if CAPACITY_COLUMN in columns
           else pl.lit(None, dtype=pl.Int64))
    segment_codes: list[pl.Expr] = []
    for seg in catalog.segments:
        checks: list[pl.Expr] = []
        if seg.level is not None:
            need = catalog.ladder(seg.ladder).level_index(seg.level)
            checks.append(
                pl.when(pl.col(f"__climbed:{seg.ladder}") > need).then(_code(MET))
                .when(pl.col(f"__block:{seg.ladder}") == UNMET).then(_code(UNMET))
                .otherwise(_code(NOT_ASSESSED))
            )
        if seg.min_order_units > 0:
            checks.append(
                pl.when(cap.is_null()).then(_code(NOT_ASSESSED))
                .when(cap >= seg.min_order_units).then(_code(MET))
                .otherwise(_code(UNMET))
            )
        checks.append(
            pl.when(~lead_fresh).then(_code(NOT_ASSESSED))
            .when(good_side(lead_value, float(seg.lead_time_days), Direction.LOWER))
            .then(_code(MET)).otherwise(_code(UNMET))
        )
        segment_codes.append(pl.max_horizontal(checks).alias(f"__seg:{seg.id}"))

    seg_cols = [pl.col(f"__seg:{seg.id}") for seg in catalog.segments]
    out += [c.cat.to(STATUS_DTYPE).alias(segment_column(seg.id))
            for c, seg in zip(seg_cols, catalog.segments, strict=True)]
    if catalog.segments:
        segment_ids = pl.Enum([seg.id for seg in catalog.segments])
        first_unmet = _first_index([c != MET for c in seg_cols], pl.lit(None, dtype=pl.UInt8))
        # The next target lies past the last segment reached (see FirmEvaluation.next_segment).
        beyond_reach = [
            (c != MET) & ~pl.any_horizontal([pl.lit(False), *(d == MET for d in seg_cols[i + 1:])])
            for i, c in enumerate(seg_cols)
        ]
        out.append(_first_index(beyond_reach, first_unmet)
                   .cat.to(segment_ids).alias(NEXT_SEGMENT_COLUMN))
    else:
        out.append(pl.lit(None, dtype=pl.String).alias(NEXT_SEGMENT_COLUMN))

    needed = [FIRM_ID] + [c for c in frame.columns if c != FIRM_ID and (
        c == CAPACITY_COLUMN or c.startswith(("m:", "p:")))]
    return (
        frame.lazy().select(needed)
        .with_columns(fresh)
        .with_columns(level_codes)
        .with_columns(climbing)
        .with_columns(climb_stage)
        .with_columns(segment_codes)
        .select(out)
        .collect()
    )
