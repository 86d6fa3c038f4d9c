"""The demo shows every part of the assessment life-cycle, through the real services."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.demo.workflow import seed_workflow
from escalera.domain.catalog_model import Catalog
from escalera.services.demo import seed_demo
from escalera.store.evidence import observations_frame
from escalera.store.tables import AssessmentRow, DisputeRow, ScreeningRow

ON = dt.date(2026, 6, 1)


def test_demo_seeds_disputes_versions_drafts_and_screenings(session: Session,
                                                            catalog: Catalog) -> None:
    seed_demo(session, firms=900, seed=5, reference_date=ON)
    evidence_before = observations_frame(session).height
    summary = seed_workflow(session, catalog, seed=5, reference_date=ON, firms=900)

    disputes = dict(session.execute(
        select(DisputeRow.status, func.count()).group_by(DisputeRow.status)).all())
    assert disputes.get("open", 0) == summary.disputes_open > 0
    assert disputes.get("upheld", 0) == summary.disputes_upheld > 0
    assert disputes.get("rejected", 0) == summary.disputes_rejected > 0

    statuses = dict(session.execute(
        select(AssessmentRow.status, func.count()).group_by(AssessmentRow.status)).all())
    assert statuses.get("superseded", 0) == summary.disputes_upheld  # corrected versions
    assert statuses.get("draft", 0) > 0 and statuses.get("submitted", 0) > 0
    assert statuses.get("reviewed", 0) > 0
    assert session.scalar(select(func.max(AssessmentRow.version))) == 2

    screenings = dict(session.execute(
        select(ScreeningRow.outcome, func.count()).group_by(ScreeningRow.outcome)).all())
    assert sum(screenings.values()) == summary.screenings > 0

    # Drafts and visits in progress are not evidence; corrections replace, not add.
    assert observations_frame(session).height == evidence_before
