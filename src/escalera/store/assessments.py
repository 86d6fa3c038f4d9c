"""Assessment workflow rows: one assessment with its values, life-cycle history, disputes,
screening answers and versions. Translates rows to plain records; no commits here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalera.domain.evidence import ItemKind
from escalera.errors import N_, NotFound
from escalera.store.engine import write_lock
from escalera.store.evidence import rows_frame
from escalera.store.tables import (
    AssessmentRow,
    DisputeRow,
    FirmRow,
    ObservationRow,
    ScreeningRow,
    StatusChangeRow,
)

Values = dict[tuple[ItemKind, str], float]


def load(session: Session, public_id: str, *, for_update: bool = False) -> AssessmentRow:
    """The assessment with this public id (locked for the transaction when ``for_update``)."""
    stmt = select(AssessmentRow).where(AssessmentRow.public_id == public_id.strip())
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(N_("no assessment {id}"), id=public_id)
    return row


def firm_public_id(session: Session, row: AssessmentRow) -> str:
    """The public id of the assessed firm."""
    return session.scalar(select(FirmRow.public_id).where(FirmRow.id == row.firm_id)) or ""


def next_public_id(session: Session, day: dt.date) -> str:
    """``A-YYYYMMDD-NNNNNNNN``, the shape the demo uses: one more than the highest number
    already given for that day."""
    prefix = f"A-{day:%Y%m%d}-"
    taken = session.scalars(select(AssessmentRow.public_id)
                            .where(AssessmentRow.public_id.like(prefix + "%")))
    numbers = [int(t[len(prefix):]) for t in taken if t[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:08d}"


ID_ATTEMPTS = 5


def add_with_public_id(session: Session, day: dt.date,
                       make: Callable[[str], AssessmentRow]) -> AssessmentRow:
    """Add the row ``make`` builds for a fresh public id of ``day``.

    Creators take turns from reading the highest number to committing
    (``store.engine.write_lock``), so two assessors creating visits of the same day at once
    do not pick the same number; on PostgreSQL a savepoint still lets a second one take the
    next number should that happen. SQLite has one writer: there the row is simply added.
    """
    write_lock(session, "assessment ids")
    if session.get_bind().dialect.name == "sqlite":
        row = make(next_public_id(session, day))
        session.add(row)
        session.flush()
        return row
    for attempt in range(ID_ATTEMPTS):
        row = make(next_public_id(session, day))
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            if attempt == ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def values_of(session: Session, assessment_row: int) -> Values:
    """The observed values of one assessment."""
    stmt = select(ObservationRow.kind, ObservationRow.item, ObservationRow.value).where(
        ObservationRow.assessment_id == assessment_row)
    return {(ItemKind(k), i): v for k, i, v in session.execute(stmt)}


def put_values(session: Session, assessment_row: int, values: Values) -> None:
    """Set values of one assessment, replacing those already recorded for the same items."""
    for kind, item in values:
        session.execute(delete(ObservationRow).where(
            ObservationRow.assessment_id == assessment_row, ObservationRow.kind == str(kind),
            ObservationRow.item == item))
    if values:
        session.execute(insert(ObservationRow), [
            {"assessment_id": assessment_row, "kind": str(kind), "item": item, "value": value}
            for (kind, item), value in values.items()])


def add_status_change(session: Session, assessment_row: int, from_status: str, to_status: str,
                      at: dt.datetime, by: str, note: str = "",
                      same_person: bool = False) -> None:
    """Append one step to an assessment's life-cycle history (``same_person``: a step that
    asks for a second person, taken by who recorded it, as a one-person agency allows)."""
    session.add(StatusChangeRow(assessment_id=assessment_row, from_status=from_status,
                                to_status=to_status, changed_at=at, changed_by=by,
                                note=note[:500], same_person=same_person))


def status_history(session: Session, assessment_row: int) -> list[StatusChangeRow]:
    """Every life-cycle step of one assessment, oldest first."""
    return list(session.scalars(select(StatusChangeRow)
                                .where(StatusChangeRow.assessment_id == assessment_row)
                                .order_by(StatusChangeRow.changed_at, StatusChangeRow.id)))


def disputes_of(session: Session, assessment_row: int, *,
                for_update: bool = False) -> list[DisputeRow]:
    """The disputes of one assessment, oldest first."""
    stmt = (select(DisputeRow).where(DisputeRow.assessment_id == assessment_row)
            .order_by(DisputeRow.opened_on, DisputeRow.id))
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.scalars(stmt))


def screening_of(session: Session, assessment_row: int) -> ScreeningRow | None:
    """The screening answers stored with an assessment, if it is a screening."""
    return session.scalar(select(ScreeningRow)
                          .where(ScreeningRow.assessment_id == assessment_row))


def versions(session: Session, row: AssessmentRow) -> list[AssessmentRow]:
    """Every version of the assessment ``row`` belongs to, first version first (a final
    assessment has at most one pending correction, so versions form a chain)."""
    first = row
    while first.supersedes_id is not None:
        older = session.get(AssessmentRow, first.supersedes_id)
        if older is None:
            break
        first = older
    chain = [first]
    while (newer := session.scalars(select(AssessmentRow)
                                    .where(AssessmentRow.supersedes_id == chain[-1].id)
                                    .order_by(AssessmentRow.id)).first()) is not None:
        chain.append(newer)
    return chain


def pending_corrections(session: Session, row: AssessmentRow) -> list[str]:
    """Public ids of corrections of ``row`` that are not final yet."""
    return list(session.scalars(select(AssessmentRow.public_id).where(
        AssessmentRow.supersedes_id == row.id,
        AssessmentRow.status.in_(("draft", "submitted", "reviewed")))))


def latest_final_before(session: Session, firm_row: int, day: dt.date,
                        exclude: int | None = None) -> AssessmentRow | None:
    """The firm's latest final assessment on or before ``day`` (other than ``exclude``)."""
    stmt = (select(AssessmentRow)
            .where(AssessmentRow.firm_id == firm_row, AssessmentRow.status == "final",
                   AssessmentRow.assessed_on <= day)
            .order_by(AssessmentRow.assessed_on.desc(), AssessmentRow.id.desc()))
    if exclude is not None:
        stmt = stmt.where(AssessmentRow.id != exclude)
    return session.scalars(stmt).first()


def row_fields(row: AssessmentRow) -> dict[str, Any]:
    """The stored columns of an assessment, for views."""
    return {"public_id": row.public_id, "stage": row.stage, "assessed_on": row.assessed_on,
            "assessor": row.assessor, "status": row.status, "version": row.version,
            "notes": row.notes}


FIRM_FILE_SCHEMA = {"assessment_id": pl.String, "stage": pl.String, "assessed_on": pl.Date,
                    "assessor": pl.String, "status": pl.String, "version": pl.Int64}


def firm_assessments(session: Session, firm_row: int) -> pl.DataFrame:
    """Every assessment of one firm, whatever its status (drafts and superseded versions
    included), newest first."""
    stmt = (select(AssessmentRow.public_id, AssessmentRow.stage, AssessmentRow.assessed_on,
                   AssessmentRow.assessor, AssessmentRow.status, AssessmentRow.version)
            .where(AssessmentRow.firm_id == firm_row)
            .order_by(AssessmentRow.assessed_on.desc(), AssessmentRow.id.desc()))
    return rows_frame(session.execute(stmt), FIRM_FILE_SCHEMA)
