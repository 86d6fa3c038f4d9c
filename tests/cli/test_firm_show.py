"""``escalera firm show``: levels, gap and segments from stored evidence; clean errors."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms
from tests.conftest import Seeder

TALLER = firm_id_from_int(4242)
M, P = ItemKind.METRIC, ItemKind.PRACTICE


def _seed(session: Session) -> None:
    """One workshop with one diagnostic."""
    insert_firms(session, [Firm(
        id=TALLER, name="Taller Doña Ñeli", roles=(Role.CONTRACTOR,), state="Puebla",
        municipality="Tehuacán", products=("jeans",), monthly_capacity=2500,
        export_regime=ExportRegime.DOMESTIC)])
    insert_assessment(session, public_id="A-1", firm_id=TALLER, stage=Stage.DIAGNOSTIC,
                      assessed_on=dt.date(2026, 3, 1), assessor="Ing. Ruiz", values={
                          (M, "on_time_delivery_pct"): 86.0, (M, "defect_rate_pct"): 4.5,
                          (M, "turnaround_days"): 21.0, (M, "lead_time_days"): 70.0,
                          (P, "final_inspection"): 1.0, (P, "production_planning"): 1.0,
                          (P, "separate_business_accounts"): 1.0})


@pytest.fixture()
def seeded(seeded_database: Callable[[Seeder], str]) -> str:
    """The database URL; ESCALERA_DATABASE_URL points to it."""
    return seeded_database(_seed)


def test_json_shows_level_gap_and_segments(seeded: str) -> None:
    result = CliRunner().invoke(app, ["firm", "show", TALLER.lower(), "--on", "2026-06-01",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    tiers = data["ladders"]["buyer_tiers"]
    assert (tiers["level"], tiers["next_level"]) == ("tier_3", "tier_2")
    gap = {g["item"]: g for g in tiers["gap"]}
    assert gap["on_time_delivery_pct"]["status"] == "unmet"
    assert gap["on_time_delivery_pct"]["current"] == 86.0
    assert gap["on_time_delivery_pct"]["distance"] > 0
    assert gap["on_time_delivery_pct"]["assessment_id"] == "A-1"
    assert any(g["status"] == "not_assessed" for g in tiers["gap"])  # never measured
    assert "local_informal" in data["segments"]["now"]
    assert data["segments"]["next"]["segment"] not in data["segments"]["now"]
    assert data["firm"]["name"] == "Taller Doña Ñeli"


def test_human_output_speaks_spanish_and_english(seeded: str) -> None:
    es = CliRunner().invoke(app, ["firm", "show", TALLER, "--on", "2026-06-01"])
    en = CliRunner().invoke(app, ["--lang", "en", "firm", "show", TALLER, "--on", "2026-06-01"])
    assert es.exit_code == 0 and en.exit_code == 0, es.output + en.output
    assert "Brecha hacia" in es.output and "Segmentos alcanzables ahora" in es.output
    assert "Gap to" in en.output and "Segments reachable now" in en.output
    assert "días" in es.output and "days" not in es.output  # units speak the language too
    assert "days" in en.output


def test_stale_evidence_reads_as_not_assessed(seeded: str) -> None:
    result = CliRunner().invoke(app, ["firm", "show", TALLER, "--on", "2030-06-01", "--json"])
    tiers = json.loads(result.output)["ladders"]["buyer_tiers"]
    assert tiers["status"] == "not_assessed" and tiers["level"] is None


def _run_cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESCALERA_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "escalera", *args], capture_output=True,
                          text=True, env=env, check=False, timeout=120)


def test_mistyped_id_is_one_clear_line(seeded: str) -> None:
    typo = TALLER[:-1] + ("2" if TALLER[-1] != "2" else "3")
    proc = _run_cli("firm", "show", typo, url=seeded)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "carácter de verificación" in lines[0]  # Spanish by default
    assert "Traceback" not in proc.stderr
    english = _run_cli("--lang", "en", "firm", "show", typo, url=seeded)
    assert "fails its check character" in english.stderr
    debug = _run_cli("--debug", "firm", "show", typo, url=seeded)
    assert "Traceback" in debug.stderr


def test_unknown_firm_exits_non_zero(seeded: str) -> None:
    proc = _run_cli("firm", "show", firm_id_from_int(7), url=seeded)
    assert proc.returncode == 1 and "no existe la empresa" in proc.stderr


def test_usage_errors_exit_2_without_traceback(seeded: str) -> None:
    proc = _run_cli("firm", "show", "--bogus", url=seeded)
    assert proc.returncode == 2
    assert "No such option" in proc.stderr and "Traceback" not in proc.stderr
