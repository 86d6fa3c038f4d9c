"""Use case "a firm's certificates": constancias de nivel derived from its stored evidence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import (
    LadderCertification,
    certification_on,
    derive_certificates,
)
from escalera.domain.evidence import Observation
from escalera.store.evidence import firm_observations
from escalera.store.firms import get_firm


def certification_from(catalog: Catalog, observations: list[Observation], on: dt.date,
                       stale_after_days: int) -> tuple[LadderCertification, ...]:
    """Per ladder, a firm's certificates read on ``on`` from its final observations."""
    certificates = derive_certificates(catalog, observations, on, stale_after_days)
    return certification_on(catalog, certificates, on)


def firm_certificates(session: Session, catalog: Catalog, public_id: str, on: dt.date,
                      stale_after_days: int) -> tuple[LadderCertification, ...]:
    """One firm's certificates per ladder on ``on`` (NotFound for an unknown firm)."""
    firm = get_firm(session, public_id)
    return certification_from(catalog, firm_observations(session, firm.id), on,
                              stale_after_days)
