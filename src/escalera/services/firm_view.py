"""Use case "show a firm": its record, links, what the evaluator says on a date, its
certificates (constancias de nivel) and the learning visits recommended to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import LadderCertification
from escalera.domain.chain import Link
from escalera.domain.evaluation import FirmEvaluation, evaluate_firm
from escalera.domain.evidence import latest_evidence
from escalera.domain.firms import Firm
from escalera.services.certificates import certification_from
from escalera.services.visits import VisitPlan, plan_visits
from escalera.store.evidence import firm_observations
from escalera.store.firms import firm_links, get_firm


@dataclass(frozen=True)
class FirmView:
    """A firm as a producer, an assessor or a program manager sees it."""

    firm: Firm
    links: list[Link]
    evaluation: FirmEvaluation
    certificates: tuple[LadderCertification, ...] = ()  # per ladder, read on evaluation.on
    visits: VisitPlan | None = None  # None when not asked for


def show_firm(session: Session, catalog: Catalog, public_id: str, on: dt.date,
              stale_after_days: int, *, with_visits: bool = True) -> FirmView:
    """Load one firm and evaluate its latest evidence as of ``on``, with its certificates and
    (unless ``with_visits`` is false: they read every host's evidence) learning visits."""
    firm = get_firm(session, public_id)
    observations = firm_observations(session, firm.id)
    evidence = latest_evidence(observations, on)
    evaluation = evaluate_firm(catalog, firm.id, evidence, on,
                               monthly_capacity=firm.monthly_capacity,
                               stale_after_days=stale_after_days)
    return FirmView(
        firm=firm, links=firm_links(session, firm.id), evaluation=evaluation,
        certificates=certification_from(catalog, observations, on, stale_after_days),
        visits=plan_visits(session, catalog, firm, evaluation, stale_after_days)
        if with_visits else None,
    )
