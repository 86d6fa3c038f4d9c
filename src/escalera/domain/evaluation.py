"""The one implementation of "which level is this firm at": attainment, gaps and segments.

Rules, in order:
1. A requirement is *met* when the latest evidence is on the good side of its threshold
   (``>=`` for higher-is-better, ``<=`` for lower-is-better; maturities ``>=``), *unmet*
   when it is on the bad side, and *not assessed* when evidence is missing or older than
   ``stale_after_days`` on the evaluation date. Missing evidence is never a failure.
2. A level is met when all its requirements are met, unmet when any is unmet, otherwise
   not assessed.
3. The attained level is the highest level such that it and every level below it are met.
4. The gap is every requirement of the next level that is not met, with current value,
   required value and a direction-aware distance (positive = still short).
5. A segment is reachable when the firm has attained its level, its monthly capacity covers
   the segment's minimum order and its order-to-delivery lead time is within the segment's.
   The next segment to target is the first one past the last segment reached (the catalog
   lists them from least to most demanding), else the first one not reached.

``escalera.analytics.bulk_evaluation`` applies the same rules column-wise; tests prove both
agree on large random populations.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind
from escalera.domain.measures import Direction
from escalera.domain.segments import LEAD_TIME_METRIC as LEAD_TIME_METRIC
from escalera.domain.segments import MarketSegment
from escalera.domain.standards import Ladder

DEFAULT_STALE_AFTER_DAYS = 730


class Status(StrEnum):
    """Outcome of judging a requirement or a level."""

    MET = "met"
    UNMET = "unmet"
    NOT_ASSESSED = "not_assessed"


class LadderStatus(StrEnum):
    """Where a firm stands on a ladder as a whole."""

    ATTAINED = "attained"  # at least the first level
    BELOW_FIRST_LEVEL = "below_first_level"  # evidence shows the first level unmet
    NOT_ASSESSED = "not_assessed"  # not enough current evidence to judge the first level


class RequirementResult(BaseModel):
    """One requirement judged against the evidence."""

    model_config = ConfigDict(frozen=True)

    kind: ItemKind
    item: str
    direction: Direction
    required: float
    current: float | None
    distance: float | None
    status: Status
    observed_on: dt.date | None = None
    assessment_id: str | None = None
    stale: bool = False
    rationale: str = ""


class LevelResult(BaseModel):
    """A level judged against the evidence, with the standard version used."""

    model_config = ConfigDict(frozen=True)

    level: str
    standard_version: str
    status: Status
    requirements: tuple[RequirementResult, ...]


class LadderResult(BaseModel):
    """A firm on one ladder: attained level, the next one and the gap to it."""

    model_config = ConfigDict(frozen=True)

    ladder: str
    status: LadderStatus
    attained: str | None
    next_level: str | None
    gap: tuple[RequirementResult, ...]
    levels: tuple[LevelResult, ...]


class SegmentCheck(BaseModel):
    """One condition of a segment (level, capacity, lead time) for one firm."""

    model_config = ConfigDict(frozen=True)

    condition: str
    status: Status
    current: float | str | None
    required: float | str | None


class SegmentResult(BaseModel):
    """Whether a firm can sell to a segment now, and what blocks it."""

    model_config = ConfigDict(frozen=True)

    segment: str
    status: Status
    checks: tuple[SegmentCheck, ...]


class FirmEvaluation(BaseModel):
    """Everything the evaluator says about one firm on one date."""

    model_config = ConfigDict(frozen=True)

    firm_id: str
    on: dt.date
    ladders: tuple[LadderResult, ...]
    segments: tuple[SegmentResult, ...]

    @property
    def reachable_segments(self) -> list[str]:
        """Segments the firm can sell to now."""
        return [s.segment for s in self.segments if s.status is Status.MET]

    @property
    def next_segment(self) -> SegmentResult | None:
        """The segment to target next: the first one past the last segment reached (segments
        are listed from least to most demanding); when the firm already reaches the last one,
        the first it does not reach. None when it reaches them all."""
        reached = [i for i, s in enumerate(self.segments) if s.status is Status.MET]
        beyond = reached[-1] + 1 if reached else 0
        if beyond < len(self.segments):
            return self.segments[beyond]
        return next((s for s in self.segments if s.status is not Status.MET), None)

    def ladder(self, ladder_id: str) -> LadderResult:
        """The result for one ladder."""
        return next(r for r in self.ladders if r.ladder == ladder_id)


def is_met(value: float, threshold: float, direction: Direction) -> bool:
    """The comparison every path uses: on the good side of the threshold, ties included."""
    return value >= threshold if direction is Direction.HIGHER else value <= threshold


def distance(value: float, threshold: float, direction: Direction) -> float:
    """How far ``value`` is short of ``threshold`` (positive = short, <= 0 = met)."""
    return threshold - value if direction is Direction.HIGHER else value - threshold


def _fresh(item: EvidenceItem | None, on: dt.date, stale_after_days: int) -> bool:
    return item is not None and (on - item.observed_on).days <= stale_after_days


def _judge(kind: ItemKind, item_id: str, direction: Direction, required: float,
           evidence: EvidenceItem | None, on: dt.date, stale_after_days: int,
           rationale: str) -> RequirementResult:
    if evidence is None or not _fresh(evidence, on, stale_after_days):
        return RequirementResult(
            kind=kind, item=item_id, direction=direction, required=required,
            current=None if evidence is None else evidence.value, distance=None,
            status=Status.NOT_ASSESSED, stale=evidence is not None,
            observed_on=None if evidence is None else evidence.observed_on,
            assessment_id=None if evidence is None else evidence.assessment_id,
            rationale=rationale,
        )
    met = is_met(evidence.value, required, direction)
    return RequirementResult(
        kind=kind, item=item_id, direction=direction, required=required,
        current=evidence.value, distance=distance(evidence.value, required, direction),
        status=Status.MET if met else Status.UNMET, observed_on=evidence.observed_on,
        assessment_id=evidence.assessment_id, rationale=rationale,
    )


def _combine(statuses: list[Status]) -> Status:
    if Status.UNMET in statuses:
        return Status.UNMET
    if Status.NOT_ASSESSED in statuses:
        return Status.NOT_ASSESSED
    return Status.MET


def evaluate_ladder(catalog: Catalog, ladder: Ladder, evidence: Evidence, on: dt.date,
                    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> LadderResult:
    """Judge every level of ``ladder``; see the module docstring for the rules."""
    levels: list[LevelResult] = []
    for level in ladder.levels:
        standard = level.standard_on(on)
        results = [
            _judge(ItemKind.METRIC, req.metric, catalog.metric(req.metric).direction,
                   req.threshold, evidence.metrics.get(req.metric), on, stale_after_days,
                   req.rationale)
            for req in standard.metrics
        ] + [
            _judge(ItemKind.PRACTICE, req.practice, Direction.HIGHER, float(req.min_maturity),
                   evidence.practices.get(req.practice), on, stale_after_days, req.rationale)
            for req in standard.practices
        ]
        levels.append(LevelResult(level=level.id, standard_version=standard.version,
                                  status=_combine([r.status for r in results]),
                                  requirements=tuple(results)))
    climbed = 0
    while climbed < len(levels) and levels[climbed].status is Status.MET:
        climbed += 1
    attained = levels[climbed - 1].level if climbed else None
    following = levels[climbed] if climbed < len(levels) else None
    if attained is not None:
        status = LadderStatus.ATTAINED
    elif levels[0].status is Status.UNMET:
        status = LadderStatus.BELOW_FIRST_LEVEL
    else:
        status = LadderStatus.NOT_ASSESSED
    return LadderResult(
        ladder=ladder.id, status=status, attained=attained,
        next_level=following.level if following else None,
        gap=tuple(r for r in following.requirements if r.status is not Status.MET)
        if following else (),
        levels=tuple(levels),
    )


def evaluate_segment(segment: MarketSegment, ladder_result: LadderResult, ladder: Ladder,
                     monthly_capacity: int | None, evidence: Evidence, on: dt.date,
                     stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> SegmentResult:
    """Can the firm sell to ``segment`` now? Each condition is reported with its status."""
    checks: list[SegmentCheck] = []
    if segment.level is not None:
        need = ladder.level_index(segment.level)
        have = -1 if ladder_result.attained is None else ladder.level_index(ladder_result.attained)
        # Below the required level, the first level not met decides: unmet or unknown.
        level_status = (Status.MET if have >= need
                        else Status.UNMET if ladder_result.levels[have + 1].status is Status.UNMET
                        else Status.NOT_ASSESSED)
        checks.append(SegmentCheck(condition="level", status=level_status,
                                   current=ladder_result.attained, required=segment.level))
    if segment.min_order_units > 0:
        cap_status = (Status.NOT_ASSESSED if monthly_capacity is None
                      else Status.MET if monthly_capacity >= segment.min_order_units
                      else Status.UNMET)
        checks.append(SegmentCheck(condition="capacity", status=cap_status,
                                   current=monthly_capacity, required=segment.min_order_units))
    lead = evidence.metrics.get(LEAD_TIME_METRIC)
    if lead is None or not _fresh(lead, on, stale_after_days):
        lead_status = Status.NOT_ASSESSED
    else:
        lead_status = Status.MET if lead.value <= segment.lead_time_days else Status.UNMET
    checks.append(SegmentCheck(condition="lead_time", status=lead_status,
                               current=None if lead is None else lead.value,
                               required=segment.lead_time_days))
    return SegmentResult(segment=segment.id, status=_combine([c.status for c in checks]),
                         checks=tuple(checks))


def evaluate_firm(catalog: Catalog, firm_id: str, evidence: Evidence, on: dt.date,
                  monthly_capacity: int | None = None,
                  stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> FirmEvaluation:
    """A firm's level on every ladder, the gaps, and the segments it can reach on ``on``."""
    ladder_results = {
        ladder.id: evaluate_ladder(catalog, ladder, evidence, on, stale_after_days)
        for ladder in catalog.ladders
    }
    segments = tuple(
        evaluate_segment(seg, ladder_results[seg.ladder], catalog.ladder(seg.ladder),
                         monthly_capacity, evidence, on, stale_after_days)
        for seg in catalog.segments
    )
    return FirmEvaluation(firm_id=firm_id, on=on, ladders=tuple(ladder_results.values()),
                          segments=segments)
