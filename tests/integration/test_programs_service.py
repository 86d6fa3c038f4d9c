"""Programs through their services on a real database (SQLite or PostgreSQL): admission by
the evaluator with refusals stored with their reasons, records checked before anything is
written, and an evaluation that recovers an effect planted in the observations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.program_registry import (
    COHORT_1,
    COHORT_2,
    EFFECT,
    ENTRY_1,
    ENTRY_2,
    WEAK,
    consultant_program,
    seed_registry,
)

from escalera.demo.programs import IDS as DEMO_IDS
from escalera.demo.programs import seed_programs
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, Status
from escalera.domain.programs import Activity, ActivityKind, ProgramError
from escalera.i18n import set_language
from escalera.services import program_evaluation, programs
from escalera.services.demo import seed_demo
from escalera.store import programs as program_store
from escalera.store.evidence import firms_frame, observations_frame
from escalera.store.tables import ProgramActivityRow, ProgramParticipantRow, ProgramRow

TODAY = dt.date(2026, 11, 1)
PID = "PRG-TEST-1"


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def run_program(session: Session, catalog: Catalog, effect: float = EFFECT) -> None:
    seed_registry(session, effect=effect)
    programs.create(session, catalog, consultant_program(PID))
    programs.admit(session, catalog, PID, [*COHORT_1, WEAK], ENTRY_1)
    programs.admit(session, catalog, PID, COHORT_2, ENTRY_2)


def test_admission_by_the_evaluator_with_reasons_stored(session: Session,
                                                        catalog: Catalog) -> None:
    run_program(session, catalog)
    listed = programs.list_programs(session)
    assert [(p["id"], p["admitted"], p["refused"]) for p in listed] == [(PID, 16, 1)]
    rows = program_evaluation.decision_rows(catalog, session, PID)
    weak = next(r for r in rows if r["firm_id"] == WEAK)
    assert not weak["admitted"]
    set_language("en")
    try:
        weak = next(r for r in program_evaluation.decision_rows(catalog, session, PID)
                    if r["firm_id"] == WEAK)
    finally:
        set_language("es")
    assert weak["reasons"] == ["On-time delivery 78 % < 80 % required for Tier 3"]
    stored = programs.store.admissions(session, PID)
    assert [s.status for a in stored if a.firm_id == WEAK for s in a.shortfalls] == [
        Status.UNMET]
    assert {a.level for a in stored if a.admitted} == {"tier_3"}


def test_bad_input_stores_nothing(session: Session, catalog: Catalog) -> None:
    seed_registry(session)
    with pytest.raises(ProgramError, match="target_date"):
        programs.create(session, catalog, dataclasses.replace(
            consultant_program(PID), target_date=dt.date(2024, 12, 1)))
    assert count(session, ProgramRow) == 0
    programs.create(session, catalog, consultant_program(PID))
    with pytest.raises(ProgramError, match="id"):
        programs.create(session, catalog, consultant_program(PID))
    with pytest.raises(ProgramError) as caught:
        programs.admit(session, catalog, PID, COHORT_1, dt.date(2024, 12, 1))
    assert caught.value.message.startswith("on:")
    programs.admit(session, catalog, PID, COHORT_1[:2], ENTRY_1)
    with pytest.raises(ProgramError, match=COHORT_1[0]):  # already considered
        programs.admit(session, catalog, PID, [COHORT_1[2], COHORT_1[0]], ENTRY_1)
    assert count(session, ProgramParticipantRow) == 2
    good = Activity(ActivityKind.CONSULTANT_SESSION, dt.date(2025, 2, 1), COHORT_1[0])
    early = Activity(ActivityKind.CONSULTANT_SESSION, dt.date(2024, 2, 1), COHORT_1[0])
    with pytest.raises(ProgramError) as caught:
        programs.record(session, PID, [good, early])
    assert "before the program started" in caught.value.message
    assert count(session, ProgramActivityRow) == 0
    programs.record(session, PID, [good])
    assert count(session, ProgramActivityRow) == 1


def test_evaluation_recovers_a_planted_effect(session: Session, catalog: Catalog) -> None:
    run_program(session, catalog)
    buyer = "Almacenes Andinos"
    programs.record(session, PID, [
        Activity(ActivityKind.MATCHMAKING_MEETING, dt.date(2025, 3, 1), f, buyer)
        for f in COHORT_1] + [
        Activity(ActivityKind.SAMPLE, dt.date(2025, 4, 1), f, buyer) for f in COHORT_1[:4]] + [
        Activity(ActivityKind.ORDER, dt.date(2025, 6, 1), COHORT_1[0], buyer, units=1200)])
    result = program_evaluation.evaluate(session, catalog, PID, TODAY, replications=99)
    effect = next(e for e in result["effects"] if e["metric"] == "on_time_delivery_pct")
    assert effect["ci_low"] <= EFFECT <= effect["ci_high"]
    assert effect["ci_low"] > 0
    unmatched = result["comparison"]["unmatched"]
    assert len(unmatched) <= 2 and effect["n_treated"] == 16 - len(unmatched)
    assert effect["n_control"] >= 8
    assert 0 < effect["mde"] < EFFECT
    assert {a["code"] for a in effect["assumptions"]} == {"parallel_trends",
                                                           "no_anticipation"}
    assert [s["pairs"] for s in result["funnel"]] == [8, 4, 1, 1, 0, 0]
    assert result["funnel"][1]["conversion"] == 0.5
    # the other pairs went quiet: their next records are overdue
    overdue = [f for f in result["follow_ups"] if f["kind"] == "funnel_next_stage"]
    assert len(overdue) == 8 and {f["status"] for f in overdue} == {"overdue"}
    assert result["target"]["participants"] == 16
    assert sum(map(sum, result["transitions"]["matrix"])) == 16
    missing = result["missing"]["firm_quarters_without_observation"]
    assert missing["on_time_delivery_pct"] > 0  # the quarters nobody assessed stay empty
    assert {n["metric"] for n in result["not_estimated"]} >= {"lead_time_days"}


def test_no_effect_found_where_none_was_planted(session: Session, catalog: Catalog) -> None:
    run_program(session, catalog, effect=0.0)
    result = program_evaluation.evaluate(session, catalog, PID, TODAY, replications=99)
    effect = next(e for e in result["effects"] if e["metric"] == "on_time_delivery_pct")
    assert effect["ci_low"] <= 0 <= effect["ci_high"]


def test_report_reads_in_both_languages(session: Session, catalog: Catalog) -> None:
    run_program(session, catalog)
    spanish = program_evaluation.report(session, catalog, PID, TODAY)
    assert "Qué es el programa" in spanish and "Efecto mínimo detectable" in spanish
    assert "Entregas a tiempo 78 % &lt; 80 % requerido para Nivel 3" in spanish
    set_language("en")
    try:
        english = program_evaluation.report(session, catalog, PID, TODAY)
    finally:
        set_language("es")
    assert "What the program is" in english and "Parallel trends" in english
    assert "What data is missing" in english


def test_the_demo_programs_read_as_the_study_tells_them(session: Session,
                                                        catalog: Catalog) -> None:
    reference = dt.date(2026, 6, 1)
    seed_demo(session, firms=1200, seed=42, reference_date=reference)
    summary = seed_programs(session, catalog, seed=42, reference_date=reference,
                            stale_after_days=730)
    assert summary["programs"] == 4 and summary["refused"] > 0
    listed = {p["id"]: p for p in programs.list_programs(session)}
    assert set(listed) == set(DEMO_IDS)
    first, lower, start = reference - dt.timedelta(days=3 * 365), reference, "starts_on"
    assert all(first < dt.date.fromisoformat(p[start]) < lower for p in listed.values())
    assert "Ciudad Hidalgo" in listed["PRG-CONSULTORIA"]["name"]  # the study's furniture case
    results = {pid: program_evaluation.evaluate(session, catalog, pid, reference,
                                                replications=49) for pid in DEMO_IDS}
    for result in results.values():
        assert result["admitted"] > 0
        pairs = [s["pairs"] for s in result["funnel"]]
        assert pairs == sorted(pairs, reverse=True)  # funnels narrow
    us, latam = (results[p]["funnel"] for p in DEMO_IDS[:2])
    assert us[3]["overall"] < latam[3]["overall"]  # orders: the second fair did better

    def otd(pid: str) -> dict[str, float]:
        return next(e for e in results[pid]["effects"] if e["metric"] == "on_time_delivery_pct")

    assert otd("PRG-CONSULTORIA")["ci_low"] > 0  # a modest effect
    assert 0 < otd("PRG-CONSULTORIA")["estimate"] < 10
    _consultant_program_serves_the_furniture_cluster(session, catalog, reference, summary,
                                                     results)
    assert abs(otd("PRG-FERIA-EEUU")["estimate"]) < 1.5  # little
    assert results["PRG-CREDITO"]["activities"]["credit_disbursement"]["amount"] > 0
    # the first fair's open leads were never followed up: overdue
    assert {f["status"] for f in results["PRG-FERIA-EEUU"]["follow_ups"]} == {"overdue"}
    for pid in DEMO_IDS:
        html = program_evaluation.report(session, catalog, pid, reference,
                                         evaluation=results[pid])
        assert "Qué es el programa" in html and "Qué datos faltan" in html
        assert ("Efecto mínimo detectable" in html) == bool(results[pid]["effects"])


def _consultant_program_serves_the_furniture_cluster(
        session: Session, catalog: Catalog, reference: dt.date, summary: dict[str, int],
        results: dict[str, dict[str, Any]]) -> None:
    """The consultant program's applicants and comparison firms are the furniture makers of
    Ciudad Hidalgo, Michoacán; the garment programs never take them."""
    registry = firms_frame(session)
    furniture = registry.filter(pl.col("products").list.contains("wood_furniture"))
    assert furniture.height == summary["furniture_firms"] >= 30
    assert set(furniture["state"]) == {"Michoacán"}
    assert furniture["products"].to_list() == [["wood_furniture"]] * furniture.height
    assert furniture["employees"].is_between(1, 50).all()  # micro and small shops
    makers = set(furniture["firm_id"])
    decided = program_store.admissions(session, "PRG-CONSULTORIA")
    admitted = {a.firm_id: a.on for a in decided if a.admitted}
    assert {a.firm_id for a in decided} <= makers
    assert len(admitted) < len(decided)  # some applied below the admission level: refused
    assert all(a.shortfalls for a in decided if not a.admitted)
    assert len(decided) < furniture.height  # part of the cluster stays out of the program
    group = program_evaluation.cohort_comparison(
        catalog, registry, observations_frame(session, until=reference), admitted,
        "buyer_tiers", DEFAULT_STALE_AFTER_DAYS)
    assert len(group["controls"]) >= 3
    assert set(group["controls"]) <= makers - set(admitted)
    assert results["PRG-CONSULTORIA"]["comparison"]["controls"] == len(group["controls"])
    for pid in ("PRG-FERIA-EEUU", "PRG-FERIA-LATAM", "PRG-CREDITO"):
        assert not {a.firm_id for a in program_store.admissions(session, pid)} & makers
