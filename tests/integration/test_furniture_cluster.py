"""The demo's furniture cluster (the consultant program's firms) on a real database: furniture
makers of Ciudad Hidalgo with histories the one evaluator places on the ladder as planned,
the same for the same seed."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    status_column,
)
from escalera.demo import furniture
from escalera.domain.catalog_model import Catalog
from escalera.domain.firms import PRODUCER_ROLES
from escalera.services.demo import seed_demo
from escalera.store.evidence import firms_frame, observations_frame
from escalera.store.tables import AssessmentRow, FirmRow

REFERENCE = dt.date(2026, 6, 1)
JUDGED_ON = REFERENCE - dt.timedelta(days=720)


def _seed(session: Session, catalog: Catalog) -> list[str]:
    return furniture.seed_furniture_cluster(
        session, catalog, seed=42, reference_date=REFERENCE, judged_on=JUDGED_ON,
        ladder="buyer_tiers", level="tier_3", stale_after_days=730)


def _snapshot(session: Session) -> tuple[list[tuple[object, ...]], pl.DataFrame]:
    firms = session.execute(select(FirmRow.public_id, FirmRow.name, FirmRow.employees,
                                   FirmRow.monthly_capacity).order_by(FirmRow.public_id))
    return [tuple(r) for r in firms], observations_frame(session).sort(
        "firm_id", "observed_on", "kind", "item")


def test_the_cluster_is_furniture_makers_placed_as_planned(session: Session,
                                                          catalog: Catalog) -> None:
    seed_demo(session, firms=100, seed=42, reference_date=REFERENCE)
    garment = set(firms_frame(session)["firm_id"])
    ids = _seed(session, catalog)
    firms = firms_frame(session).filter(pl.col("firm_id").is_in(ids))
    assert len(ids) == firms.height == furniture.CLUSTER_FIRMS and not set(ids) & garment
    assert set(firms["state"]) == {"Michoacán"} and set(firms["municipality"]) == {"Hidalgo"}
    assert firms["products"].to_list() == [["wood_furniture"]] * firms.height
    assert firms["roles"].list.eval(pl.element().is_in(sorted(PRODUCER_ROLES))).list.any().all()
    assert firms["employees"].is_between(2, 50).all()
    assert firms["name"].n_unique() == firms.height
    assert (firms["monthly_capacity"] > 0).all()
    observations = observations_frame(session).filter(pl.col("firm_id").is_in(ids))
    assert set(observations["firm_id"]) == set(ids)  # every one has a history
    assert "capacity_units_month" not in set(observations["item"])  # pieces, not garments
    stages = set(session.scalars(select(AssessmentRow.stage).join(
        FirmRow, FirmRow.id == AssessmentRow.firm_id).where(FirmRow.public_id.in_(ids))))
    assert stages and "random_inspection" not in stages  # no garment buyer inspects them
    judged = evaluate_bulk(catalog, pl.DataFrame({FIRM_ID: ids}).join(
        latest_evidence_frame(observations, JUDGED_ON), on=FIRM_ID, how="left"),
        JUDGED_ON, 730)
    at_level = judged[level_column("buyer_tiers")].cast(pl.String).is_in(
        ["tier_3", "tier_2", "tier_1"]).fill_null(False).sum()
    below = (judged[status_column("buyer_tiers")].cast(pl.String)
             == "below_first_level").sum()
    assert (at_level, below) == (furniture.AT_LEVEL,
                                 furniture.CLUSTER_FIRMS - furniture.AT_LEVEL)


def test_the_same_seed_gives_the_same_cluster(session: Session, catalog: Catalog) -> None:
    seed_demo(session, firms=100, seed=42, reference_date=REFERENCE)
    nested = session.begin_nested()
    first = _seed(session, catalog)
    before = _snapshot(session)
    nested.rollback()
    assert not firms_frame(session).filter(pl.col("firm_id").is_in(first)).height
    assert _seed(session, catalog) == first
    after = _snapshot(session)
    assert after[0] == before[0] and after[1].equals(before[1])
