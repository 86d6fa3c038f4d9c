"""Program repository: programs, admission decisions and activities (no commits here; the
service owns the transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, aliased

from escalera.domain.evidence import ItemKind
from escalera.domain.programs import (
    Activity,
    ActivityKind,
    Admission,
    Program,
    ProgramStandard,
    ProgramType,
    Shortfall,
    Threshold,
)
from escalera.errors import N_, NotFound
from escalera.store.firms import row_ids
from escalera.store.tables import (
    AssessmentRow,
    FirmRow,
    ProgramActivityRow,
    ProgramParticipantRow,
    ProgramRow,
)


def standard_to_json(standard: ProgramStandard) -> dict[str, Any]:
    return {"ladder": standard.ladder, "level": standard.level,
            "thresholds": [{"kind": str(t.kind), "item": t.item, "value": t.value}
                           for t in standard.thresholds]}


def standard_from_json(data: dict[str, Any]) -> ProgramStandard:
    return ProgramStandard(
        ladder=data.get("ladder"), level=data.get("level"),
        thresholds=tuple(Threshold(ItemKind(t["kind"]), t["item"], float(t["value"]))
                         for t in data.get("thresholds", [])))


def _to_program(row: ProgramRow) -> Program:
    return Program(
        id=row.public_id, name=row.name, type=ProgramType(row.type), sponsor=row.sponsor,
        starts_on=row.starts_on, ends_on=row.ends_on, target_date=row.target_date,
        budget=row.budget, admission=standard_from_json(row.admission),
        target=standard_from_json(row.target), currency=row.currency,
        description=row.description, entry_segment=row.entry_segment,
        target_segment=row.target_segment)


def program_exists(session: Session, public_id: str) -> bool:
    return session.scalar(select(ProgramRow.id).where(ProgramRow.public_id == public_id)) \
        is not None


def insert_program(session: Session, program: Program) -> None:
    session.execute(insert(ProgramRow).values(
        public_id=program.id, name=program.name, type=str(program.type),
        sponsor=program.sponsor, description=program.description,
        starts_on=program.starts_on, ends_on=program.ends_on,
        target_date=program.target_date, budget=program.budget, currency=program.currency,
        admission=standard_to_json(program.admission), target=standard_to_json(program.target),
        entry_segment=program.entry_segment, target_segment=program.target_segment))


def _row_id(session: Session, public_id: str) -> int:
    found = session.scalar(select(ProgramRow.id).where(ProgramRow.public_id == public_id))
    if found is None:
        raise NotFound(N_("no program {id}"), id=public_id)
    return found


def get_program(session: Session, public_id: str) -> Program:
    row = session.scalar(select(ProgramRow).where(ProgramRow.public_id == public_id))
    if row is None:
        raise NotFound(N_("no program {id}"), id=public_id)
    return _to_program(row)


def list_programs(session: Session) -> list[tuple[Program, int, int]]:
    """Every program (oldest start first) with its admitted and refused counts."""
    counts: dict[int, tuple[int, int]] = {}
    for pid, admitted, n in session.execute(
            select(ProgramParticipantRow.program_id, ProgramParticipantRow.admitted,
                   func.count()).group_by(ProgramParticipantRow.program_id,
                                          ProgramParticipantRow.admitted)):
        a, r = counts.get(pid, (0, 0))
        counts[pid] = (a + n, r) if admitted else (a, r + n)
    rows = session.scalars(select(ProgramRow).order_by(ProgramRow.starts_on,
                                                       ProgramRow.public_id))
    return [(_to_program(row), *counts.get(row.id, (0, 0))) for row in rows]


def delete_programs(session: Session, public_ids: Sequence[str]) -> None:
    """Remove programs and everything recorded for them (the demo re-seeds its own)."""
    ids = list(session.scalars(select(ProgramRow.id).where(ProgramRow.public_id.in_(public_ids))))
    if not ids:
        return
    session.execute(delete(ProgramActivityRow).where(ProgramActivityRow.program_id.in_(ids)))
    session.execute(delete(ProgramParticipantRow)
                    .where(ProgramParticipantRow.program_id.in_(ids)))
    session.execute(delete(ProgramRow).where(ProgramRow.id.in_(ids)))


def decided_firms(session: Session, program_id: str) -> set[str]:
    stmt = (select(FirmRow.public_id)
            .join(ProgramParticipantRow, ProgramParticipantRow.firm_id == FirmRow.id)
            .where(ProgramParticipantRow.program_id == _row_id(session, program_id)))
    return set(session.scalars(stmt))


def insert_admissions(session: Session, program_id: str, admissions: Sequence[Admission]) -> None:
    if not admissions:
        return
    pid = _row_id(session, program_id)
    firms = row_ids(session, [a.firm_id for a in admissions])
    session.execute(insert(ProgramParticipantRow), [
        {"program_id": pid, "firm_id": firms[a.firm_id], "decided_on": a.on,
         "admitted": a.admitted, "level": a.level,
         "shortfalls": [s.as_dict() for s in a.shortfalls]} for a in admissions])


def admissions(session: Session, program_id: str) -> list[Admission]:
    """Every decision of a program, by date then firm."""
    stmt = (select(FirmRow.public_id, ProgramParticipantRow)
            .join(ProgramParticipantRow, ProgramParticipantRow.firm_id == FirmRow.id)
            .where(ProgramParticipantRow.program_id == _row_id(session, program_id))
            .order_by(ProgramParticipantRow.decided_on, FirmRow.public_id))
    return [Admission(firm_id=fid, on=row.decided_on, admitted=row.admitted, level=row.level,
                      shortfalls=tuple(Shortfall.from_dict(s) for s in row.shortfalls))
            for fid, row in session.execute(stmt)]


def insert_activities(session: Session, program_id: str, activities: Sequence[Activity]) -> None:
    if not activities:
        return
    pid = _row_id(session, program_id)
    firms = row_ids(session, [a.firm_id for a in activities if a.firm_id])
    session.execute(insert(ProgramActivityRow), [
        {"program_id": pid, "kind": str(a.kind), "happened_on": a.on,
         "firm_id": firms[a.firm_id] if a.firm_id else None, "buyer": a.buyer,
         "amount": a.amount, "units": a.units, "note": a.note} for a in activities])


def activities(session: Session, program_id: str) -> list[Activity]:
    firm = aliased(FirmRow)
    stmt = (select(ProgramActivityRow, firm.public_id)
            .outerjoin(firm, firm.id == ProgramActivityRow.firm_id)
            .where(ProgramActivityRow.program_id == _row_id(session, program_id))
            .order_by(ProgramActivityRow.happened_on, ProgramActivityRow.id))
    return [Activity(kind=ActivityKind(row.kind), on=row.happened_on, firm_id=fid,
                     buyer=row.buyer, amount=row.amount, units=row.units, note=row.note)
            for row, fid in session.execute(stmt)]


def assessment_dates(session: Session, firm_ids: Sequence[str]) -> dict[str, list[dt.date]]:
    """Dates of each firm's final assessments (any stage), oldest first."""
    out: dict[str, list[dt.date]] = {f: [] for f in firm_ids}
    items = sorted(set(firm_ids))
    for start in range(0, len(items), 900):
        stmt = (select(FirmRow.public_id, AssessmentRow.assessed_on)
                .join(AssessmentRow, AssessmentRow.firm_id == FirmRow.id)
                .where(FirmRow.public_id.in_(items[start:start + 900]),
                       AssessmentRow.status == "final")
                .order_by(AssessmentRow.assessed_on))
        for fid, on in session.execute(stmt):
            out[fid].append(on)
    return out
