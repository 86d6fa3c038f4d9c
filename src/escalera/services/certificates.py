"""Use case "a firm's certificates": constancias de nivel derived from its stored evidence."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy.orm import Session

from escalera.analytics.bulk_certificates import certificates_frame, earnings_frame
from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import (
    LadderCertification,
    certification_on,
    derive_certificates,
)
from escalera.domain.evidence import Observation
from escalera.store.evidence import firm_observations, observations_frame
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


def certificate_counts(session: Session, catalog: Catalog, on: dt.date,
                       stale_after_days: int) -> pl.DataFrame:
    """Per ladder and level (catalog order): how many firms hold a valid certificate on
    ``on`` (``valid``) and how many held one that has lapsed (``expired``), column-wise."""
    certificates = certificates_frame(earnings_frame(
        catalog, observations_frame(session, until=on), on, stale_after_days))
    per_firm = (certificates.group_by("firm_id", "ladder", "level")
                .agg(valid=(pl.col("valid_until") >= on).any()))
    counted = per_firm.group_by("ladder", "level").agg(
        valid=pl.col("valid").sum(), expired=(~pl.col("valid")).sum())
    levels = pl.DataFrame(
        [(ladder.id, level.id) for ladder in catalog.ladders for level in ladder.levels],
        schema={"ladder": pl.String, "level": pl.String}, orient="row")
    return (levels.join(counted, on=["ladder", "level"], how="left", maintain_order="left")
            .with_columns(pl.col("valid", "expired").fill_null(0).cast(pl.Int64)))
