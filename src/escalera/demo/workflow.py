"""The demo's assessment workflow: disputes (open, upheld and corrected, rejected), visits in
progress (draft, submitted, reviewed) and screenings of firms never visited, so a first-time
user meets every feature of the life-cycle.

A few dozen use cases per thousand firms, run through the same services an assessor uses
(``services.assessments``), deterministic for a seed. Runs in the caller's transaction.
Duties are separated as the services require: the firm opens its disputes, the review
committee resolves them and reviews and finalises what an assessor recorded, and a
correction is recorded by the assessor who made the visit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.lifecycle import AssessmentStatus, DisputeStatus
from escalera.services import assessments as workflow
from escalera.store.tables import AssessmentRow, FirmRow

REVIEWER = "Comité de revisión"
DISPUTE_REASONS = (
    "La muestra de la inspección final se tomó de un lote de segundas.",
    "El tiempo de entrega incluye tres semanas de espera de tela del cliente.",
    "La tasa de defectos cuenta como defecto un hilo suelto que el comprador acepta.",
    "El evaluador no vio el tablero de planeación de la producción.",
)
UPHELD = "Se revisó la evidencia con la empresa; se corrige el valor en una nueva versión."
REJECTED = "La evidencia del día de la visita sostiene el valor registrado."


@dataclass(frozen=True)
class WorkflowSummary:
    """How many of each workflow record the demo made."""

    disputes_open: int
    disputes_upheld: int
    disputes_rejected: int
    in_progress: int
    screenings: int

    def as_dict(self) -> dict[str, int]:
        """Counts by kind, for ``--json``."""
        return dict(self.__dict__)


def _recent_final_diagnostics(session: Session, start: dt.date,
                              end: dt.date) -> list[tuple[str, str, dt.date]]:
    stmt = (select(AssessmentRow.public_id, FirmRow.public_id, AssessmentRow.assessed_on)
            .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
            .where(AssessmentRow.stage == str(Stage.DIAGNOSTIC),
                   AssessmentRow.status == str(AssessmentStatus.FINAL),
                   AssessmentRow.assessed_on.between(start, end))
            .order_by(AssessmentRow.public_id))
    return [(a, f, d) for a, f, d in session.execute(stmt)]


def _never_visited(session: Session) -> list[str]:
    """Producers with no assessment at all, by id."""
    visited = exists().where(AssessmentRow.firm_id == FirmRow.id)
    stmt = select(FirmRow.public_id, FirmRow.roles).where(~visited).order_by(FirmRow.public_id)
    producers = {str(r) for r in PRODUCER_ROLES}
    return [pid for pid, roles in session.execute(stmt) if producers & set(roles)]


def _corrected(values: dict[str, dict[str, float]]) -> dict[tuple[ItemKind, str], float]:
    """The upheld point: defect rate half a point better than recorded (never below 0)."""
    defects = values.get(str(ItemKind.METRIC), {}).get("defect_rate_pct")
    if defects is None:
        return {}
    return {(ItemKind.METRIC, "defect_rate_pct"): round(max(defects - 0.5, 0.0), 2)}


def seed_workflow(session: Session, catalog: Catalog, *, seed: int, reference_date: dt.date,
                  firms: int, window_days: int = 30) -> WorkflowSummary:
    """Disputes, visits in progress and screenings on top of a seeded demo network."""
    rng = np.random.default_rng(seed + 7919)
    scale = max(firms // 150, 3)
    counts = dict.fromkeys(("open", "upheld", "rejected", "progress", "screenings"), 0)

    past = _recent_final_diagnostics(session, reference_date - dt.timedelta(days=540),
                                     reference_date - dt.timedelta(days=60))
    recent = _recent_final_diagnostics(session, reference_date - dt.timedelta(days=25),
                                       reference_date)
    for index in rng.permutation(len(past))[:scale]:
        assessment, firm, day = past[int(index)]
        opened = day + dt.timedelta(days=int(rng.integers(2, window_days)))
        view = workflow.dispute(session, catalog, assessment,
                                str(rng.choice(DISPUTE_REASONS)), window_days, today=opened,
                                by=_for_firm(firm))
        closed = opened + dt.timedelta(days=int(rng.integers(7, 40)))
        if rng.random() < 0.5 and (change := _corrected(view.values)):
            workflow.resolve(session, catalog, assessment, DisputeStatus.UPHELD, UPHELD,
                             by=REVIEWER, today=closed)
            new = workflow.correct(session, catalog, assessment, change, by=view.assessor)
            workflow.submit(session, catalog, new.id, by=view.assessor)
            for step in (workflow.review, workflow.finalise):
                step(session, catalog, new.id, by=REVIEWER)
            counts["upheld"] += 1
        else:
            workflow.resolve(session, catalog, assessment, DisputeStatus.REJECTED, REJECTED,
                             by=REVIEWER, today=closed)
            counts["rejected"] += 1
    for assessment, firm, day in recent[: max(scale // 3, 1)]:
        workflow.dispute(session, catalog, assessment, str(rng.choice(DISPUTE_REASONS)),
                         window_days, today=min(day + dt.timedelta(days=3), reference_date),
                         by=_for_firm(firm))
        counts["open"] += 1

    # Visits in progress: follow-ups (or diagnostics) recorded lately, left at each step of
    # the life-cycle.
    later = [row for row in past if row[2] < reference_date - dt.timedelta(days=90)]
    for position, index in enumerate(rng.permutation(len(later))[:scale]):
        _assessment, firm_id, _day = later[int(index)]
        stage = Stage.FOLLOW_UP
        planned = workflow.plan(session, catalog, firm_id, stage, reference_date)
        if not planned:  # nothing was unmet last time: a fresh diagnostic instead
            stage = Stage.DIAGNOSTIC
            planned = workflow.plan(session, catalog, firm_id, stage, reference_date)
        on = reference_date - dt.timedelta(days=int(rng.integers(1, 20)))
        values = {item: (float(rng.integers(1, 4)) if item[0] is ItemKind.PRACTICE
                         else _plausible(catalog, item[1], rng)) for item in planned}
        view = workflow.create(session, catalog, firm_id=firm_id, stage=stage,
                               assessed_on=on, assessor="Ing. Demo", values=values,
                               notes="Visita en curso.", today=reference_date)
        if position % 3 >= 1:
            workflow.submit(session, catalog, view.id, by="Ing. Demo")
        if position % 3 >= 2:
            workflow.review(session, catalog, view.id, by=REVIEWER)
        counts["progress"] += 1

    questions = catalog.screening
    for firm_id in _never_visited(session)[:scale]:
        answers = {q.id: int(rng.integers(0, q.top + 1)) if rng.random() < 0.4 else q.top
                   for q in questions}
        workflow.screen(session, catalog, firm_id=firm_id, assessor="Ing. Demo",
                        assessed_on=reference_date - dt.timedelta(days=int(rng.integers(1, 30))),
                        answers=answers, today=reference_date)
        counts["screenings"] += 1
    return WorkflowSummary(disputes_open=counts["open"], disputes_upheld=counts["upheld"],
                           disputes_rejected=counts["rejected"],
                           in_progress=counts["progress"], screenings=counts["screenings"])


def _for_firm(firm_id: str) -> str:
    """Who opens a dispute in the demo: the firm itself."""
    return f"Empresa {firm_id}"


def _plausible(catalog: Catalog, metric_id: str, rng: np.random.Generator) -> float:
    """A middling value within the metric's bounds (the demo's visits in progress)."""
    metric = catalog.metric(metric_id)
    low = metric.minimum if metric.minimum is not None else 0.0
    high = metric.maximum if metric.maximum is not None else low + 60.0
    return round(float(rng.uniform(low + (high - low) * 0.2, low + (high - low) * 0.8)), 1)
