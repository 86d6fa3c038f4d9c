"""The bulk (Polars) evaluator and the single-firm evaluator say the same about every firm."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.analytics.bulk_evaluation import (
    CAPACITY_COLUMN,
    FIRM_ID,
    NEXT_SEGMENT_COLUMN,
    date_column,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    level_status_column,
    next_level_column,
    segment_column,
    status_column,
    value_column,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import FirmEvaluation, evaluate_firm
from escalera.domain.evidence import (
    Evidence,
    EvidenceItem,
    ItemKind,
    Observation,
    latest_evidence,
)
from escalera.domain.measures import Direction, Maturity, Metric, Practice, Text
from escalera.domain.segments import MarketSegment, PriceTier
from escalera.domain.standards import (
    Ladder,
    Level,
    MetricRequirement,
    PracticeRequirement,
    StandardVersion,
)
from escalera.store.evidence import OBSERVATION_SCHEMA

ON = dt.date(2026, 6, 1)
STALE = 730
T = Text(es="x", en="x")


# ----------------------------------------------------------------------------- catalogs


def versioned_catalog() -> Catalog:
    """A small catalog whose middle level changed version in 2025, with three segments."""
    def version(name: str, start: dt.date, end: dt.date | None, otd: float, defects: float,
                maturity: int) -> StandardVersion:
        return StandardVersion(
            version=name, effective_from=start, effective_to=end,
            metrics=(MetricRequirement(metric="otd", threshold=otd, rationale="r"),
                     MetricRequirement(metric="defects", threshold=defects, rationale="r")),
            practices=(PracticeRequirement(practice="inspection",
                                           min_maturity=Maturity(maturity), rationale="r"),),
        )
    start, change = dt.date(2020, 1, 1), dt.date(2025, 1, 1)
    ladder = Ladder(id="tiers", name=T, levels=(
        Level(id="low", name=T, versions=(version("1", start, None, 70, 8, 1),)),
        Level(id="mid", name=T, versions=(version("1", start, change, 85, 5, 1),
                                          version("2", change, None, 90, 4, 2))),
        Level(id="high", name=T, versions=(version("1", start, None, 95, 2, 3),)),
    ))
    seg = {"name": T, "ladder": "tiers", "price_tier": PriceTier.MID, "rationale": "r"}
    return Catalog(
        metrics=(Metric(id="otd", name=T, unit="%", direction=Direction.HIGHER),
                 Metric(id="defects", name=T, unit="%", direction=Direction.LOWER),
                 Metric(id="lead_time_days", name=T, unit="d", direction=Direction.LOWER)),
        practices=(Practice(id="inspection", name=T),),
        ladders=(ladder,),
        segments=(
            MarketSegment(id="open", level=None, min_order_units=0, lead_time_days=90, **seg),
            MarketSegment(id="mid", level="mid", min_order_units=1000, lead_time_days=60,
                          **seg),
            MarketSegment(id="top", level="high", min_order_units=0, lead_time_days=45, **seg),
        ),
    )


def all_items(catalog: Catalog) -> list[tuple[ItemKind, str]]:
    return [(ItemKind.METRIC, m.id) for m in catalog.metrics] + [
        (ItemKind.PRACTICE, p.id) for p in catalog.practices]


def thresholds(catalog: Catalog, on: dt.date) -> dict[tuple[ItemKind, str], list[float]]:
    """Every threshold on each item, from every version of every level and segment."""
    found: dict[tuple[ItemKind, str], list[float]] = {k: [] for k in all_items(catalog)}
    for ladder in catalog.ladders:
        for level in ladder.levels:
            for std in level.versions:
                for m in std.metrics:
                    found[(ItemKind.METRIC, m.metric)].append(m.threshold)
    for seg in catalog.segments:
        found[(ItemKind.METRIC, "lead_time_days")].append(float(seg.lead_time_days))
    for key in found:
        if key[0] is ItemKind.PRACTICE:
            found[key] = [0.0, 1.0, 2.0, 3.0]
        elif not found[key]:
            found[key] = [50.0]
    return found


# ----------------------------------------------------------------------------- populations


def random_population(catalog: Catalog, firms: int, seed: int, on: dt.date) -> pl.DataFrame:
    """Wide evidence around every threshold.

    Each firm has a latent standing, so every level of every ladder is reached by some;
    values sit exactly on a threshold, one float either side of it, or a step away; some
    items are missing or NaN, dates fall exactly on, just past, or far beyond the stale
    boundary and a few after ``on``; capacities sit around the segments' minimum orders.
    """
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {FIRM_ID: [f"F{i:06d}" for i in range(firms)]}
    epoch_days = (on - dt.date(1970, 1, 1)).days
    limits = thresholds(catalog, on)
    standing = rng.random(firms)
    tidy = rng.random(firms) < 0.7  # complete, fresh records
    for kind, item in all_items(catalog):
        if kind is ItemKind.PRACTICE:
            noise = rng.choice([-1, 0, 1], firms, p=[0.05, 0.9, 0.05])
            values = np.clip(np.floor(standing * 4) + noise, 0, 3).astype(np.float64)
        else:
            better = 1.0 if catalog.metric(item).direction is Direction.HIGHER else -1.0
            ts = np.array(sorted(set(limits[(kind, item)]), key=lambda t: better * t))
            span = max(float(ts.max() - ts.min()), 1.0)
            idx = np.floor(standing * (len(ts) + 1)).astype(int) - 1 + rng.choice(
                [-1, 0, 1], firms, p=[0.05, 0.9, 0.05])
            base = ts[np.clip(idx, 0, len(ts) - 1)]
            mode = rng.choice(5, firms, p=[0.3, 0.25, 0.05, 0.35, 0.05])
            values = np.select(
                [mode == 0, mode == 1, mode == 2, mode == 3],
                [base, np.nextafter(base, better * np.inf), np.nextafter(base, -better * np.inf),
                 base + better * rng.uniform(0, span, firms)],
                base - better * rng.uniform(0, span, firms),
            )
            values = np.where(idx < 0, ts[0] - better * rng.uniform(0, span, firms), values)
        values[rng.random(firms) < 0.002] = np.nan
        boundary = rng.choice(np.array([STALE, STALE + 1, STALE - 1, -1, -30]), firms)
        age = np.where(rng.random(firms) < 0.3, boundary, rng.integers(0, 2 * STALE, firms))
        age = np.where(tidy & (rng.random(firms) < 0.97), rng.integers(0, STALE, firms), age)
        missing = rng.random(firms) < np.where(tidy, 0.01, 0.3)
        cols[value_column(kind, item)] = pl.Series(values).set(pl.Series(missing), None)
        cols[date_column(kind, item)] = pl.Series((epoch_days - age).astype(np.int32)).set(
            pl.Series(missing), None).cast(pl.Date)
    minimums = np.array([s.min_order_units for s in catalog.segments] + [0, 1])
    base_cap = rng.choice(minimums, firms) + rng.integers(-1, 2, firms)
    cols[CAPACITY_COLUMN] = pl.Series(np.maximum(base_cap, 0)).set(
        pl.Series(rng.random(firms) < 0.1), None)
    return pl.DataFrame(cols)


def evidence_of(catalog: Catalog, row: dict[str, Any]) -> Evidence:
    metrics: dict[str, EvidenceItem] = {}
    practices: dict[str, EvidenceItem] = {}
    for kind, item in all_items(catalog):
        value, day = row.get(value_column(kind, item)), row.get(date_column(kind, item))
        if value is None or day is None:
            continue
        target = metrics if kind is ItemKind.METRIC else practices
        target[item] = EvidenceItem(value=value, observed_on=day, assessment_id="A-1")
    return Evidence(metrics=metrics, practices=practices)


def expected_row(catalog: Catalog, ev: FirmEvaluation) -> dict[str, Any]:
    """The single-firm evaluation in the bulk evaluator's column layout."""
    row: dict[str, Any] = {FIRM_ID: ev.firm_id}
    for result in ev.ladders:
        row[level_column(result.ladder)] = result.attained
        row[status_column(result.ladder)] = str(result.status)
        row[next_level_column(result.ladder)] = result.next_level
        for level in result.levels:
            row[level_status_column(result.ladder, level.level)] = str(level.status)
    for seg in ev.segments:
        row[segment_column(seg.segment)] = str(seg.status)
    nxt = ev.next_segment
    row[NEXT_SEGMENT_COLUMN] = None if nxt is None else nxt.segment
    return row


def assert_agree(catalog: Catalog, wide: pl.DataFrame, on: dt.date, stale: int) -> None:
    bulk = evaluate_bulk(catalog, wide, on, stale, include_levels=True)
    assert bulk.height == wide.height
    assert bulk[FIRM_ID].to_list() == wide[FIRM_ID].to_list()
    mismatches = []
    for row, got in zip(wide.iter_rows(named=True), bulk.iter_rows(named=True), strict=True):
        ev = evaluate_firm(catalog, row[FIRM_ID], evidence_of(catalog, row), on,
                           monthly_capacity=row.get(CAPACITY_COLUMN), stale_after_days=stale)
        want = expected_row(catalog, ev)
        if got != want:
            mismatches.append((row, {k: (got[k], v) for k, v in want.items() if got[k] != v}))
    assert not mismatches, f"{len(mismatches)} firms disagree; first: {mismatches[0]}"


# ----------------------------------------------------------------------------- tests


@pytest.mark.slow
def test_agree_on_large_random_population_default_catalog(catalog: Catalog) -> None:
    wide = random_population(catalog, 20_000, seed=1995, on=ON)
    assert_agree(catalog, wide, ON, STALE)


def test_agree_on_versioned_catalog_before_and_after_a_version_change() -> None:
    catalog = versioned_catalog()
    for on in (dt.date(2024, 12, 31), dt.date(2025, 1, 1), ON):
        assert_agree(catalog, random_population(catalog, 3_000, seed=7, on=on), on, STALE)


def test_population_covers_every_outcome(catalog: Catalog) -> None:
    """The random population is not trivially agreeing: every status value occurs."""
    wide = random_population(catalog, 20_000, seed=1995, on=ON)
    bulk = evaluate_bulk(catalog, wide, ON, STALE)
    for ladder in catalog.ladders:
        assert set(bulk[status_column(ladder.id)].drop_nulls().to_list()) == {
            "attained", "below_first_level", "not_assessed"}
        assert set(bulk[level_column(ladder.id)].drop_nulls().to_list()) == {
            lv.id for lv in ladder.levels}
    for seg in catalog.segments:
        assert set(bulk[segment_column(seg.id)].to_list()) == {
            "met", "unmet", "not_assessed"}
    assert set(bulk[NEXT_SEGMENT_COLUMN].to_list()) == {None} | {s.id for s in catalog.segments}


def test_missing_columns_mean_not_assessed(catalog: Catalog) -> None:
    wide = pl.DataFrame({FIRM_ID: ["F1", "F2"]})
    bulk = evaluate_bulk(catalog, wide, ON, STALE)
    for ladder in catalog.ladders:
        assert bulk[status_column(ladder.id)].to_list() == ["not_assessed"] * 2
        assert bulk[level_column(ladder.id)].to_list() == [None, None]
        assert bulk[next_level_column(ladder.id)].to_list() == [ladder.levels[0].id] * 2
    assert bulk[NEXT_SEGMENT_COLUMN].to_list() == [catalog.segments[0].id] * 2
    assert_agree(catalog, wide, ON, STALE)


def test_capacity_frame_is_joined_by_firm(catalog: Catalog) -> None:
    wide = random_population(catalog, 200, seed=3, on=ON)
    capacity = wide.select(FIRM_ID, CAPACITY_COLUMN).reverse()
    with_frame = evaluate_bulk(catalog, wide.drop(CAPACITY_COLUMN), ON, STALE,
                               capacity=capacity)
    assert with_frame.equals(evaluate_bulk(catalog, wide, ON, STALE))


def _item_value(kind: ItemKind, ts: list[float]) -> st.SearchStrategy[float]:
    if kind is ItemKind.PRACTICE:
        return st.sampled_from([0.0, 1.0, 2.0, 3.0])
    near = st.sampled_from(ts).flatmap(lambda t: st.sampled_from(
        [t, math.nextafter(t, math.inf), math.nextafter(t, -math.inf), t + 1, t - 1]))
    return st.one_of(near, st.floats(-1e3, 1e3, allow_nan=False))


@st.composite
def small_population(draw: st.DrawFn, catalog: Catalog) -> pl.DataFrame:
    limits = thresholds(catalog, ON)
    n = draw(st.integers(1, 12))
    cols: dict[str, list[Any]] = {FIRM_ID: [f"F{i}" for i in range(n)]}
    for kind, item in all_items(catalog):
        values: list[float | None] = []
        dates: list[dt.date | None] = []
        for _i in range(n):
            present = draw(st.booleans()) or draw(st.booleans())
            values.append(draw(_item_value(kind, limits[(kind, item)])) if present else None)
            age = draw(st.one_of(st.sampled_from([0, STALE - 1, STALE, STALE + 1]),
                                 st.integers(-3, 3 * STALE)))
            dates.append(ON - dt.timedelta(days=age) if present else None)
        cols[value_column(kind, item)] = values
        cols[date_column(kind, item)] = dates
    minimums = sorted({s.min_order_units for s in catalog.segments} | {0})
    cols[CAPACITY_COLUMN] = [
        draw(st.one_of(st.none(), st.sampled_from(minimums).flatmap(
            lambda m: st.sampled_from([max(m - 1, 0), m, m + 1])))) for _i in range(n)]
    schema: dict[str, Any] = {FIRM_ID: pl.String, CAPACITY_COLUMN: pl.Int64}
    for kind, item in all_items(catalog):
        schema[value_column(kind, item)] = pl.Float64
        schema[date_column(kind, item)] = pl.Date
    return pl.DataFrame(cols, schema=schema)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_agree_on_small_hypothesis_populations(catalog: Catalog, data: st.DataObject) -> None:
    wide = data.draw(small_population(catalog))
    stale = data.draw(st.sampled_from([STALE, 0, 30]))
    assert_agree(catalog, wide, ON, stale)


# ----------------------------------------------------------------------------- long -> wide


def _observations(rows: list[Observation]) -> pl.DataFrame:
    return pl.DataFrame([[o.firm_id, o.assessment_id, o.observed_on, str(o.kind), o.item,
                          o.value] for o in rows], schema=OBSERVATION_SCHEMA, orient="row")


def assert_latest_agrees(rows: list[Observation], on: dt.date) -> None:
    wide = latest_evidence_frame(_observations(rows), on)
    firms = sorted({o.firm_id for o in rows if o.observed_on <= on})
    assert sorted(wide[FIRM_ID].to_list()) == firms
    assert wide[FIRM_ID].n_unique() == wide.height
    by_firm = {r[FIRM_ID]: r for r in wide.iter_rows(named=True)}
    items = {(o.kind, o.item) for o in rows}
    for firm in firms:
        want = latest_evidence([o for o in rows if o.firm_id == firm], on)
        got = by_firm[firm]
        for kind, item in items:
            expected = (want.metrics if kind is ItemKind.METRIC else want.practices).get(item)
            value, day = got.get(value_column(kind, item)), got.get(date_column(kind, item))
            if expected is None:
                assert (value, day) == (None, None)
            else:
                assert (value, day) == (expected.value, expected.observed_on), (firm, item)


OBS_ITEMS = [(ItemKind.METRIC, "otd"), (ItemKind.METRIC, "defects"),
             (ItemKind.PRACTICE, "inspection"), (ItemKind.PRACTICE, "otd")]


@st.composite
def observation_lists(draw: st.DrawFn) -> list[Observation]:
    rows = []
    for _i in range(draw(st.integers(0, 40))):
        kind, item = draw(st.sampled_from(OBS_ITEMS))
        rows.append(Observation(
            firm_id=draw(st.sampled_from(["F-A", "F-B", "F-C"])),
            assessment_id=draw(st.sampled_from(["A-1", "A-2", "A-10", "B-1"])),
            observed_on=ON + dt.timedelta(days=draw(st.integers(-4, 2))),
            kind=kind, item=item, value=float(draw(st.integers(0, 100))),
        ))
    return rows


@settings(max_examples=150, deadline=None)
@given(rows=observation_lists(), offset=st.integers(-3, 3))
def test_latest_evidence_frame_matches_latest_evidence(rows: list[Observation],
                                                       offset: int) -> None:
    assert_latest_agrees(rows, ON + dt.timedelta(days=offset))


def test_latest_evidence_frame_ties_and_layout() -> None:
    day = dt.date(2026, 1, 10)
    rows = [
        Observation(firm_id="F-A", assessment_id="A-2", observed_on=day,
                    kind=ItemKind.METRIC, item="otd", value=80),
        Observation(firm_id="F-A", assessment_id="A-10", observed_on=day,
                    kind=ItemKind.METRIC, item="otd", value=90),  # "A-2" > "A-10": loses
        Observation(firm_id="F-A", assessment_id="A-3", observed_on=day + dt.timedelta(1),
                    kind=ItemKind.PRACTICE, item="inspection", value=2),
        Observation(firm_id="F-A", assessment_id="A-3", observed_on=day + dt.timedelta(1),
                    kind=ItemKind.PRACTICE, item="inspection", value=3),  # duplicate: first
        Observation(firm_id="F-B", assessment_id="B-1", observed_on=day + dt.timedelta(9),
                    kind=ItemKind.METRIC, item="otd", value=99),  # after `on`: ignored
    ]
    on = day + dt.timedelta(5)
    wide = latest_evidence_frame(_observations(rows), on)
    assert wide.columns == [FIRM_ID, "m:otd", "m:otd:on", "p:inspection", "p:inspection:on"]
    assert wide.row(0) == ("F-A", 80.0, day, 2.0, day + dt.timedelta(1))
    assert wide.height == 1
    assert_latest_agrees(rows, on)
    assert latest_evidence_frame(_observations([]), on).columns == [FIRM_ID]


def test_long_to_wide_to_verdict_agrees_with_single_firm(catalog: Catalog) -> None:
    """The whole bulk path from observations agrees with latest_evidence + evaluate_firm."""
    rng = np.random.default_rng(11)
    limits = thresholds(catalog, ON)
    rows = []
    for firm in range(300):
        for visit in range(int(rng.integers(1, 4))):
            day = ON - dt.timedelta(days=int(rng.integers(0, 1200)))
            for kind, item in all_items(catalog):
                if rng.random() < 0.3:
                    continue
                value = float(rng.choice(limits[(kind, item)])) + float(rng.integers(-1, 2))
                rows.append(Observation(firm_id=f"F{firm:04d}", assessment_id=f"A-{visit}",
                                        observed_on=day, kind=kind, item=item, value=value))
    wide = latest_evidence_frame(_observations(rows), ON)
    bulk = evaluate_bulk(catalog, wide, ON, STALE, include_levels=True)
    for got in bulk.iter_rows(named=True):
        firm = got[FIRM_ID]
        evidence = latest_evidence([o for o in rows if o.firm_id == firm], ON)
        want = expected_row(catalog, evaluate_firm(catalog, firm, evidence, ON,
                                                   stale_after_days=STALE))
        assert got == want
