"""Inspection rows: streams and their switching state, lots with their defects, transitions,
and the columnar reads the schedule uses. Translates rows to plain records; no commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.domain.defects import DefectClass
from escalera.domain.evidence import Stage
from escalera.domain.inspections import DefectCount, LotSummary
from escalera.domain.sampling import Severity
from escalera.domain.switching import SwitchingState, Transition
from escalera.errors import N_, NotFound
from escalera.store.evidence import rows_frame
from escalera.store.tables import (
    AssessmentRow,
    FirmRow,
    InspectionDefectRow,
    InspectionRow,
    InspectionStreamRow,
    SwitchingTransitionRow,
)

PREFIX = "INS-"
ROLLUP_KIND = "inspections"  # origin kind of the assessments that carry the quality metrics


def public_id(row_id: int) -> str:
    """``INS-000042``: how an inspection is known outside."""
    return f"{PREFIX}{row_id:06d}"


def row_id(text: str) -> int:
    """The row id of ``INS-000042`` (or of ``42``)."""
    raw = text.strip().upper().removeprefix(PREFIX)
    if not raw.isdigit():
        raise NotFound(N_("no inspection {id}"), id=text)
    return int(raw)


def state_to_json(state: SwitchingState) -> dict[str, Any]:
    """The switching counters as JSON."""
    return {"recent": list(state.recent), "accepted_in_row": state.accepted_in_row,
            "not_accepted": state.not_accepted, "score": state.score,
            "corrective_action": state.corrective_action}


def state_of(row: InspectionStreamRow) -> SwitchingState:
    """A stream's switching state from its row (a new stream starts on normal)."""
    data = row.state or {}
    return SwitchingState(severity=Severity(row.severity),
                          recent=tuple(bool(x) for x in data.get("recent", ())),
                          accepted_in_row=int(data.get("accepted_in_row", 0)),
                          not_accepted=int(data.get("not_accepted", 0)),
                          score=int(data.get("score", 0)),
                          corrective_action=data.get("corrective_action"))


def stream(session: Session, firm_row: int, product: str, *, create: bool = False,
           for_update: bool = False) -> InspectionStreamRow | None:
    """The stream of ``product`` at a firm; created on normal inspection when ``create``."""
    stmt = select(InspectionStreamRow).where(InspectionStreamRow.firm_id == firm_row,
                                             InspectionStreamRow.product == product)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None and create:
        row = InspectionStreamRow(firm_id=firm_row, product=product,
                                  severity=str(Severity.NORMAL), state={},
                                  reduced_approved=False)
        session.add(row)
        session.flush()
    return row


def streams_of(session: Session, firm_row: int) -> list[InspectionStreamRow]:
    """Every stream of a firm, by product."""
    return list(session.scalars(select(InspectionStreamRow)
                                .where(InspectionStreamRow.firm_id == firm_row)
                                .order_by(InspectionStreamRow.product)))


def save_state(row: InspectionStreamRow, state: SwitchingState, now: dt.datetime) -> None:
    """Write a stream's new switching state."""
    row.severity = str(state.severity)
    row.state = state_to_json(state)
    row.updated_at = now


def add_transition(session: Session, stream_row: int, transition: Transition,
                   inspection_row: int | None) -> None:
    """Record one change of severity and its reason."""
    session.add(SwitchingTransitionRow(
        stream_id=stream_row, inspection_id=inspection_row, occurred_on=transition.date,
        from_severity=str(transition.from_severity), to_severity=str(transition.to_severity),
        reason_code=str(transition.reason_code), params=dict(transition.reason.params)))


def transitions(session: Session, stream_row: int) -> list[SwitchingTransitionRow]:
    """A stream's transitions, oldest first."""
    return list(session.scalars(select(SwitchingTransitionRow)
                                .where(SwitchingTransitionRow.stream_id == stream_row)
                                .order_by(SwitchingTransitionRow.occurred_on,
                                          SwitchingTransitionRow.id)))


def add_inspection(session: Session, row: InspectionRow, defects: tuple[DefectCount, ...]
                   ) -> InspectionRow:
    """Store a lot's inspection and its defect counts."""
    session.add(row)
    session.flush()
    session.add_all(InspectionDefectRow(inspection_id=row.id, code=d.code,
                                        defect_class=str(d.defect_class), count=d.count)
                    for d in defects)
    return row


def load(session: Session, text: str) -> InspectionRow:
    """The inspection ``INS-...``."""
    row = session.get(InspectionRow, row_id(text))
    if row is None:
        raise NotFound(N_("no inspection {id}"), id=text)
    return row


def defects_of(session: Session, inspection_row: int) -> tuple[DefectCount, ...]:
    """The defect counts of one inspection."""
    rows = session.scalars(select(InspectionDefectRow)
                           .where(InspectionDefectRow.inspection_id == inspection_row)
                           .order_by(InspectionDefectRow.id))
    return tuple(DefectCount(r.code, DefectClass(r.defect_class), r.count) for r in rows)


def recent(session: Session, stream_row: int, limit: int = 10) -> list[InspectionRow]:
    """A stream's latest inspections, newest first."""
    return list(session.scalars(select(InspectionRow)
                                .where(InspectionRow.stream_id == stream_row)
                                .order_by(InspectionRow.inspected_on.desc(),
                                          InspectionRow.id.desc()).limit(limit)))


def lot_summaries(session: Session, firm_row: int, since: dt.date) -> list[LotSummary]:
    """What the quality metrics need of a firm's lots inspected on or after ``since``."""
    stmt = (select(InspectionRow.inspected_on, InspectionRow.decision,
                   InspectionRow.sample_size, InspectionRow.defects_found,
                   InspectionRow.resubmitted)
            .where(InspectionRow.firm_id == firm_row, InspectionRow.inspected_on >= since))
    return [LotSummary(on, decision == "accept", size, found, resub)
            for on, decision, size, found, resub in session.execute(stmt)]


def rollups_from(session: Session, firm_row: int, day: dt.date) -> list[AssessmentRow]:
    """The firm's inspection-summary assessments dated on or after ``day``, oldest first."""
    rows = session.scalars(select(AssessmentRow)
                           .where(AssessmentRow.firm_id == firm_row,
                                  AssessmentRow.stage == str(Stage.RANDOM_INSPECTION),
                                  AssessmentRow.assessed_on >= day)
                           .order_by(AssessmentRow.assessed_on, AssessmentRow.id))
    return [r for r in rows if (r.origin or {}).get("kind") == ROLLUP_KIND]


STREAM_SCHEMA = {"firm_id": pl.String, "product": pl.String, "severity": pl.String,
                 "last_inspected": pl.Date}


def streams_frame(session: Session) -> pl.DataFrame:
    """Every stream: firm, product, severity, last inspection date."""
    stmt = (select(FirmRow.public_id, InspectionStreamRow.product, InspectionStreamRow.severity,
                   InspectionStreamRow.last_inspected_on)
            .join(FirmRow, FirmRow.id == InspectionStreamRow.firm_id))
    return rows_frame(session.execute(stmt), STREAM_SCHEMA)


def not_accepted_since(session: Session, since: dt.date, until: dt.date) -> pl.DataFrame:
    """Per stream, how many lots (original inspection) were not accepted from ``since`` to
    ``until``."""
    stmt = (select(FirmRow.public_id, InspectionRow.product, func.count())
            .join(FirmRow, FirmRow.id == InspectionRow.firm_id)
            .where(InspectionRow.decision == "reject", InspectionRow.resubmitted.is_(False),
                   InspectionRow.inspected_on >= since, InspectionRow.inspected_on <= until)
            .group_by(FirmRow.public_id, InspectionRow.product))
    return rows_frame(session.execute(stmt), {"firm_id": pl.String, "product": pl.String,
                                              "recent_not_accepted": pl.Int64})
