"""Queries the importer needs: what is stored already, bulk writes, the batch record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from escalera.store.engine import write_lock
from escalera.store.firms import row_ids
from escalera.store.tables import (
    AssessmentRow,
    FirmRow,
    ImportBatchRow,
    LinkRow,
    ObservationRow,
)


def stored_firms(session: Session) -> list[tuple[str, str, str, str, dt.date | None]]:
    """(public id, name, state, municipality, founding date) of every stored firm."""
    stmt = select(FirmRow.public_id, FirmRow.name, FirmRow.state, FirmRow.municipality,
                  FirmRow.founded_on)
    return [(a, b, c, d, e) for a, b, c, d, e in session.execute(stmt)]


def stored_assessment_ids(session: Session) -> set[str]:
    """Public ids of every stored assessment."""
    return set(session.scalars(select(AssessmentRow.public_id)))


def stored_link_keys(session: Session) -> set[tuple[str, str, str, dt.date]]:
    """(source id, target id, type, start) of every stored link."""
    src = FirmRow.__table__.alias("src")
    dst = FirmRow.__table__.alias("dst")
    stmt = (select(src.c.public_id, dst.c.public_id, LinkRow.type, LinkRow.start)
            .join(src, src.c.id == LinkRow.source_id)
            .join(dst, dst.c.id == LinkRow.target_id))
    return {(a, b, c, d) for a, b, c, d in session.execute(stmt)}


def insert_assessments(session: Session, assessments: Sequence[dict[str, Any]]) -> int:
    """Store visits given as dicts (public_id, firm_id, stage, assessed_on, assessor, status,
    origin, values={(kind, item): value}); returns how many observations were stored."""
    if not assessments:
        return 0
    firms = row_ids(session, [a["firm_id"] for a in assessments])
    stored = 0
    for start in range(0, len(assessments), 2000):
        chunk = assessments[start:start + 2000]
        result = session.execute(
            insert(AssessmentRow).returning(AssessmentRow.id, sort_by_parameter_order=True),
            [{"public_id": a["public_id"], "firm_id": firms[a["firm_id"]],
              "stage": str(a["stage"]), "assessed_on": a["assessed_on"],
              "assessor": a["assessor"], "status": a["status"], "origin": a["origin"]}
             for a in chunk])
        ids = list(result.scalars())
        rows = [{"assessment_id": row_id, "kind": str(kind), "item": item, "value": value}
                for row_id, a in zip(ids, chunk, strict=True)
                for (kind, item), value in a["values"].items()]
        for first in range(0, len(rows), 5000):
            session.execute(insert(ObservationRow), rows[first:first + 5000])
        stored += len(rows)
    return stored


def record_batch(session: Session, *, kind: str, filename: str, written: int,
                 rejected: int, content_sha256: str | None = None) -> None:
    """Remember one import run (and the SHA-256 of the file's bytes)."""
    session.execute(insert(ImportBatchRow).values(
        kind=kind, filename=filename[:300], rows_written=written, rows_rejected=rejected,
        content_sha256=content_sha256))


def earlier_batch(session: Session, kind: str, content_sha256: str) -> ImportBatchRow | None:
    """The first import of a file with these bytes as this kind, if any."""
    return session.scalar(select(ImportBatchRow).where(
        ImportBatchRow.kind == kind, ImportBatchRow.content_sha256 == content_sha256)
        .order_by(ImportBatchRow.id).limit(1))


def hold_content(session: Session, content_sha256: str) -> None:
    """Make a second import of the same bytes wait until this one is committed, so that
    it sees this batch (``store.engine.write_lock``)."""
    write_lock(session, f"import {content_sha256}")
