"""Judging one lot: a sampling plan per defect class, the counts found, the lot's decision,
and what the switching rules and the quality metrics take from it. Pure functions.

Each defect class (critical, major, minor) has its own AQL and so its own plan (ISO 2859-1,
clause 5.1); arrows may give the classes different sample sizes. The inspector draws the
largest and judges each class on the first ``n`` units its plan asks for. A class may be
inspected with *zero tolerance* (AQL ``0``: what buyers' manuals ask of critical defects;
not part of the standard's series): it is judged on the whole sample with Ac 0, Re 1. The
lot is accepted when every class is accepted.

For the switching rules a lot counts once: accepted when every class is accepted; its
acceptance number is the largest of the classes' (so a plan with Ac >= 2 asks, for the
switching score, whether the lot would also have passed one AQL step tighter in **every**
class whose Ac is 2 or more). The standard scores single plans; combining classes this way
is this project's choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from escalera.domain import sampling_tables as tables
from escalera.domain.defects import CLASS_ORDER, DefectClass, defect, defect_class
from escalera.domain.sampling import (
    Basis,
    Decision,
    SamplingError,
    SamplingPlan,
    Severity,
    accepted_at_tighter_aql,
    code_letter,
    decide,
    normalize_aql,
    normalize_basis,
    normalize_severity,
    sampling_plan,
)
from escalera.domain.switching import LotResult
from escalera.errors import N_

ZERO_TOLERANCE = "0"
DEFAULT_AQLS: dict[DefectClass, str] = {DefectClass.CRITICAL: ZERO_TOLERANCE,
                                        DefectClass.MAJOR: "2.5", DefectClass.MINOR: "4.0"}
QUALITY_WINDOW_DAYS = 365  # the quality metrics summarise the lots of the last year
LOT_ACCEPTANCE_METRIC = "lot_acceptance_rate_pct"
DEFECTS_METRIC = "defects_per_hundred_units"


@dataclass(frozen=True)
class DefectCount:
    """How many of one catalog defect were found, in which class."""

    code: str
    defect_class: DefectClass
    count: int


@dataclass(frozen=True)
class ClassJudgement:
    """One class's plan and verdict. ``plan`` is None for zero tolerance."""

    defect_class: DefectClass
    aql: str
    plan: SamplingPlan | None
    sample_size: int
    ac: int
    re: int
    found: int
    decision: Decision
    accepted_at_tighter_aql: bool | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {"class": str(self.defect_class), "aql": self.aql,
                "code_letter": self.plan.code_letter if self.plan else None,
                "sample_size": self.sample_size, "ac": self.ac, "re": self.re,
                "found": self.found, "decision": str(self.decision),
                "accepted_at_tighter_aql": self.accepted_at_tighter_aql}


@dataclass(frozen=True)
class Judgement:
    """A lot's verdict: the classes, the sample to draw and the decision."""

    severity: Severity
    basis: Basis
    table_letter: str
    sample_size: int
    full_inspection: bool
    classes: tuple[ClassJudgement, ...]
    decision: Decision

    @property
    def accepted(self) -> bool:
        """Every class accepted."""
        return self.decision is Decision.ACCEPT

    @property
    def defects_found(self) -> int:
        """Everything counted, all classes."""
        return sum(c.found for c in self.classes)

    def lot_result(self, lot_id: str, on: dt.date, resubmitted: bool = False) -> LotResult:
        """What the switching rules take from this lot."""
        lead = max(self.classes, key=lambda c: c.ac)
        tighter: bool | None = None
        if self.accepted and lead.ac >= 2:
            tighter = all(bool(c.accepted_at_tighter_aql) for c in self.classes if c.ac >= 2)
        return LotResult(lot_id=lot_id, date=on, accepted=self.accepted,
                         acceptance_number=lead.ac, nonconforming=lead.found,
                         accepted_at_tighter_aql=tighter, resubmitted=resubmitted)


def normalize_class_aql(value: str | float) -> str:
    """An AQL of the series, or ``"0"`` for zero tolerance."""
    text = str(value).strip().replace(",", ".")
    if text in {"0", "0.0", "0.00"}:
        return ZERO_TOLERANCE
    return normalize_aql(text)


def count_defects(counts: Mapping[str, int], classes: Mapping[str, str] | None = None
                  ) -> tuple[DefectCount, ...]:
    """Catalog counts from ``{code: count}``; ``classes`` may move a code to another class."""
    moved = {defect(code).code: defect_class(cls) for code, cls in (classes or {}).items()}
    found: list[DefectCount] = []
    for code, count in counts.items():
        entry = defect(code)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise SamplingError(N_("defect {code}: the count must be a whole number of at "
                                   "least 0, got {count}"), code=entry.code, count=count)
        if count:
            found.append(DefectCount(entry.code, moved.get(entry.code, entry.default_class),
                                     count))
    return tuple(sorted(found, key=lambda d: (CLASS_ORDER.index(d.defect_class), d.code)))


def judge(lot_size: int, level: str, aqls: Mapping[DefectClass, str],
          defects: Iterable[DefectCount], severity: str | Severity = Severity.NORMAL,
          basis: str | Basis = Basis.UNITS) -> Judgement:
    """Plan and verdict of a lot, one plan per class with an AQL (see the module's notes)."""
    sev, how = normalize_severity(severity), normalize_basis(basis)
    if not aqls:
        raise SamplingError(N_("give an AQL for at least one defect class"))
    first = code_letter(lot_size, level)
    wanted = {defect_class(k): normalize_class_aql(v) for k, v in aqls.items()}
    found = dict.fromkeys(wanted, 0)
    for item in defects:
        if item.defect_class not in wanted:
            raise SamplingError(N_("{count} defects of class {cls} were counted, but no AQL "
                                   "was set for that class"), count=item.count,
                                cls=str(item.defect_class))
        found[item.defect_class] += item.count
    plans = {cls: sampling_plan(lot_size, level, aql, sev)
             for cls, aql in wanted.items() if aql != ZERO_TOLERANCE}
    base = min(tables.SAMPLE_SIZES[first] if sev is not Severity.REDUCED
               else tables.REDUCED_SAMPLE_SIZES[first], lot_size)
    drawn = max((p.sample_size for p in plans.values()), default=base)
    if how is Basis.UNITS and sum(found.values()) > drawn:
        raise SamplingError(N_("{defects} nonconforming units found but only {sample_size} "
                               "units were sampled"), defects=sum(found.values()),
                            sample_size=drawn)
    judged: list[ClassJudgement] = []
    for cls in (c for c in CLASS_ORDER if c in wanted):
        plan = plans.get(cls)
        count = found[cls]
        if plan is None:
            decision = decide(_zero_plan(lot_size, level, sev, first, drawn), count, how)
            judged.append(ClassJudgement(cls, ZERO_TOLERANCE, None, drawn, 0, 1, count,
                                         decision, None))
            continue
        decision = decide(plan, count, how)
        tighter = accepted_at_tighter_aql(plan, count) if decision is Decision.ACCEPT else None
        judged.append(ClassJudgement(cls, plan.aql, plan, plan.sample_size, plan.ac, plan.re,
                                     count, decision, tighter))
    accepted = all(j.decision is Decision.ACCEPT for j in judged)
    return Judgement(severity=sev, basis=how, table_letter=first, sample_size=drawn,
                     full_inspection=drawn >= lot_size, classes=tuple(judged),
                     decision=Decision.ACCEPT if accepted else Decision.REJECT)


def _zero_plan(lot_size: int, level: str, severity: Severity, letter: str,
               size: int) -> SamplingPlan:
    return SamplingPlan(lot_size=lot_size, level=level, aql="0", severity=str(severity),
                        code_letter=letter, table_letter=letter, sample_size=size, ac=0,
                        re=1, full_inspection=size >= lot_size)


@dataclass(frozen=True)
class LotSummary:
    """What the quality metrics need of one inspected lot."""

    inspected_on: dt.date
    accepted: bool
    sample_size: int
    defects: int
    resubmitted: bool = False


def quality_metrics(lots: Iterable[LotSummary], on: dt.date,
                    window_days: int = QUALITY_WINDOW_DAYS) -> dict[str, float]:
    """Lot acceptance rate (original inspections, %) and defects per hundred units sampled
    over the ``window_days`` up to and including ``on``; empty when no lot was inspected."""
    start = on - dt.timedelta(days=window_days - 1)
    inside = [lot for lot in lots if start <= lot.inspected_on <= on]
    original = [lot for lot in inside if not lot.resubmitted]
    metrics: dict[str, float] = {}
    if original:
        accepted = sum(lot.accepted for lot in original)
        metrics[LOT_ACCEPTANCE_METRIC] = round(100.0 * accepted / len(original), 2)
    units = sum(lot.sample_size for lot in inside)
    if units:
        metrics[DEFECTS_METRIC] = round(100.0 * sum(lot.defects for lot in inside) / units, 2)
    return metrics
