"""Worked examples of the evaluator's rules on a small hand-made catalog."""

from __future__ import annotations

import datetime as dt

import pytest

from escalera.domain.catalog_model import Catalog, catalog_problems
from escalera.domain.evaluation import LadderStatus, Status, evaluate_firm
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind, Observation, latest_evidence
from escalera.domain.measures import Direction, Maturity, Metric, Practice, Text
from escalera.domain.segments import MarketSegment, PriceTier
from escalera.domain.standards import (
    Ladder,
    Level,
    MetricRequirement,
    PracticeRequirement,
    StandardVersion,
)
from escalera.errors import EscaleraError

ON = dt.date(2026, 6, 1)
T = Text(es="x", en="x")


def _version(otd: float, defects: float, inspection: int, *, version: str = "1",
             start: dt.date = dt.date(2020, 1, 1), end: dt.date | None = None
             ) -> StandardVersion:
    return StandardVersion(
        version=version, effective_from=start, effective_to=end,
        metrics=(MetricRequirement(metric="otd", threshold=otd, rationale="r"),
                 MetricRequirement(metric="defects", threshold=defects, rationale="r")),
        practices=(PracticeRequirement(practice="final_inspection",
                                       min_maturity=Maturity(inspection), rationale="r"),),
    )


def make_catalog(tier2_versions: tuple[StandardVersion, ...] | None = None) -> Catalog:
    ladder = Ladder(id="tiers", name=T, levels=(
        Level(id="tier_3", name=T, versions=(_version(80, 6, 1),)),
        Level(id="tier_2", name=T, versions=tier2_versions or (_version(90, 3, 2),)),
        Level(id="tier_1", name=T, versions=(_version(95, 2, 3),)),
    ))
    return Catalog(
        metrics=(
            Metric(id="otd", name=T, unit="%", direction=Direction.HIGHER, minimum=0,
                   maximum=100),
            Metric(id="defects", name=T, unit="%", direction=Direction.LOWER, minimum=0,
                   maximum=100),
            Metric(id="lead_time_days", name=T, unit="d", direction=Direction.LOWER),
        ),
        practices=(Practice(id="final_inspection", name=T),),
        ladders=(ladder,),
        segments=(
            MarketSegment(id="local", name=T, ladder="tiers", level=None, min_order_units=0,
                          lead_time_days=120, price_tier=PriceTier.LOW, rationale="r"),
            MarketSegment(id="chains", name=T, ladder="tiers", level="tier_2",
                          min_order_units=5000, lead_time_days=60, price_tier=PriceTier.MID,
                          rationale="r"),
        ),
    )


def ev(otd: float | None = None, defects: float | None = None, inspection: int | None = None,
       lead: float | None = None, day: dt.date = dt.date(2026, 1, 10)) -> Evidence:
    def item(v: float) -> EvidenceItem:
        return EvidenceItem(value=v, observed_on=day, assessment_id="A-1")
    metrics = {k: item(v) for k, v in
               (("otd", otd), ("defects", defects), ("lead_time_days", lead)) if v is not None}
    practices = {"final_inspection": item(inspection)} if inspection is not None else {}
    return Evidence(metrics=metrics, practices=practices)


def test_level_attained_and_direction_aware_gap() -> None:
    cat = make_catalog()
    result = evaluate_firm(cat, "F", ev(otd=92, defects=4, inspection=2), ON).ladder("tiers")
    assert result.attained == "tier_3"
    assert result.next_level == "tier_2"
    assert [(g.item, g.status, g.distance) for g in result.gap] == [
        ("defects", Status.UNMET, pytest.approx(1.0))
    ]


def test_ties_meet_the_threshold_on_both_directions() -> None:
    result = evaluate_firm(make_catalog(), "F", ev(otd=90, defects=3, inspection=2), ON)
    assert result.ladder("tiers").attained == "tier_2"


def test_higher_level_without_lower_is_not_attained() -> None:
    # Tier 2 here asks for no inspection practice, tier 3 does: strong metrics pass tier 2
    # on their own, yet without tier 3 no level is attained.
    cat = make_catalog(tier2_versions=(_version(90, 3, 0),))
    result = evaluate_firm(cat, "F", ev(otd=99, defects=1, inspection=0), ON).ladder("tiers")
    assert result.attained is None
    assert result.status is LadderStatus.BELOW_FIRST_LEVEL
    assert result.levels[1].status is Status.MET  # tier 2 alone would pass
    assert result.next_level == "tier_3"


def test_missing_and_stale_evidence_is_not_assessed_not_failed() -> None:
    cat = make_catalog()
    missing = evaluate_firm(cat, "F", ev(otd=92), ON).ladder("tiers")
    assert missing.status is LadderStatus.NOT_ASSESSED
    assert {g.status for g in missing.gap} == {Status.NOT_ASSESSED}
    old = evaluate_firm(cat, "F", ev(otd=92, defects=4, inspection=2, day=dt.date(2020, 1, 1)),
                        ON, stale_after_days=365).ladder("tiers")
    assert old.status is LadderStatus.NOT_ASSESSED
    assert all(g.stale for g in old.gap)


def test_unmet_beats_not_assessed_for_the_first_level() -> None:
    result = evaluate_firm(make_catalog(), "F", ev(otd=50), ON).ladder("tiers")
    assert result.status is LadderStatus.BELOW_FIRST_LEVEL


def test_segments_now_and_next_with_blockers() -> None:
    cat = make_catalog()
    result = evaluate_firm(cat, "F", ev(otd=92, defects=2.5, inspection=2, lead=45), ON,
                           monthly_capacity=3000)
    assert result.reachable_segments == ["local"]
    nxt = result.next_segment
    assert nxt is not None and nxt.segment == "chains"
    assert {c.condition: c.status for c in nxt.checks} == {
        "level": Status.MET, "capacity": Status.UNMET, "lead_time": Status.MET}
    unknown = evaluate_firm(cat, "F", ev(otd=92, defects=2.5, inspection=2), ON)
    assert unknown.segments[0].status is Status.NOT_ASSESSED  # no lead time evidence


def test_standard_version_in_force_on_the_date_judges() -> None:
    versions = (_version(85, 5, 1, version="2020", end=dt.date(2025, 1, 1)),
                _version(90, 3, 2, version="2025", start=dt.date(2025, 1, 1)))
    cat = make_catalog(tier2_versions=versions)
    evidence = ev(otd=88, defects=4, inspection=1)
    before = evaluate_firm(cat, "F", evidence, dt.date(2024, 6, 1)).ladder("tiers")
    after = evaluate_firm(cat, "F", evidence, dt.date(2025, 6, 1)).ladder("tiers")
    assert (before.attained, before.levels[1].standard_version) == ("tier_2", "2020")
    assert (after.attained, after.levels[1].standard_version) == ("tier_3", "2025")
    with pytest.raises(EscaleraError):
        evaluate_firm(cat, "F", evidence, dt.date(2019, 6, 1))


def test_latest_evidence_ignores_the_future_and_keeps_the_latest() -> None:
    def obs(day: dt.date, value: float, aid: str) -> Observation:
        return Observation(firm_id="F", assessment_id=aid, observed_on=day,
                           kind=ItemKind.METRIC, item="otd", value=value)
    got = latest_evidence([obs(dt.date(2024, 1, 1), 70, "A1"), obs(dt.date(2025, 1, 1), 80, "A2"),
                           obs(dt.date(2027, 1, 1), 99, "A3")], ON)
    assert got.metrics["otd"].value == 80
    assert got.metrics["otd"].assessment_id == "A2"


def test_catalog_problems_name_the_path() -> None:
    cat = make_catalog()
    broken = cat.model_copy(update={"segments": (*cat.segments, cat.segments[0].model_copy(
        update={"level": "tier_9"})), "metrics": cat.metrics[:2]})
    problems = dict(catalog_problems(broken))
    assert problems[("segments", 2, "id")] == "duplicate id 'local'"
    assert problems[("segments", 2, "level")] == "ladder 'tiers' has no level 'tier_9'"


def test_next_segment_lies_past_the_last_segment_reached() -> None:
    cat = make_catalog()
    niche = MarketSegment(id="niche", name=T, ladder="tiers", level="tier_3", min_order_units=0,
                          lead_time_days=90, price_tier=PriceTier.UPPER_MID, rationale="r")
    top = MarketSegment(id="top", name=T, ladder="tiers", level="tier_1", min_order_units=100,
                        lead_time_days=49, price_tier=PriceTier.PREMIUM, rationale="r")
    evidence = ev(otd=92, defects=4, inspection=2, lead=60)
    with_top = cat.model_copy(update={"segments": (*cat.segments, niche, top)})
    result = evaluate_firm(with_top, "F", evidence, ON, monthly_capacity=3000)
    assert result.reachable_segments == ["local", "niche"]
    assert result.next_segment is not None and result.next_segment.segment == "top"
    without_top = cat.model_copy(update={"segments": (*cat.segments, niche)})
    result = evaluate_firm(without_top, "F", evidence, ON, monthly_capacity=3000)
    assert result.next_segment is not None and result.next_segment.segment == "chains"
