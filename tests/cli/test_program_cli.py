"""``escalera program``: create, admit (refusals with reasons), record, list and evaluate
with the JSON contract, the HTML report, and one-line errors that write nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from escalera.cli.main import app, run
from escalera.config import Settings
from escalera.services.context import AppContext
from escalera.store.tables import ProgramActivityRow, ProgramRow
from tests.conftest import Seeder
from tests.program_registry import COHORT_1, COHORT_2, WEAK, seed_registry

PID = "PRG-CLI-1"
EFFECT_KEYS = {"metric", "estimate", "ci_low", "ci_high", "n_treated", "n_control"}


@pytest.fixture()
def url(seeded_database: Callable[[Seeder], str]) -> str:
    return seeded_database(seed_registry)


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def rows(url: str, table: type) -> int:
    context = AppContext(Settings(database_url=url))
    try:
        with context.transaction() as session:
            return session.scalar(select(func.count()).select_from(table)) or 0
    finally:
        context.engine.dispose()


def create(*extra: str, pid: str = PID) -> list[str]:
    return ["program", "create", pid, "--name", "Consultoría en Tehuacán", "--type",
            "consultant_program", "--sponsor", "Gobierno de Puebla", "--start", "2025-01-10",
            "--end", "2025-12-20", "--target-date", "2026-06-30", "--budget", "1200000",
            "--admission", "buyer_tiers:tier_3", "--target", "buyer_tiers:tier_2",
            "--entry-segment", "domestic_discount_chains", *extra]


def test_create_admit_record_list_evaluate_report(url: str, tmp_path: Path) -> None:
    invoke(*create())
    admitted = json.loads(invoke("--lang", "en", "program", "admit", PID, *COHORT_1, WEAK,
                                 "--on", "2025-01-20", "--json").stdout)
    weak = next(a for a in admitted if a["firm_id"] == WEAK)
    assert not weak["admitted"]
    assert weak["reasons"] == ["On-time delivery 78 % < 80 % required for Tier 3"]
    assert weak["shortfalls"][0]["item"] == "on_time_delivery_pct"
    text = invoke("program", "admit", PID, *COHORT_2, "--on", "2025-07-20").stdout
    assert "admitida el 2025-07-20" in text
    invoke("program", "record", PID, "matchmaking_meeting", "--firm", COHORT_1[0],
           "--buyer", "Almacenes Andinos", "--on", "2025-03-01")
    invoke("program", "record", PID, "sample", "--firm", COHORT_1[0], "--buyer",
           "Almacenes Andinos", "--on", "2025-04-01", "--units", "12")
    listed = json.loads(invoke("program", "list", "--json").stdout)
    assert [(p["id"], p["type"], p["admitted"], p["refused"]) for p in listed] == [
        (PID, "consultant_program", 16, 1)]
    assert listed[0]["admission"] == {"ladder": "buyer_tiers", "level": "tier_3",
                                      "thresholds": []}
    data = json.loads(invoke("program", "evaluate", PID, "--on", "2026-11-01",
                             "--json").stdout)
    assert data["effects"] and all(e.keys() >= EFFECT_KEYS for e in data["effects"])
    otd = next(e for e in data["effects"] if e["metric"] == "on_time_delivery_pct")
    assert otd["ci_low"] <= 8.0 <= otd["ci_high"]
    assert isinstance(otd["n_treated"], int) and isinstance(otd["n_control"], int)
    assert [s["pairs"] for s in data["funnel"]][:2] == [1, 1]
    out = tmp_path / "informe.html"
    invoke("--lang", "en", "program", "report", PID, "--on", "2026-11-01", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Consultoría en Tehuacán" in html and "Minimum detectable effect" in html
    invoke(*create(pid="PRG-CLI-2"))  # without an id: one report per program
    invoke("program", "report", "--on", "2026-11-01", "--out", str(tmp_path / "todos"))
    assert sorted(p.name for p in (tmp_path / "todos").iterdir()) == [
        "PRG-CLI-1.html", "PRG-CLI-2.html"]


@pytest.mark.parametrize(("args", "needle"), [
    (create("--budget", "-5"), "budget"),
    (create("--target", "buyer_tiers:tier_9"), "target_level"),
    # the last value of an option given twice wins: a target below the admission level
    (create("--admission", "buyer_tiers:tier_2", "--target", "buyer_tiers:tier_3"),
     "target_level"),
    (create("--type", "fiesta"), "type"),
])
def test_bad_programs_are_one_line_errors(url: str, args: list[str], needle: str,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["escalera", "--lang", "en", *args])
    with pytest.raises(SystemExit) as exited:
        run()
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 1, err
    assert err.startswith("Error:") and "\n" not in err and needle in err
    assert rows(url, ProgramRow) == 0


def test_an_activity_before_the_program_is_refused(url: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    invoke(*create())
    invoke("program", "admit", PID, COHORT_1[0], "--on", "2025-01-20")
    monkeypatch.setattr(sys, "argv", ["escalera", "--lang", "en", "program", "record", PID,
                                      "consultant_session", "--firm", COHORT_1[0], "--on",
                                      "2024-12-01"])
    with pytest.raises(SystemExit):
        run()
    err = capsys.readouterr().err.strip()
    assert "before the program started (2025-01-10)" in err
    assert rows(url, ProgramActivityRow) == 0
