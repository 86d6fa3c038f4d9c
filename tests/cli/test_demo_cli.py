"""``escalera demo``: seeds the database, prints the level distribution, refuses to overwrite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escalera.cli.main import app

ON = "2026-06-01"


@pytest.fixture()
def url(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ESCALERA_DATABASE_URL", fresh_database_url)
    return fresh_database_url


def test_json_summary_and_level_distribution(url: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--firms", "200", "--no-serve", "--json",
                                      "--on", ON])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["written"]["firms"] == 200
    assert data["written"]["observations"] > data["written"]["assessments"] > 0
    assert data["reference_date"] == ON and data["seed"] == 42
    tiers = data["ladders"]["buyer_tiers"]
    assert set(tiers["levels"]) == {"tier_3", "tier_2", "tier_1"}
    furniture = data["programs"]["furniture_firms"]  # the consultant program's cluster
    assert furniture > 0
    assert data["producers"] + data["excluded_non_producers"] == 200 + furniture
    assert data["certificates"]["valid"] > 0 and "expired" in data["certificates"]
    assert set(data["workflow"]) >= {"disputes_open", "in_progress", "screenings"}
    assert sum(tiers["levels"].values()) + tiers["below_first_level"] + tiers[
        "not_assessed"] == data["producers"]
    assert "serve" not in data


def test_refuses_a_database_with_firms_unless_reset(url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--firms", "100", "--no-serve", "--json", "--on", ON])
    assert first.exit_code == 0, first.output
    again = subprocess.run([sys.executable, "-m", "escalera", "--lang", "en", "demo",
                            "--firms", "100", "--no-serve", "--on", ON],
                           capture_output=True, text=True, env={**os.environ,
                           "ESCALERA_DATABASE_URL": url}, check=False, timeout=120)
    assert again.returncode == 1
    registered = 100 + json.loads(first.stdout)["programs"]["furniture_firms"]
    assert "--reset" in again.stderr and f"{registered} firms" in again.stderr
    assert "Traceback" not in again.stderr
    reset = runner.invoke(app, ["demo", "--firms", "120", "--no-serve", "--reset", "--json",
                                "--seed", "3", "--on", ON])
    assert reset.exit_code == 0, reset.output
    assert json.loads(reset.stdout)["written"]["firms"] == 120


def test_human_output_in_spanish_and_the_demo_accounts(url: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--firms", "100", "--on", ON, "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Niveles de proveedor de los compradores" in result.stdout
    assert "No evaluadas" in result.stdout and "Nivel 1" in result.stdout
    assert "100 empresas" in result.stdout
    flat = " ".join(result.stdout.split())  # the console wraps long lines
    for role in ("admin", "gestora", "evaluador", "productor", "comprador"):
        assert f"{role} / demo-{role}" in flat


def test_parquet_output(tmp_path: Path, url: str) -> None:
    out = tmp_path / "parquet"
    result = CliRunner().invoke(app, ["demo", "--firms", "100", "--no-serve", "--json",
                                      "--parquet", str(out), "--on", ON])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["parquet"] == str(out) and data["written"]["firms"] == 100
    assert sorted(p.name for p in out.iterdir()) == [
        "assessments.parquet", "firms.parquet", "links.parquet", "observations.parquet"]
