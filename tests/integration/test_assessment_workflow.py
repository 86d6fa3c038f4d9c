"""The assessment workflow on a real database: life-cycle, disputes, corrections, evidence,
follow-up scope, screening, and bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.domain.assessment_scope import diagnostic_items
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import evaluate_firm
from escalera.domain.evidence import ItemKind, Stage, latest_evidence
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.lifecycle import (
    AssessmentStatus,
    DisputeRefused,
    DisputeStatus,
    IllegalTransition,
    NotEditable,
)
from escalera.domain.observation_rules import InvalidObservation
from escalera.domain.screening import InvalidScreening, Outcome
from escalera.errors import NotFound
from escalera.i18n import set_language
from escalera.services import assessments as svc
from escalera.store.evidence import firm_observations, insert_assessment, observations_frame
from escalera.store.firms import insert_firms
from escalera.store.tables import (
    AssessmentRow,
    DisputeRow,
    ObservationRow,
    ScreeningRow,
    StatusChangeRow,
)

M, P = ItemKind.METRIC, ItemKind.PRACTICE
S = AssessmentStatus
TALLER = firm_id_from_int(77_001)
TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 10, 0)
DAY = dt.date(2026, 9, 15)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("es")


@pytest.fixture()
def firm(session: Session) -> str:
    insert_firms(session, [Firm(id=TALLER, name="Maquiladora Los Ángeles",
                                roles=(Role.CONTRACTOR,), state="Puebla",
                                municipality="Tehuacán", monthly_capacity=8000,
                                founded_on=dt.date(2010, 5, 1))])
    return TALLER


def full_values(catalog: Catalog, on: dt.date = DAY, maturity: float = 2.0,
                on_time: float = 92.0) -> dict[tuple[ItemKind, str], float]:
    """A value for every item a diagnostic must measure: tier 2, short of tier 1."""
    plausible = {"on_time_delivery_pct": on_time, "defect_rate_pct": 3.0,
                 "lot_acceptance_rate_pct": 93.0, "defects_per_hundred_units": 6.0,
                 "turnaround_days": 18.0, "lead_time_days": 70.0, "efficiency_pct": 55.0,
                 "rework_pct": 6.0, "wip_days": 8.0}
    return {(k, i): (plausible.get(i, 10.0) if k is M else maturity)
            for k, i in diagnostic_items(catalog, on)}


def counts(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t)) or 0 for t in (
        AssessmentRow, ObservationRow, StatusChangeRow, DisputeRow, ScreeningRow))


def finalised(session: Session, catalog: Catalog, firm: str,
              values: dict[tuple[ItemKind, str], float], day: dt.date = DAY,
              stage: Stage = Stage.DIAGNOSTIC) -> str:
    view = svc.create(session, catalog, firm_id=firm, stage=stage, assessed_on=day,
                      assessor="Ing. Ruiz", values=values, today=TODAY, now=NOW)
    svc.submit(session, catalog, view.id, by="Ing. Ruiz", now=NOW)
    svc.review(session, catalog, view.id, by="Lic. Pérez", now=NOW)
    return svc.finalise(session, catalog, view.id, by="Lic. Pérez", now=NOW).id


def test_create_submit_review_finalise_keeps_the_history(
        session: Session, catalog: Catalog, firm: str) -> None:
    view = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC, assessed_on=DAY,
                      assessor="Ing. Ruiz", values=full_values(catalog), notes="lotes vistos",
                      today=TODAY, now=NOW)
    assert view.status is S.DRAFT and view.version == 1 and view.missing == ()
    assert view.id.startswith("A-20260915-") and len(view.id) == len("A-20260915-00000001")
    assert view.notes == "lotes vistos"
    svc.submit(session, catalog, view.id, by="Ing. Ruiz", now=NOW)
    svc.review(session, catalog, view.id, by="Lic. Pérez", now=NOW)
    done = svc.finalise(session, catalog, view.id, by="Lic. Pérez", now=NOW)
    assert done.status is S.FINAL
    assert [(c.from_status, c.to_status) for c in done.history] == [
        ("", "draft"), ("draft", "submitted"), ("submitted", "reviewed"), ("reviewed", "final")]
    assert done.history[-1].by == "Lic. Pérez"
    row = session.scalar(select(AssessmentRow).where(AssessmentRow.public_id == view.id))
    assert row is not None and row.finalised_by == "Lic. Pérez" and row.submitted_at == NOW


def test_illegal_transitions_are_refused_with_both_statuses(
        session: Session, catalog: Catalog, firm: str) -> None:
    view = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC, assessed_on=DAY,
                      assessor="Ing. Ruiz", values=full_values(catalog), today=TODAY, now=NOW)
    with pytest.raises(IllegalTransition, match="from draft to final"):
        svc.finalise(session, catalog, view.id)
    with pytest.raises(IllegalTransition, match="from draft to reviewed"):
        svc.review(session, catalog, view.id)
    svc.submit(session, catalog, view.id)
    with pytest.raises(IllegalTransition, match="from submitted to submitted"):
        svc.submit(session, catalog, view.id)
    with pytest.raises(NotEditable, match="submitted"):
        svc.record(session, catalog, view.id, {(M, "wip_days"): 3.0})
    assert svc.send_back(session, catalog, view.id, note="falta WIP").status is S.DRAFT
    svc.record(session, catalog, view.id, {(M, "wip_days"): 3.0})
    svc.submit(session, catalog, view.id)
    svc.review(session, catalog, view.id, by="Lic. Pérez")
    svc.finalise(session, catalog, view.id, by="Lic. Pérez")
    for action in (svc.submit, svc.review, svc.finalise, svc.send_back):
        with pytest.raises(IllegalTransition, match="from final to"):
            action(session, catalog, view.id)
    with pytest.raises(NotEditable, match="final"):
        svc.record(session, catalog, view.id, {(M, "wip_days"): 4.0})


def test_a_diagnostic_must_cover_its_scope_before_submission(
        session: Session, catalog: Catalog, firm: str) -> None:
    values = full_values(catalog)
    del values[(P, "kanban_jit")]
    view = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC, assessed_on=DAY,
                      assessor="Ing. Ruiz", values=values, today=TODAY, now=NOW)
    assert view.missing == ((P, "kanban_jit"),)
    with pytest.raises(svc.IncompleteAssessment, match="missing: kanban_jit"):
        svc.submit(session, catalog, view.id)


def test_dispute_within_the_window_and_its_resolution_are_kept(
        session: Session, catalog: Catalog, firm: str) -> None:
    aid = finalised(session, catalog, firm, full_values(catalog))
    final_day = NOW.date()
    with pytest.raises(DisputeRefused, match="window closed"):
        svc.dispute(session, catalog, aid, "el lote no era nuestro", 30,
                    today=final_day + dt.timedelta(days=31))
    view = svc.dispute(session, catalog, aid, "el lote no era nuestro", 30,
                       today=final_day + dt.timedelta(days=30))
    assert view.disputes[0].status is DisputeStatus.OPEN
    with pytest.raises(DisputeRefused, match="already has an open dispute"):
        svc.dispute(session, catalog, aid, "otra vez", 30, today=final_day)
    view = svc.resolve(session, catalog, aid, DisputeStatus.UPHELD,
                       "el lote era de otro taller", by="Comité", today=TODAY)
    assert (view.disputes[0].status, view.disputes[0].resolution) == (
        DisputeStatus.UPHELD, "el lote era de otro taller")
    with pytest.raises(NotFound, match="no open dispute"):
        svc.resolve(session, catalog, aid, DisputeStatus.REJECTED, "x")


def test_a_draft_cannot_be_disputed(session: Session, catalog: Catalog, firm: str) -> None:
    view = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC, assessed_on=DAY,
                      assessor="Ing. Ruiz", values=full_values(catalog), today=TODAY, now=NOW)
    with pytest.raises(DisputeRefused, match="only a final assessment"):
        svc.dispute(session, catalog, view.id, "no", 30, today=TODAY)


def test_correction_is_a_new_version_and_supersedes_only_when_final(
        session: Session, catalog: Catalog, firm: str) -> None:
    aid = finalised(session, catalog, firm, full_values(catalog))
    draft = svc.correct(session, catalog, aid, {(M, "on_time_delivery_pct"): 96.0},
                        by="Ing. Ruiz", now=NOW)
    assert draft.version == 2 and draft.status is S.DRAFT and draft.id != aid
    assert draft.values["metric"]["on_time_delivery_pct"] == 96.0
    assert draft.values["metric"]["defect_rate_pct"] == 3.0  # the rest is carried over
    with pytest.raises(svc.CorrectionRefused, match="already has a correction"):
        svc.correct(session, catalog, aid, {(M, "wip_days"): 2.0})
    with pytest.raises(svc.CorrectionRefused, match="only a final assessment"):
        svc.correct(session, catalog, draft.id, {(M, "wip_days"): 2.0})
    # until the correction is final, the original is the evidence
    evidence = {o.item: o for o in firm_observations(session, firm)}
    assert evidence["on_time_delivery_pct"].value == 92.0
    svc.submit(session, catalog, draft.id)
    svc.review(session, catalog, draft.id, by="Lic. Pérez")
    svc.finalise(session, catalog, draft.id, by="Lic. Pérez")
    old = svc.show(session, catalog, aid)
    assert old.status is S.SUPERSEDED
    assert old.values["metric"]["on_time_delivery_pct"] == 92.0  # never edited in place
    assert old.history[-1].to_status == "superseded" and old.history[-1].note == draft.id
    assert [(v.id, v.version, v.status) for v in old.versions] == [
        (aid, 1, S.SUPERSEDED), (draft.id, 2, S.FINAL)]
    observations = firm_observations(session, firm)
    assert {o.assessment_id for o in observations} == {draft.id}
    assert {o.item: o.value for o in observations}["on_time_delivery_pct"] == 96.0


def test_only_final_evidence_reaches_the_evaluator(
        session: Session, catalog: Catalog, firm: str) -> None:
    aid = finalised(session, catalog, firm, full_values(catalog))
    svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC,
               assessed_on=DAY + dt.timedelta(days=10), assessor="Ing. Ruiz",
               values=full_values(catalog, on_time=20.0), today=TODAY, now=NOW)
    correction = svc.correct(session, catalog, aid, {(M, "on_time_delivery_pct"): 99.0})
    for status in ("submitted", "reviewed"):
        insert_assessment(session, public_id=f"A-x-{status}", firm_id=firm,
                          stage=Stage.DIAGNOSTIC, assessed_on=DAY + dt.timedelta(days=20),
                          assessor="x", values={(M, "on_time_delivery_pct"): 1.0},
                          status=status)
    frame = observations_frame(session).filter(firm_id=firm)
    assert set(frame["assessment_id"].to_list()) == {aid}
    assert {o.assessment_id for o in firm_observations(session, firm)} == {aid}
    ev = latest_evidence(firm_observations(session, firm), TODAY)
    result = evaluate_firm(catalog, firm, ev, TODAY).ladder("buyer_tiers")
    assert result.attained == "tier_2"  # 92 % on time, not the draft's 20 % nor 99 %
    assert correction.status is S.DRAFT


def test_follow_up_covers_exactly_what_was_unmet(
        session: Session, catalog: Catalog, firm: str) -> None:
    with pytest.raises(svc.IncompleteAssessment, match="no final assessment"):
        svc.create(session, catalog, firm_id=firm, stage=Stage.FOLLOW_UP, assessed_on=DAY,
                   assessor="Ing. Ruiz", today=TODAY, now=NOW)
    values = full_values(catalog)
    values[(P, "kanban_jit")] = 0.0  # unmet at tier 1
    finalised(session, catalog, firm, values)
    later = DAY + dt.timedelta(days=60)
    scope = svc.plan(session, catalog, firm, Stage.FOLLOW_UP, later)
    ev = latest_evidence(firm_observations(session, firm), DAY)
    judged = evaluate_firm(catalog, firm, ev, DAY)
    unmet = {(r.kind, r.item) for lad in judged.ladders for lv in lad.levels
             for r in lv.requirements if r.status == "unmet"}
    assert set(scope) == unmet and len(scope) == len(unmet)
    assert (P, "kanban_jit") in scope and (M, "on_time_delivery_pct") in scope
    assert (P, "final_inspection") not in scope  # maturity 2 meets every level
    follow = svc.create(session, catalog, firm_id=firm, stage=Stage.FOLLOW_UP,
                        assessed_on=later, assessor="Ing. Ruiz",
                        values={(P, "kanban_jit"): 1.0}, today=TODAY, now=NOW)
    assert set(follow.missing) == unmet - {(P, "kanban_jit")}
    with pytest.raises(svc.IncompleteAssessment, match="must measure every item"):
        svc.submit(session, catalog, follow.id)
    svc.record(session, catalog, follow.id, {i: values[i] for i in follow.missing})
    assert svc.submit(session, catalog, follow.id).status is S.SUBMITTED


def test_screening_records_the_outcome_and_reasons(
        session: Session, catalog: Catalog, firm: str) -> None:
    answers = {q.id: q.top for q in catalog.screening}
    view = svc.screen(session, catalog, firm_id=firm, assessed_on=DAY, assessor="Ing. Ruiz",
                      answers={**answers, "production_plan": 0}, today=TODAY, now=NOW)
    assert view.stage is Stage.SCREENING and view.status is S.DRAFT
    assert view.screening is not None and view.screening.outcome is Outcome.NOT_NOW
    assert view.screening.reasons == ("production_plan",)
    assert svc.submit(session, catalog, view.id).status is S.SUBMITTED  # no values needed
    before = counts(session)
    with pytest.raises(InvalidScreening, match="unanswered"):
        svc.screen(session, catalog, firm_id=firm, assessed_on=DAY, assessor="x",
                   answers={"production_plan": 1}, today=TODAY)
    assert counts(session) == before


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"values": {(M, "telepathy_pct"): 1.0}}, InvalidObservation, "not a metric"),
    ({"values": {(P, "feng_shui"): 1.0}}, InvalidObservation, "not a practice"),
    ({"values": {(M, "on_time_delivery_pct"): 130.0}}, InvalidObservation,
     "above the maximum 100"),
    ({"values": {(M, "defect_rate_pct"): -2.0}}, InvalidObservation, "below the minimum 0"),
    ({"values": {(P, "final_inspection"): 5.0}}, InvalidObservation, "maturity is a whole"),
    ({"assessed_on": dt.date(2026, 12, 1)}, InvalidObservation, "in the future"),
    ({"assessed_on": dt.date(2009, 1, 1)}, InvalidObservation, "before the firm was founded"),
    ({"firm_id": firm_id_from_int(5)}, NotFound, "no firm"),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(
        session: Session, catalog: Catalog, firm: str, kwargs: dict[str, object],
        error: type[Exception], match: str) -> None:
    args: dict[str, object] = {"firm_id": firm, "stage": Stage.DIAGNOSTIC, "assessed_on": DAY,
                               "assessor": "Ing. Ruiz", "values": {}, "today": TODAY,
                               "now": NOW}
    before = counts(session)
    with pytest.raises(error, match=match):
        svc.create(session, catalog, **{**args, **kwargs})  # type: ignore[arg-type]
    assert counts(session) == before


def test_bad_values_on_a_draft_write_nothing(
        session: Session, catalog: Catalog, firm: str) -> None:
    view = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC, assessed_on=DAY,
                      assessor="Ing. Ruiz", values={(M, "wip_days"): 5.0}, today=TODAY,
                      now=NOW)
    with pytest.raises(InvalidObservation):
        svc.record(session, catalog, view.id, {(M, "rework_pct"): 4.0,
                                               (M, "on_time_delivery_pct"): 101.0})
    assert svc.show(session, catalog, view.id).values["metric"] == {"wip_days": 5.0}
    with pytest.raises(NotFound, match="no assessment"):
        svc.show(session, catalog, "A-19000101-00000001")


def test_the_founding_date_is_stored(session: Session, firm: str) -> None:
    from escalera.store.firms import get_firm

    assert get_firm(session, firm).founded_on == dt.date(2010, 5, 1)


def test_a_taken_public_id_is_skipped_not_an_error(
        session: Session, catalog: Catalog, firm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two assessors creating visits of the same day at once: the second takes the next id."""
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite has one writer; ids are retried on PostgreSQL")
    first = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC,
                       assessed_on=DAY, assessor="Ing. Ruiz", today=TODAY, now=NOW)
    real = svc.repo.next_public_id
    calls: list[str] = []

    def stale_then_real(db: Session, day: dt.date) -> str:
        calls.append(day.isoformat())
        return first.id if len(calls) == 1 else real(db, day)  # as a concurrent reader saw

    monkeypatch.setattr(svc.repo, "next_public_id", stale_then_real)
    second = svc.create(session, catalog, firm_id=firm, stage=Stage.DIAGNOSTIC,
                        assessed_on=DAY, assessor="Ing. Ruiz", today=TODAY, now=NOW)
    assert len(calls) == 2 and second.id != first.id
    assert svc.show(session, catalog, first.id).status is S.DRAFT
