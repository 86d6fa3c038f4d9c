"""Recording lot inspections on a real database: lots and defects stored, the switching rules
per stream with every transition and its reason, bad lots refused with nothing written, the
daily inspection-summary assessment the evaluator reads, and the risk-weighted schedule."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.defects import DefectClass
from escalera.domain.evidence import Stage, latest_evidence
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.inspections import (
    DEFECTS_METRIC,
    LOT_ACCEPTANCE_METRIC,
    DefectCount,
    LotSummary,
    quality_metrics,
)
from escalera.domain.observation_rules import InvalidObservation
from escalera.domain.sampling import SamplingError, SamplingPlan, Severity, sampling_plan
from escalera.domain.switching import InspectionDiscontinued, InvalidLotResult, ResumeRefused
from escalera.i18n import current_language, set_language
from escalera.services import inspections as svc
from escalera.services.firm_view import show_firm
from escalera.store.evidence import firm_observations
from escalera.store.firms import insert_firms
from escalera.store.tables import (
    AssessmentRow,
    FirmRow,
    InspectionDefectRow,
    InspectionRow,
    InspectionStreamRow,
    ObservationRow,
    SwitchingTransitionRow,
)

TALLER = firm_id_from_int(88_001)  # contractor in Puebla: jeans and shirts
OTRO = firm_id_from_int(88_002)  # contractor in Jalisco: jeans
AGENTE = firm_id_from_int(88_003)  # a buying agent: not a producer
TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 10, 0)
DAY0 = dt.date(2025, 6, 2)
LOT, LEVEL, AQL = 1200, "II", "0.65"
AQLS = {DefectClass.CRITICAL: "0", DefectClass.MAJOR: AQL}  # Ac 0 and Ac 0/1 plans


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


@pytest.fixture()
def firms(session: Session) -> None:
    insert_firms(session, [
        Firm(id=TALLER, name="Taller Doña Ñeli", roles=(Role.CONTRACTOR,), state="Puebla",
             municipality="Tehuacán", products=("jeans", "shirts"),
             founded_on=dt.date(2010, 1, 1)),
        Firm(id=OTRO, name="Confecciones del Bajío", roles=(Role.CONTRACTOR,),
             state="Jalisco", products=("jeans",), founded_on=dt.date(2012, 1, 1)),
        Firm(id=AGENTE, name="Agencia de Compras", roles=(Role.BUYING_AGENT,),
             state="Puebla", products=("jeans",))])


def plan(severity: str) -> SamplingPlan:
    return sampling_plan(LOT, LEVEL, AQL, severity)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def lot(n: int, major: int = 0, *, firm: str = TALLER, product: str = "jeans",
        on: dt.date | None = None, **extra: object) -> svc.LotInput:
    defects = (DefectCount("open_seam", DefectClass.MAJOR, major),) if major else ()
    return svc.LotInput(firm_id=firm, product=product, lot_ref=f"L{n}", lot_size=LOT,
                        level=LEVEL, aqls=AQLS, defects=defects,
                        inspected_on=on or day(n), inspector="Ing. Ruiz",
                        **extra)  # type: ignore[arg-type]


def record(session: Session, n: int, major: int = 0, **kw: object) -> svc.Recorded:
    return svc.record(session, lot(n, major, **kw), today=TODAY, now=NOW)  # type: ignore[arg-type]


def rejecting(severity: str) -> int:
    return plan(severity).re


def stream_row(session: Session, firm: str = TALLER,
               product: str = "jeans") -> InspectionStreamRow:
    row = session.scalar(select(InspectionStreamRow).join(
        FirmRow, FirmRow.id == InspectionStreamRow.firm_id).where(
        FirmRow.public_id == firm, InspectionStreamRow.product == product))
    assert row is not None
    return row


def transitions(session: Session, firm: str = TALLER,
                product: str = "jeans") -> list[SwitchingTransitionRow]:
    stream = stream_row(session, firm, product)
    return list(session.scalars(select(SwitchingTransitionRow)
                                .where(SwitchingTransitionRow.stream_id == stream.id)
                                .order_by(SwitchingTransitionRow.id)))


def row_counts(session: Session) -> dict[str, int]:
    tables = (InspectionStreamRow, InspectionRow, InspectionDefectRow, SwitchingTransitionRow,
              AssessmentRow, ObservationRow)
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in tables}


def summaries(session: Session, firm: str = TALLER) -> list[AssessmentRow]:
    rows = session.scalars(select(AssessmentRow).join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
                           .where(FirmRow.public_id == firm,
                                  AssessmentRow.stage == str(Stage.RANDOM_INSPECTION))
                           .order_by(AssessmentRow.assessed_on))
    return list(rows)


def observed(session: Session, assessment: AssessmentRow) -> dict[str, float]:
    rows = session.execute(select(ObservationRow.item, ObservationRow.value)
                           .where(ObservationRow.assessment_id == assessment.id))
    return {item: value for item, value in rows}


def as_summary(rec: svc.Recorded, resubmitted: bool = False) -> LotSummary:
    return LotSummary(rec.inspected_on, rec.judgement.accepted, rec.judgement.sample_size,
                      rec.judgement.defects_found, resubmitted)


def test_the_plans_used_here_have_ac_0_or_1() -> None:
    # the switching score then adds 2 per accepted lot: 15 lots reach 30
    assert plan("normal").ac < 2
    assert rejecting("normal") <= plan("normal").sample_size


# --- recording ------------------------------------------------------------------------------

def test_record_stores_the_lot_its_defects_and_the_stream(session: Session,
                                                          firms: None) -> None:
    rec = svc.record(session, svc.LotInput(
        firm_id=TALLER, product="Jeans ", lot_ref=" L-77 ", lot_size=LOT, level=LEVEL,
        aqls=AQLS, order_ref="OC-9", inspected_on=day(3), inspector="Ing. Ruiz",
        defects=(DefectCount("open_seam", DefectClass.MAJOR, 1),
                 DefectCount("puckering", DefectClass.MAJOR, 0))), today=TODAY, now=NOW)
    assert rec.judgement.accepted == (plan("normal").ac >= 1)
    row = session.get(InspectionRow, int(rec.id.removeprefix("INS-")))
    assert row is not None
    assert (row.product, row.lot_ref, row.order_ref, row.lot_size, row.level, row.severity,
            row.basis, row.sample_size, row.defects_found, row.decision, row.inspector,
            row.inspected_on, row.resubmitted) == (
        "jeans", "L-77", "OC-9", LOT, "II", "normal", "units", plan("normal").sample_size, 1,
        str(rec.judgement.decision), "Ing. Ruiz", day(3), False)
    assert [c["class"] for c in row.classes] == ["critical", "major"]
    defects = session.execute(select(InspectionDefectRow.code, InspectionDefectRow.defect_class,
                                     InspectionDefectRow.count)
                              .where(InspectionDefectRow.inspection_id == row.id)).all()
    assert ("open_seam", "major", 1) in [tuple(d) for d in defects]
    stream = stream_row(session)
    assert stream.severity == "normal" and stream.last_inspected_on == day(3)
    assert stream.state["recent"] == [rec.judgement.accepted]
    assert stream.state["score"] == (2 if rec.judgement.accepted else 0)
    assert row.assessment_id is not None
    summary = session.get(AssessmentRow, row.assessment_id)
    assert summary is not None and summary.public_id == rec.assessment_id


def test_two_rejected_lots_tighten_with_the_reason_recorded(session: Session,
                                                            firms: None) -> None:
    first = record(session, 1, rejecting("normal"))
    assert first.judgement.severity is Severity.NORMAL and not first.judgement.accepted
    assert first.severity_after is Severity.NORMAL and first.transition is None
    record(session, 2)
    second = record(session, 3, rejecting("normal"))
    assert second.severity_after is Severity.TIGHTENED
    assert second.transition is not None and "2 of the last 3" in str(second.transition.reason)
    (move,) = transitions(session)
    assert (move.from_severity, move.to_severity, move.reason_code, move.params,
            move.occurred_on) == ("normal", "tightened", "two_not_accepted", {"span": 3}, day(3))
    assert move.inspection_id == int(second.id.removeprefix("INS-"))
    (view,) = svc.streams(session, TALLER, "jeans")
    assert view.severity is Severity.TIGHTENED
    assert view.transitions[0]["reason"] == "2 of the last 3 consecutive lots on normal " \
        "inspection were not accepted"
    assert view.transitions[0]["lot"] == second.id
    # the next lot is judged on the tightened plan
    third = record(session, 4)
    assert third.judgement.severity is Severity.TIGHTENED
    assert third.judgement.classes[1].ac == plan("tightened").ac


def test_five_accepted_on_tightened_return_to_normal(session: Session, firms: None) -> None:
    record(session, 1, rejecting("normal"))
    record(session, 2, rejecting("normal"))
    for n in range(3, 7):
        assert record(session, n).severity_after is Severity.TIGHTENED
    back = record(session, 7)
    assert back.judgement.severity is Severity.TIGHTENED
    assert back.severity_after is Severity.NORMAL
    assert [(t.from_severity, t.to_severity, t.reason_code) for t in transitions(session)] == [
        ("normal", "tightened", "two_not_accepted"),
        ("tightened", "normal", "five_accepted")]
    assert stream_row(session).state["score"] == 0


def test_five_rejected_on_tightened_discontinue_until_resumed(session: Session,
                                                              firms: None) -> None:
    record(session, 1, rejecting("normal"))
    record(session, 2, rejecting("normal"))
    for n in range(3, 8):
        rec = record(session, n, rejecting("tightened"))
        assert rec.judgement.severity is Severity.TIGHTENED and not rec.judgement.accepted
    assert rec.severity_after is Severity.DISCONTINUED
    assert transitions(session)[-1].reason_code == "five_not_accepted_on_tightened"
    before = row_counts(session)
    with pytest.raises(InspectionDiscontinued, match="L8"):
        record(session, 8)
    assert row_counts(session) == before
    with pytest.raises(ResumeRefused):
        svc.resume(session, TALLER, "jeans", "   ", day(9), NOW)
    view = svc.resume(session, TALLER, "jeans", "new needle detector at the end of the line",
                      day(9), NOW)
    assert view.severity is Severity.TIGHTENED
    assert view.corrective_action == "new needle detector at the end of the line"
    last = transitions(session)[-1]
    assert (last.from_severity, last.to_severity, last.reason_code, last.inspection_id,
            last.occurred_on) == ("discontinued", "tightened", "corrective_action", None,
                                  day(9))
    assert "new needle detector" in str(view.transitions[-1]["reason"])
    again = record(session, 10)
    assert again.judgement.severity is Severity.TIGHTENED and again.judgement.accepted
    with pytest.raises(ResumeRefused, match="tightened"):
        svc.resume(session, TALLER, "jeans", "again", day(11), NOW)


def test_approved_and_score_30_switch_to_reduced(session: Session, firms: None) -> None:
    record(session, 1)
    view = svc.approve_reduced(session, TALLER, "jeans")
    assert view.reduced_approved and view.score == 2
    for n in range(2, 15):
        rec = record(session, n)
        assert rec.severity_after is Severity.NORMAL, n
    assert stream_row(session).state["score"] == 28
    fifteenth = record(session, 15)
    assert fifteenth.severity_after is Severity.REDUCED
    move = transitions(session)[-1]
    assert (move.from_severity, move.to_severity, move.reason_code, move.params) == (
        "normal", "reduced", "score_reached", {"score": 30})
    reduced = record(session, 16)
    assert reduced.judgement.severity is Severity.REDUCED
    assert reduced.judgement.sample_size == plan("reduced").sample_size
    back = record(session, 17, rejecting("reduced"))
    assert back.severity_after is Severity.NORMAL
    assert back.transition is not None
    assert back.transition.reason_code == "not_accepted_on_reduced"


def test_score_30_without_approval_stays_normal(session: Session, firms: None) -> None:
    for n in range(1, 16):
        record(session, n)
    assert stream_row(session).severity == "normal"
    assert stream_row(session).state["score"] == 30
    svc.approve_reduced(session, TALLER, "jeans")
    assert record(session, 16).severity_after is Severity.REDUCED
    withdrawn = svc.approve_reduced(session, TALLER, "jeans", approved=False)
    assert not withdrawn.reduced_approved


def test_resubmitted_lots_do_not_count_for_switching(session: Session, firms: None) -> None:
    record(session, 1, rejecting("normal"))
    rec = record(session, 2, rejecting("normal"), resubmitted=True)
    assert not rec.judgement.accepted and rec.severity_after is Severity.NORMAL
    assert stream_row(session).state["recent"] == [False]
    assert session.get(InspectionRow, int(rec.id.removeprefix("INS-"))).resubmitted


# --- refusals, nothing written ----------------------------------------------------------------

def test_a_lot_dated_before_the_streams_last_lot_is_refused(session: Session,
                                                            firms: None) -> None:
    record(session, 5)
    state = dict(stream_row(session).state)
    before = row_counts(session)
    with pytest.raises(InvalidLotResult) as raised:
        record(session, 4, rejecting("normal"))
    assert day(4).isoformat() in str(raised.value) and day(5).isoformat() in str(raised.value)
    assert row_counts(session) == before
    assert stream_row(session).state == state
    assert stream_row(session).last_inspected_on == day(5)
    # the same day is not "before"
    assert record(session, 6, on=day(5)).inspected_on == day(5)


def test_non_producer_and_unknown_product_are_refused(session: Session, firms: None) -> None:
    before = row_counts(session)
    with pytest.raises(svc.InspectionRefused, match=re.escape(AGENTE)):
        record(session, 1, firm=AGENTE)
    with pytest.raises(svc.InspectionRefused, match="bikinis"):
        record(session, 1, product="bikinis")
    with pytest.raises(svc.InspectionRefused, match="lot"):
        svc.record(session, svc.LotInput(
            firm_id=TALLER, product="jeans", lot_ref="  ", lot_size=LOT, level=LEVEL,
            aqls=AQLS, defects=(), inspected_on=day(1), inspector="x"), today=TODAY, now=NOW)
    assert row_counts(session) == before
    with pytest.raises(svc.InspectionRefused, match="jeans"):
        svc.approve_reduced(session, TALLER, "jeans")  # no stream yet


def test_a_future_date_is_refused(session: Session, firms: None) -> None:
    with pytest.raises(InvalidObservation, match="future"):
        record(session, 1, on=TODAY + dt.timedelta(days=1))


def test_the_level_is_stored_as_the_standard_writes_it(session: Session, firms: None) -> None:
    rec = svc.record(session, svc.LotInput(
        firm_id=TALLER, product="jeans", lot_ref="L1", lot_size=LOT, level="s3", aqls=AQLS,
        defects=(), inspected_on=day(1), inspector="x"), today=TODAY, now=NOW)
    assert rec.judgement.classes[1].plan is not None
    assert rec.judgement.classes[1].plan.level == "S-3"
    assert rec.level == "S-3"


def test_a_long_reference_is_refused_cleanly_and_nothing_is_written(session: Session,
                                                                    firms: None) -> None:
    for field, lot_ref, inspector in (("lot", "LOTE-" + "7" * 70, "x"),
                                      ("inspector", "L1", "Ing. " + "a" * 130)):
        with pytest.raises(svc.InspectionRefused) as refused:
            svc.record(session, svc.LotInput(
                firm_id=TALLER, product="jeans", lot_ref=lot_ref, lot_size=LOT, level=LEVEL,
                aqls=AQLS, defects=(), inspected_on=day(1), inspector=inspector),
                today=TODAY, now=NOW)
        assert field in str(refused.value)
    assert session.query(InspectionRow).count() == 0
    assert session.query(InspectionStreamRow).count() == 0


# --- the daily summary assessment -----------------------------------------------------------

def test_the_daily_summary_holds_the_quality_metrics(session: Session, firms: None) -> None:
    a = record(session, 1, 1)
    b = record(session, 2, rejecting("normal"))
    c = record(session, 3, 0, product="shirts")
    c2 = record(session, 4, 1, resubmitted=True)
    recs = [a, b, c, c2]
    rows = summaries(session)
    assert [r.assessed_on for r in rows] == [day(1), day(2), day(3), day(4)]
    assert all(r.status == "final" and (r.origin or {}).get("kind") == "inspections"
               for r in rows)
    lots = [as_summary(r, r is c2) for r in recs]
    for row, rec in zip(rows, recs, strict=True):
        assert row.public_id == rec.assessment_id
        assert observed(session, row) == quality_metrics(lots, row.assessed_on) == rec.metrics
    # by hand, on day 4: 3 original lots, 2 accepted; every sampled unit counts for DHU
    accepted = sum(r.judgement.accepted for r in (a, b, c))
    units = sum(r.judgement.sample_size for r in recs)
    found = sum(r.judgement.defects_found for r in recs)
    assert observed(session, rows[-1]) == {
        LOT_ACCEPTANCE_METRIC: round(100 * accepted / 3, 2),
        DEFECTS_METRIC: round(100 * found / units, 2)}


def test_a_second_lot_the_same_day_updates_the_same_summary(session: Session,
                                                            firms: None) -> None:
    first = record(session, 1, 0)
    assert observed(session, summaries(session)[0])[LOT_ACCEPTANCE_METRIC] == 100.0
    second = record(session, 2, rejecting("normal"), product="shirts", on=day(1))
    rows = summaries(session)
    assert len(rows) == 1 and first.assessment_id == second.assessment_id
    assert observed(session, rows[0]) == second.metrics == {
        LOT_ACCEPTANCE_METRIC: 50.0,
        DEFECTS_METRIC: round(100 * rejecting("normal")
                              / (first.judgement.sample_size + second.judgement.sample_size),
                              2)}
    count = session.scalar(select(func.count()).select_from(ObservationRow)
                           .where(ObservationRow.assessment_id == rows[0].id))
    assert count == 2  # replaced, not added


def test_a_backdated_lot_of_another_product_refreshes_later_summaries(
        session: Session, firms: None) -> None:
    jeans = record(session, 10, 0)
    assert observed(session, summaries(session)[0])[LOT_ACCEPTANCE_METRIC] == 100.0
    shirts = record(session, 5, rejecting("normal"), product="shirts")
    early, late = summaries(session)
    assert (early.assessed_on, late.assessed_on) == (day(5), day(10))
    assert early.public_id == shirts.assessment_id and late.public_id == jeans.assessment_id
    assert observed(session, early)[LOT_ACCEPTANCE_METRIC] == 0.0
    assert observed(session, late) == quality_metrics(
        [as_summary(jeans), as_summary(shirts)], day(10))
    assert observed(session, late)[LOT_ACCEPTANCE_METRIC] == 50.0


def test_summaries_cover_a_year_of_lots(session: Session, firms: None) -> None:
    record(session, 0, rejecting("normal"))
    assert record(session, 364).metrics[LOT_ACCEPTANCE_METRIC] == 50.0
    assert record(session, 365).metrics[LOT_ACCEPTANCE_METRIC] == 100.0


def test_the_evaluator_reads_the_inspection_metrics(session: Session, firms: None,
                                                    catalog: Catalog) -> None:
    record(session, 1, 0)
    record(session, 2, rejecting("normal"), product="shirts")
    last = record(session, 3, 1)
    on = day(3)
    evidence = latest_evidence(firm_observations(session, TALLER), on)
    for metric in (LOT_ACCEPTANCE_METRIC, DEFECTS_METRIC):
        assert evidence.metrics[metric].value == last.metrics[metric]
        assert evidence.metrics[metric].assessment_id == last.assessment_id
    view = show_firm(session, catalog, TALLER, on, 730, with_visits=False)
    seen = [r for ladder in view.evaluation.ladders for level in ladder.levels
            for r in level.requirements if r.item == LOT_ACCEPTANCE_METRIC]
    assert seen, "the catalog's ladders ask for the lot acceptance rate"
    for requirement in seen:
        assert requirement.current == last.metrics[LOT_ACCEPTANCE_METRIC]
        assert requirement.assessment_id == last.assessment_id
        assert requirement.observed_on == on


# --- the schedule -----------------------------------------------------------------------------

ON = TODAY - dt.timedelta(days=7)


def weights(frame: pl.DataFrame) -> dict[tuple[str, str], float]:
    return {(r["firm_id"], r["product"]): r["weight"] for r in frame.iter_rows(named=True)}


def test_schedule_leans_on_risk(session: Session, firms: None) -> None:
    record(session, 1, rejecting("normal"), on=ON - dt.timedelta(days=20))
    record(session, 2, rejecting("normal"), on=ON - dt.timedelta(days=10))
    assert stream_row(session).severity == "tightened"
    picked = svc.schedule(session, on=ON, count=10, seed=5)
    got = weights(picked)
    assert set(got) == {(TALLER, "jeans"), (TALLER, "shirts"), (OTRO, "jeans")}
    assert got[(TALLER, "jeans")] == pytest.approx(3 * (1 + 2) * (1 + 10 / 90))
    assert got[(OTRO, "jeans")] == pytest.approx(1 * (1 + 0) * (1 + 365 / 90))
    assert got[(TALLER, "jeans")] > got[(OTRO, "jeans")]
    tightened = picked.filter(pl.col("product") == "jeans",
                              pl.col("firm_id") == TALLER).row(0, named=True)
    assert tightened["severity"] == "tightened" and tightened["recent_not_accepted"] == 2
    assert tightened["last_inspected"] == ON - dt.timedelta(days=10)
    assert AGENTE not in picked["firm_id"].to_list()
    assert picked.equals(svc.schedule(session, on=ON, count=10, seed=5))


def test_schedule_filters_by_region_and_product(session: Session, firms: None) -> None:
    assert set(weights(svc.schedule(session, on=ON, count=10, seed=1, region=" jalisco"))) \
        == {(OTRO, "jeans")}
    assert set(weights(svc.schedule(session, on=ON, count=10, seed=1, product="shirts"))) \
        == {(TALLER, "shirts")}
    assert set(weights(svc.schedule(session, on=ON, count=10, seed=1, region="Puebla",
                                    product="jeans"))) == {(TALLER, "jeans")}
    assert svc.schedule(session, on=ON, count=10, seed=1, region="Yucatán").is_empty()
    assert svc.schedule(session, on=ON, count=1, seed=1).height == 1
    with pytest.raises(svc.InspectionRefused, match="bikinis"):
        svc.schedule(session, on=ON, count=10, seed=1, product="bikinis")
    with pytest.raises(SamplingError, match="0"):
        svc.schedule(session, on=ON, count=0, seed=1)


def test_discontinued_streams_wait_apart(session: Session, firms: None) -> None:
    for n in range(1, 8):
        record(session, n, rejecting("normal" if n < 3 else "tightened"), firm=OTRO)
    assert stream_row(session, OTRO).severity == "discontinued"
    waiting = svc.discontinued(session)
    assert waiting.select("firm_id", "product", "severity").rows() == [
        (OTRO, "jeans", "discontinued")]
    for seed in range(10):
        picked = svc.schedule(session, on=ON, count=10, seed=seed)
        assert (OTRO, "jeans") not in weights(picked)
        assert set(weights(picked)) == {(TALLER, "jeans"), (TALLER, "shirts")}
    svc.resume(session, OTRO, "jeans", "operators retrained", day(8), NOW)
    assert svc.discontinued(session).is_empty()
    assert (OTRO, "jeans") in weights(svc.schedule(session, on=ON, count=10, seed=0))
