"""The demo's lot inspections: buyers' quality staff inspecting a few dozen producers' lots
every two to five weeks over the last year, recorded through the same service an inspector
uses (``services.inspections.record``), so switching states, transitions, discontinued
streams and the quality metrics the ladders judge all arise from the rules themselves.

Each producer's share of nonconforming garments comes from its latest defect rate in the
demo's assessments; a stream that is discontinued resumes after corrective action a few
weeks later. Deterministic for a seed; runs in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.domain.defects import DEFECTS, DefectClass
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.inspections import DEFAULT_AQLS, DefectCount
from escalera.domain.sampling import Severity
from escalera.domain.switching import InspectionDiscontinued
from escalera.services import inspections as svc
from escalera.store.evidence import firms_frame, rows_frame
from escalera.store.tables import AssessmentRow, FirmRow, ObservationRow

INSPECTORS = ("Ing. Lucía Paredes", "Ing. Ramón Esquivel", "Lic. Teresa Ochoa",
              "Ing. Arturo Villanueva")
LOT_SIZES = (300, 500, 800, 1200, 2000, 3200, 5000)
CLASS_SHARE = {DefectClass.CRITICAL: 0.01, DefectClass.MAJOR: 0.52, DefectClass.MINOR: 0.47}
CORRECTIVE_ACTIONS = (
    "Se reentrenó a las operarias de cierre y se agregó inspección en proceso.",
    "Se cambió el proveedor de hilo y se calibraron las máquinas de pespunte.",
    "Se instaló una mesa de revisión final con tabla de medidas por talla.",
)


@dataclass(frozen=True)
class InspectionSummary:
    """How many lots and streams the demo inspected, and how the streams ended."""

    streams: int
    lots: int
    not_accepted: int
    by_severity: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        """For ``--json``."""
        return dict(self.__dict__)


def _candidates(session: Session) -> list[tuple[str, str, float]]:
    """Producers with a product and their latest defect rate (%), by firm id."""
    producers = (firms_frame(session)
                 .filter(pl.col("roles").list.eval(
                     pl.element().is_in([str(r) for r in PRODUCER_ROLES])).list.any(),
                         pl.col("products").list.len() > 0)
                 .select("firm_id", product=pl.col("products").list.first()))
    stmt = (select(FirmRow.public_id, AssessmentRow.assessed_on, ObservationRow.value)
            .join(AssessmentRow, AssessmentRow.firm_id == FirmRow.id)
            .join(ObservationRow, ObservationRow.assessment_id == AssessmentRow.id)
            .where(ObservationRow.item == "defect_rate_pct", AssessmentRow.status == "final"))
    rates = (rows_frame(session.execute(stmt),
                        {"firm_id": pl.String, "on": pl.Date, "rate": pl.Float64})
             .sort("firm_id", "on").group_by("firm_id").agg(pl.col("rate").last()))
    joined = producers.join(rates, on="firm_id").sort("firm_id")
    return list(joined.select("firm_id", "product", "rate").iter_rows())


def _defects(rng: np.random.Generator, nonconforming: int) -> tuple[DefectCount, ...]:
    classes = list(CLASS_SHARE)
    split = rng.multinomial(nonconforming, list(CLASS_SHARE.values()))
    counts: dict[tuple[str, DefectClass], int] = {}
    for cls, total in zip(classes, split, strict=True):
        kinds = [d for d in DEFECTS if d.default_class is cls]
        for kind, n in zip(kinds, rng.multinomial(int(total), [1 / len(kinds)] * len(kinds)),
                           strict=True):
            if n:
                counts[(kind.code, cls)] = int(n)
    return tuple(DefectCount(code, cls, n) for (code, cls), n in counts.items())


def seed_inspections(session: Session, *, seed: int, reference_date: dt.date,
                     firms: int) -> InspectionSummary:
    """A year of lot inspections for about one producer in fifty (at least eight)."""
    rng = np.random.default_rng(seed + 2859)
    candidates = _candidates(session)
    wanted = min(len(candidates), max(firms // 50, 8))
    picked = [candidates[int(i)] for i in sorted(rng.permutation(len(candidates))[:wanted])]
    lots = rejected = 0
    ends: dict[str, int] = {}
    for index, (firm_id, product, rate) in enumerate(picked):
        share = float(np.clip(rate / 100.0 * rng.uniform(0.5, 1.3), 0.002, 0.25))
        day = reference_date - dt.timedelta(days=int(rng.integers(330, 365)))
        inspector = INSPECTORS[index % len(INSPECTORS)]
        approved = False
        number = 0
        while day <= reference_date:
            number += 1
            lot_size = int(rng.choice(LOT_SIZES))
            lot = svc.LotInput(firm_id=firm_id, product=product,
                               lot_ref=f"L{day:%y%m}-{number:03d}", lot_size=lot_size,
                               level="II", aqls=DEFAULT_AQLS, defects=(), inspected_on=day,
                               inspector=inspector, order_ref="")
            try:
                sample = svc.planned_sample(session, lot)
            except InspectionDiscontinued:
                svc.resume(session, firm_id, product, str(rng.choice(CORRECTIVE_ACTIONS)), day)
                share *= 0.4  # the corrective action works
                continue
            found = _defects(rng, int(rng.binomial(sample, share)))
            recorded = svc.record(session, replace(lot, defects=found), today=reference_date)
            lots += 1
            if not recorded.judgement.accepted:
                rejected += 1
                later = day + dt.timedelta(days=int(rng.integers(2, 6)))
                resubmit = recorded.severity_after is not Severity.DISCONTINUED
                if resubmit and rng.random() < 0.5 and later <= reference_date:  # sorted
                    day = later
                    retry = replace(lot, lot_ref=lot.lot_ref + "-R", inspected_on=day,
                                    resubmitted=True)
                    size = svc.planned_sample(session, retry)
                    again = _defects(rng, int(rng.binomial(size, share / 3)))
                    svc.record(session, replace(retry, defects=again), today=reference_date)
                    lots += 1
            if recorded.severity_after is Severity.DISCONTINUED:
                day += dt.timedelta(days=int(rng.integers(20, 40)))
                continue
            if not approved and number > 6 and rng.random() < 0.5:
                svc.approve_reduced(session, firm_id, product)
                approved = True
            day += dt.timedelta(days=int(rng.integers(14, 36)))
        state = svc.streams(session, firm_id, product, lots=0)[0].severity
        ends[str(state)] = ends.get(str(state), 0) + 1
    return InspectionSummary(streams=len(picked), lots=lots, not_accepted=rejected,
                             by_severity=ends)
