"""Use case "show a firm": its record, links, and what the evaluator says on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.chain import Link
from escalera.domain.evaluation import FirmEvaluation, evaluate_firm
from escalera.domain.evidence import latest_evidence
from escalera.domain.firms import Firm
from escalera.store.evidence import firm_observations
from escalera.store.firms import firm_links, get_firm


@dataclass(frozen=True)
class FirmView:
    """A firm as a producer, an assessor or a program manager sees it."""

    firm: Firm
    links: list[Link]
    evaluation: FirmEvaluation


def show_firm(session: Session, catalog: Catalog, public_id: str, on: dt.date,
              stale_after_days: int) -> FirmView:
    """Load one firm and evaluate its latest evidence as of ``on``."""
    firm = get_firm(session, public_id)
    evidence = latest_evidence(firm_observations(session, firm.id), on)
    evaluation = evaluate_firm(catalog, firm.id, evidence, on,
                               monthly_capacity=firm.monthly_capacity,
                               stale_after_days=stale_after_days)
    return FirmView(firm=firm, links=firm_links(session, firm.id), evaluation=evaluation)
