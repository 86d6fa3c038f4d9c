"""Read everything for export: firms, links and assessments with their observations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.store.tables import AssessmentRow, FirmRow, LinkRow, ObservationRow


def all_firms(session: Session) -> list[dict[str, Any]]:
    """Every firm as a dict of its columns (public id as ``id``), in registration order."""
    rows = session.scalars(select(FirmRow).order_by(FirmRow.id))
    return [{"id": r.public_id, "name": r.name, "roles": list(r.roles), "state": r.state,
             "municipality": r.municipality, "products": list(r.products),
             "hs_chapters": list(r.hs_chapters), "employees": r.employees,
             "monthly_capacity": r.monthly_capacity, "export_regime": r.export_regime,
             "hosts_visits": r.hosts_visits, "founded_on": r.founded_on,
             "working_capital": r.working_capital} for r in rows]


def all_links(session: Session) -> list[dict[str, Any]]:
    """Every link with firm public ids, in insertion order."""
    src = FirmRow.__table__.alias("src")
    dst = FirmRow.__table__.alias("dst")
    stmt = (select(LinkRow, src.c.public_id, dst.c.public_id)
            .join(src, src.c.id == LinkRow.source_id)
            .join(dst, dst.c.id == LinkRow.target_id)
            .order_by(LinkRow.id))
    return [{"source": s, "target": t, "type": r.type, "start": r.start, "end": r.end,
             "exclusive": r.exclusive, "volume_share": r.volume_share,
             "ended_reason": r.ended_reason} for r, s, t in session.execute(stmt)]


def all_assessments(session: Session) -> list[dict[str, Any]]:
    """Every assessment with ``observations``: a list of (kind, item, value)."""
    observed: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    stmt = select(ObservationRow).order_by(ObservationRow.assessment_id, ObservationRow.kind,
                                           ObservationRow.item)
    for obs in session.scalars(stmt):
        observed[obs.assessment_id].append((obs.kind, obs.item, obs.value))
    stmt2 = (select(AssessmentRow, FirmRow.public_id)
             .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
             .order_by(AssessmentRow.assessed_on, AssessmentRow.public_id))
    return [{"assessment_id": a.public_id, "firm_id": pid, "date": a.assessed_on,
             "stage": a.stage, "assessor": a.assessor, "status": a.status,
             "observations": observed.get(a.id, [])} for a, pid in session.execute(stmt2)]
