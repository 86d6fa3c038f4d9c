"""Invariants of the single-firm evaluator on the default catalog (hypothesis).

* Improving a metric in its better direction, or raising a practice's maturity, never
  lowers an attained level nor loses a reachable segment.
* A firm never attains level N without every level below it being met.
* Missing or stale evidence is reported as not assessed, never as unmet; taking evidence
  away never turns anything into unmet.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import (
    FirmEvaluation,
    LadderResult,
    LadderStatus,
    Status,
    evaluate_firm,
)
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind
from escalera.domain.measures import Direction

ON = dt.date(2026, 6, 1)
STALE = 730
SETTINGS = settings(max_examples=150, deadline=None)


def _thresholds(catalog: Catalog) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {m.id: [] for m in catalog.metrics}
    for ladder in catalog.ladders:
        for level in ladder.levels:
            for req in level.standard_on(ON).metrics:
                found[req.metric].append(req.threshold)
    for seg in catalog.segments:
        found.setdefault("lead_time_days", []).append(float(seg.lead_time_days))
    return {k: v or [50.0] for k, v in found.items()}


def _age() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(0, STALE), st.sampled_from([STALE, STALE + 1]),
                     st.integers(STALE + 1, 3 * STALE))


def _item(values: st.SearchStrategy[float]) -> st.SearchStrategy[EvidenceItem | None]:
    return st.one_of(st.none(), st.builds(
        lambda v, age: EvidenceItem(value=v, observed_on=ON - dt.timedelta(days=age),
                                    assessment_id="A-1"),
        values, _age()))


@st.composite
def evidence(draw: st.DrawFn, catalog: Catalog) -> Evidence:
    """Evidence near the catalog's thresholds, with missing and stale items."""
    limits = _thresholds(catalog)
    metrics: dict[str, EvidenceItem] = {}
    for metric in catalog.metrics:
        near = st.sampled_from(limits[metric.id]).flatmap(
            lambda t: st.sampled_from([t, t - 1, t + 1, t - 0.5, t + 0.5]))
        item = draw(_item(st.one_of(near, st.floats(0, 200, allow_nan=False))))
        if item is not None:
            metrics[metric.id] = item
    practices: dict[str, EvidenceItem] = {}
    for practice in catalog.practices:
        item = draw(_item(st.integers(0, 3).map(float)))
        if item is not None:
            practices[practice.id] = item
    return Evidence(metrics=metrics, practices=practices)


def _evaluate(catalog: Catalog, ev: Evidence, capacity: int | None = None) -> FirmEvaluation:
    return evaluate_firm(catalog, "F-TEST", ev, ON, monthly_capacity=capacity,
                         stale_after_days=STALE)


def _height(catalog: Catalog, result: LadderResult) -> int:
    """Levels climbed: 0 when none, 1 for the first level, ..."""
    if result.attained is None:
        return 0
    return catalog.ladder(result.ladder).level_index(result.attained) + 1


def _fresh(item: EvidenceItem | None) -> bool:
    return item is not None and (ON - item.observed_on).days <= STALE


capacities = st.one_of(st.none(), st.integers(0, 30_000))


# ----------------------------------------------------------------------------- monotone


@SETTINGS
@given(data=st.data(), capacity=capacities)
def test_improving_evidence_never_lowers_a_level(catalog: Catalog, data: st.DataObject,
                                                 capacity: int | None) -> None:
    before = data.draw(evidence(catalog))
    present = [(ItemKind.METRIC, k) for k in before.metrics] + [
        (ItemKind.PRACTICE, k) for k in before.practices]
    if not present:
        return
    kind, item = data.draw(st.sampled_from(present))
    if kind is ItemKind.METRIC:
        old = before.metrics[item]
        step = data.draw(st.floats(0.001, 100, allow_nan=False))
        sign = 1 if catalog.metric(item).direction is Direction.HIGHER else -1
        better = old.model_copy(update={"value": old.value + sign * step})
        after = before.model_copy(update={"metrics": {**before.metrics, item: better}})
    else:
        old = before.practices[item]
        raised = old.model_copy(update={"value": float(data.draw(
            st.integers(int(old.value), 3)))})
        after = before.model_copy(update={"practices": {**before.practices, item: raised}})

    was, now = _evaluate(catalog, before, capacity), _evaluate(catalog, after, capacity)
    for old_result, new_result in zip(was.ladders, now.ladders, strict=True):
        assert _height(catalog, new_result) >= _height(catalog, old_result), (kind, item)
        if old_result.status is LadderStatus.ATTAINED:
            assert new_result.status is LadderStatus.ATTAINED
    assert set(was.reachable_segments) <= set(now.reachable_segments)


# ----------------------------------------------------------------------------- no skipping


@SETTINGS
@given(data=st.data())
def test_no_level_without_the_levels_below(catalog: Catalog, data: st.DataObject) -> None:
    ev = _evaluate(catalog, data.draw(evidence(catalog)))
    for result in ev.ladders:
        height = _height(catalog, result)
        statuses = [lv.status for lv in result.levels]
        assert all(s is Status.MET for s in statuses[:height])
        if height < len(statuses):
            assert statuses[height] is not Status.MET
            assert result.next_level == result.levels[height].level
        else:
            assert result.next_level is None
        assert (result.status is LadderStatus.ATTAINED) == (height > 0)
        if result.status is LadderStatus.BELOW_FIRST_LEVEL:
            assert statuses[0] is Status.UNMET


# ----------------------------------------------------------------------------- not assessed


@SETTINGS
@given(data=st.data())
def test_missing_or_stale_evidence_is_not_assessed(catalog: Catalog,
                                                   data: st.DataObject) -> None:
    ev = data.draw(evidence(catalog))
    for result in _evaluate(catalog, ev).ladders:
        for level in result.levels:
            for req in level.requirements:
                source = ev.metrics if req.kind is ItemKind.METRIC else ev.practices
                if not _fresh(source.get(req.item)):
                    assert req.status is Status.NOT_ASSESSED
                    assert req.distance is None
                else:
                    assert req.status in (Status.MET, Status.UNMET)


@SETTINGS
@given(data=st.data(), capacity=capacities)
def test_taking_evidence_away_never_makes_anything_unmet(catalog: Catalog,
                                                         data: st.DataObject,
                                                         capacity: int | None) -> None:
    full = data.draw(evidence(catalog))
    keys = [(ItemKind.METRIC, k) for k in full.metrics] + [
        (ItemKind.PRACTICE, k) for k in full.practices]
    gone = data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]))
    stale_instead = data.draw(st.booleans())

    def thin(items: dict[str, EvidenceItem], kind: ItemKind) -> dict[str, EvidenceItem]:
        out = {}
        for key, item in items.items():
            if (kind, key) not in gone:
                out[key] = item
            elif stale_instead:  # the same value, observed too long ago
                out[key] = item.model_copy(
                    update={"observed_on": ON - dt.timedelta(days=STALE + 1)})
        return out

    thinner = Evidence(metrics=thin(full.metrics, ItemKind.METRIC),
                       practices=thin(full.practices, ItemKind.PRACTICE))
    was, now = _evaluate(catalog, full, capacity), _evaluate(catalog, thinner, capacity)
    for old_result, new_result in zip(was.ladders, now.ladders, strict=True):
        for old_level, new_level in zip(old_result.levels, new_result.levels, strict=True):
            if new_level.status is Status.UNMET:
                assert old_level.status is Status.UNMET
        if new_result.status is LadderStatus.BELOW_FIRST_LEVEL:
            assert old_result.status is LadderStatus.BELOW_FIRST_LEVEL
        assert _height(catalog, new_result) <= _height(catalog, old_result)
    for old_seg, new_seg in zip(was.segments, now.segments, strict=True):
        if new_seg.status is Status.UNMET:
            assert old_seg.status is Status.UNMET


@given(capacity=st.one_of(st.none(), st.integers(0, 30_000)))
def test_a_firm_never_assessed_is_not_assessed_everywhere(catalog: Catalog,
                                                          capacity: int | None) -> None:
    ev = _evaluate(catalog, Evidence(), capacity)
    for result in ev.ladders:
        assert result.status is LadderStatus.NOT_ASSESSED
        assert all(lv.status is Status.NOT_ASSESSED for lv in result.levels)
    for seg in ev.segments:
        if capacity is None:
            assert seg.status is Status.NOT_ASSESSED
        else:  # capacity is known, so only it can be unmet
            blocking = [c.condition for c in seg.checks if c.status is Status.UNMET]
            assert blocking in ([], ["capacity"])
