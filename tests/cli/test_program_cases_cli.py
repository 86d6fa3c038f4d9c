"""``escalera program cases``: the rule and its picks, one case document per pick (HTML or
PDF), ``--json`` with the service's shape, and a firm that is not a participant refused in
one line with nothing written. The registry here is shared with the service tests."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from escalera.catalog import load_catalog
from escalera.cli.main import app, run
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.programs import (
    Activity,
    ActivityKind,
    Program,
    ProgramStandard,
    ProgramType,
)
from escalera.services import programs
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms
from tests.conftest import Seeder

PID = "PRG-CASOS"
TODAY = dt.date(2026, 9, 1)
ENTRY = dt.date(2025, 1, 20)
TARGET_DATE = dt.date(2026, 3, 31)
FAST, SLOW, FELL, STAYED, UNSEEN, REFUSED = (firm_id_from_int(8800 + i) for i in range(6))
BUYER, OTHER_BUYER = "Almacenes Andinos (Bogotá)", "Tiendas del Pacífico (Lima)"
M, P = ItemKind.METRIC, ItemKind.PRACTICE

TIER_3 = {  # meets tier 3, short of tier 2 on six requirements (and silent on the rest)
    (M, "on_time_delivery_pct"): 85.0, (M, "defect_rate_pct"): 5.0,
    (M, "turnaround_days"): 25.0, (P, "final_inspection"): 1.0,
    (P, "production_planning"): 1.0, (P, "separate_business_accounts"): 1.0}
SHORT_AT_ENTRY = {"on_time_delivery_pct", "defect_rate_pct", "turnaround_days",
                  "final_inspection", "production_planning", "separate_business_accounts"}
TIER_2 = {  # every requirement of tier 2
    (M, "on_time_delivery_pct"): 92.0, (M, "defect_rate_pct"): 3.5,
    (M, "lot_acceptance_rate_pct"): 93.0, (M, "defects_per_hundred_units"): 6.0,
    (M, "turnaround_days"): 19.0, (M, "lead_time_days"): 70.0, (M, "efficiency_pct"): 55.0,
    (M, "rework_pct"): 6.0, (M, "wip_days"): 8.0, (P, "final_inspection"): 2.0,
    (P, "inline_inspection"): 1.0, (P, "inventory_control"): 1.0,
    (P, "quality_control_system"): 1.0, (P, "production_planning"): 2.0,
    (P, "plant_layout_wip"): 1.0, (P, "separate_business_accounts"): 2.0}
BELOW_TIER_3 = {**TIER_3, (M, "on_time_delivery_pct"): 74.0}
PATHS: dict[str, list[tuple[dt.date, dict[tuple[ItemKind, str], float]]]] = {
    FAST: [(dt.date(2025, 1, 15), TIER_3), (dt.date(2025, 6, 15), TIER_2),
           (dt.date(2026, 6, 15), TIER_2)],
    SLOW: [(dt.date(2025, 1, 15), TIER_3), (dt.date(2025, 6, 15), TIER_3),
           (dt.date(2025, 11, 15), TIER_2)],
    FELL: [(dt.date(2025, 1, 15), TIER_3), (dt.date(2025, 9, 15), TIER_3),
           (dt.date(2026, 6, 15), BELOW_TIER_3)],
    STAYED: [(dt.date(2025, 1, 15), TIER_3), (dt.date(2026, 6, 15), TIER_3)],
    UNSEEN: [(dt.date(2025, 1, 15), TIER_3)],  # never assessed after admission
    REFUSED: [(dt.date(2025, 1, 15), {**TIER_3, (M, "on_time_delivery_pct"): 78.0})],
}
STATES = {FAST: "Puebla", SLOW: "Puebla", FELL: "Aguascalientes", STAYED: "Puebla",
          UNSEEN: "Puebla", REFUSED: "Puebla"}


def case_program() -> Program:
    return Program(
        id=PID, name="Consultoría para talleres de mezclilla", type=ProgramType.CONSULTANT_PROGRAM,
        sponsor="Cámara de la industria del vestido", starts_on=dt.date(2025, 1, 10),
        ends_on=dt.date(2025, 12, 20), target_date=TARGET_DATE, budget=900_000,
        admission=ProgramStandard("buyer_tiers", "tier_3"),
        target=ProgramStandard("buyer_tiers", "tier_2"),
        entry_segment="domestic_discount_chains", target_segment="latin_american_dept_stores")


ACTIVITIES = [
    Activity(ActivityKind.BEST_PRACTICE_VISIT, dt.date(2025, 1, 25),
             note="Visita a una maquiladora de Tehuacán"),
    Activity(ActivityKind.CONSULTANT_SESSION, dt.date(2025, 2, 10), FAST),
    Activity(ActivityKind.CONSULTANT_SESSION, dt.date(2025, 3, 12), FAST),
    Activity(ActivityKind.MATCHMAKING_MEETING, dt.date(2025, 7, 1), FAST, BUYER),
    Activity(ActivityKind.SAMPLE, dt.date(2025, 8, 1), FAST, BUYER, units=12),
    Activity(ActivityKind.ORDER, dt.date(2025, 10, 1), FAST, BUYER, units=1200),
    Activity(ActivityKind.MATCHMAKING_MEETING, dt.date(2025, 7, 1), FELL, OTHER_BUYER),
    Activity(ActivityKind.NO_DEAL, dt.date(2025, 8, 20), FELL, OTHER_BUYER),
    Activity(ActivityKind.CONSULTANT_SESSION, dt.date(2025, 2, 11), FELL),
]


def seed_cases(session: Session) -> None:
    """Six workshops with known paths, a program with five of them admitted, and records."""
    insert_firms(session, [Firm(
        id=f, name=f"Taller {i}", roles=(Role.CONTRACTOR,), state=STATES[f],
        products=("jeans",), employees=25, monthly_capacity=3000,
        export_regime=ExportRegime.DOMESTIC) for i, f in enumerate(PATHS)])
    for i, (firm, visits) in enumerate(PATHS.items()):
        for j, (on, values) in enumerate(visits):
            insert_assessment(session, public_id=f"A-{on:%Y%m%d}-{i:03d}{j}", firm_id=firm,
                              stage=Stage.FOLLOW_UP, assessed_on=on, assessor="Ing. Ruiz",
                              values=values)
    catalog = load_catalog()
    programs.create(session, catalog, case_program())
    programs.admit(session, catalog, PID, list(PATHS), ENTRY)
    programs.record(session, PID, ACTIVITIES)


# --------------------------------------------------------------------------- CLI


@pytest.fixture()
def url(seeded_database: Callable[[Seeder], str]) -> str:
    return seeded_database(seed_cases)


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_cases_writes_one_document_per_pick(url: str, tmp_path: Path) -> None:
    out = tmp_path / "casos"
    text = invoke("--lang", "en", "program", "cases", PID, "--on", TODAY.isoformat(),
                  "--out", str(out)).stdout
    assert "missing data is not failure" in text
    assert f"Success: {FAST}" in text and f"Failure: {FELL}" in text
    assert sorted(p.name for p in out.iterdir()) == [f"{PID}-failure.html",
                                                     f"{PID}-success.html"]
    success = (out / f"{PID}-success.html").read_text(encoding="utf-8")
    assert "Success case" in success and "Questions for the discussion" in success
    failure = (out / f"{PID}-failure.html").read_text(encoding="utf-8")
    assert "Failure case" in failure and "Aguascalientes" in failure  # FELL's region


def test_json_has_the_service_shape(url: str, tmp_path: Path) -> None:
    data = json.loads(invoke("program", "cases", PID, "--on", TODAY.isoformat(), "--json",
                             "--out", str(tmp_path / "nada")).stdout)
    assert set(data) == {"rule", "success", "failure", "none_reason"}
    assert data["success"]["firm_id"] == FAST and data["failure"]["firm_id"] == FELL
    assert set(data["success"]) == {"firm_id", "name", "why"}
    assert data["none_reason"] == {"success": None, "failure": None}
    assert "la falta de datos" in data["rule"] or "falten datos" in data["rule"]  # Spanish
    assert not (tmp_path / "nada").exists()


def test_a_chosen_participant_as_a_pdf(url: str, tmp_path: Path) -> None:
    invoke("program", "cases", PID, "--on", TODAY.isoformat(), "--firm", SLOW, "--which",
           "success", "--format", "pdf", "--out", str(tmp_path / "pdf"))
    (pdf,) = (tmp_path / "pdf").iterdir()
    assert pdf.name == f"{PID}-success.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


@pytest.mark.parametrize(("args", "needle"), [
    (["--firm", REFUSED, "--which", "failure"], f"{REFUSED} is not an admitted participant"),
    (["--firm", FAST], "--which"),
    (["--which", "maybe"], "which"),
    (["--format", "docx"], "format"),
])
def test_bad_requests_are_one_line_errors_that_write_nothing(
        url: str, tmp_path: Path, args: list[str], needle: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "casos"
    monkeypatch.setattr(sys, "argv", ["escalera", "--lang", "en", "program", "cases", PID,
                                      "--on", TODAY.isoformat(), "--out", str(out), *args])
    with pytest.raises(SystemExit) as exited:
        run()
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 1, err
    assert err.startswith("Error:") and "\n" not in err and needle in err
    assert not out.exists()


def test_report_keeps_html_by_default(url: str, tmp_path: Path) -> None:
    invoke("program", "report", PID, "--on", TODAY.isoformat(), "--out",
           str(tmp_path / "informe.html"))
    assert (tmp_path / "informe.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
