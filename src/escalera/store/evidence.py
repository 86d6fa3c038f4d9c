"""Assessment and observation repository; also the columnar read used by bulk jobs.

Evidence is read from ``final`` assessments only: drafts, submitted and reviewed visits are
not evidence yet, and a superseded version (replaced by a final correction) never again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from escalera.domain.evidence import ItemKind, Observation, Stage
from escalera.domain.ids import parse_firm_id
from escalera.store.firms import row_ids
from escalera.store.tables import AssessmentRow, FirmRow, ObservationRow


def insert_assessment(session: Session, *, public_id: str, firm_id: str, stage: Stage,
                      assessed_on: dt.date, assessor: str,
                      values: dict[tuple[ItemKind, str], float],
                      origin: dict[str, Any] | None = None, status: str = "final") -> int:
    """Store one assessment and its observations, final unless ``status`` says otherwise
    (imports and the demo; assessors go through ``services.assessments``); returns the
    assessment row id."""
    firm_row = row_ids(session, [parse_firm_id(firm_id)])[parse_firm_id(firm_id)]
    result = session.execute(insert(AssessmentRow).values(
        public_id=public_id, firm_id=firm_row, stage=str(stage), assessed_on=assessed_on,
        assessor=assessor, status=status, origin=origin or {},
    ).returning(AssessmentRow.id))
    assessment_row = result.scalar_one()
    if values:
        session.execute(insert(ObservationRow), [
            {"assessment_id": assessment_row, "kind": str(kind), "item": item, "value": value}
            for (kind, item), value in values.items()
        ])
    return assessment_row


def firm_observations(session: Session, public_id: str) -> list[Observation]:
    """All final observations of one firm, for the single-firm evaluator."""
    canonical = parse_firm_id(public_id)
    stmt = (
        select(ObservationRow.kind, ObservationRow.item, ObservationRow.value,
               AssessmentRow.assessed_on, AssessmentRow.public_id)
        .join(AssessmentRow, AssessmentRow.id == ObservationRow.assessment_id)
        .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
        .where(FirmRow.public_id == canonical, AssessmentRow.status == "final")
    )
    return [
        Observation(firm_id=canonical, assessment_id=aid, observed_on=on,
                    kind=ItemKind(kind), item=item, value=value)
        for kind, item, value, on, aid in session.execute(stmt)
    ]


OBSERVATION_SCHEMA = {
    "firm_id": pl.String, "assessment_id": pl.String, "observed_on": pl.Date,
    "kind": pl.String, "item": pl.String, "value": pl.Float64,
}


def observations_frame(session: Session, until: dt.date | None = None) -> pl.DataFrame:
    """Every final observation as a long frame (firm_id, assessment_id, observed_on, kind,
    item, value), optionally only those made on or before ``until``."""
    stmt = (
        select(FirmRow.public_id, AssessmentRow.public_id, AssessmentRow.assessed_on,
               ObservationRow.kind, ObservationRow.item, ObservationRow.value)
        .join(AssessmentRow, AssessmentRow.id == ObservationRow.assessment_id)
        .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
        .where(AssessmentRow.status == "final")
    )
    if until is not None:
        stmt = stmt.where(AssessmentRow.assessed_on <= until)
    return rows_frame(session.execute(stmt), OBSERVATION_SCHEMA)


def firms_frame(session: Session) -> pl.DataFrame:
    """Firms as a frame (firm_id, name, state, municipality, roles, products, capacity...)."""
    stmt = select(FirmRow.public_id, FirmRow.name, FirmRow.state, FirmRow.municipality,
                  FirmRow.roles, FirmRow.products, FirmRow.employees, FirmRow.monthly_capacity,
                  FirmRow.export_regime)
    schema = {"firm_id": pl.String, "name": pl.String, "state": pl.String,
              "municipality": pl.String, "roles": pl.List(pl.String),
              "products": pl.List(pl.String), "employees": pl.Int64,
              "monthly_capacity": pl.Int64, "export_regime": pl.String}
    return rows_frame(session.execute(stmt), schema)


def rows_frame(rows: Iterable[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Query rows as a frame of ``schema`` (column name -> Polars type)."""
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
