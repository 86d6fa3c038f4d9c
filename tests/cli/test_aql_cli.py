"""``escalera aql plan`` and ``aql oc`` through the CLI (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escalera.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--lang", "en", *args])
    return result.exit_code, result.output + (str(result.exception)
                                              if result.exception else "")


def test_plan_json() -> None:
    code, out = invoke("aql", "plan", "--lot-size", "1200", "--level", "II", "--aql", "2.5",
                       "--json")
    assert code == 0, out
    data = json.loads(out)
    assert {k: data[k] for k in ("code_letter", "sample_size", "ac", "re",
                                 "full_inspection")} == {
        "code_letter": "J", "sample_size": 80, "ac": 5, "re": 6, "full_inspection": False}


@pytest.mark.parametrize(("severity", "n", "ac"), [("normal", 80, 5), ("tightened", 80, 3),
                                                   ("reduced", 32, 3)])
def test_plan_severity(severity: str, n: int, ac: int) -> None:
    code, out = invoke("aql", "plan", "--lot-size", "1200", "--aql", "2.5", "--severity",
                       severity, "--json")
    assert code == 0, out
    data = json.loads(out)
    assert (data["sample_size"], data["ac"], data["re"]) == (n, ac, ac + 1)


def test_plan_text_mentions_full_inspection() -> None:
    code, out = invoke("aql", "plan", "--lot-size", "5", "--aql", "10")
    assert code == 0, out
    assert "inspect all 5 units" in out and "letter C" in out


def test_plan_in_spanish() -> None:
    result = runner.invoke(app, ["--lang", "es", "aql", "plan", "--lot-size", "2000", "--aql",
                                 "0.65", "--severity", "tightened"])
    assert result.exit_code == 0, result.output
    assert "inspección rigurosa" in result.output and "letra código K" in result.output


@pytest.mark.parametrize(("args", "needle"), [
    (("--lot-size", "0", "--aql", "2.5"), "lot size"),
    (("--lot-size", "-3", "--aql", "2.5"), "lot size"),
    (("--lot-size", "100", "--aql", "3"), "0.65"),
    (("--lot-size", "100", "--aql", "2.5", "--level", "IV"), "S-1"),
    (("--lot-size", "100", "--aql", "2.5", "--severity", "strict"), "tightened"),
])
def test_plan_bad_input(args: tuple[str, ...], needle: str) -> None:
    code, out = invoke("aql", "plan", *args)
    assert code != 0
    assert needle in out


def test_oc_json_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "curve.svg"
    code, out = invoke("aql", "oc", "--lot-size", "1200", "--aql", "2.5", "--lq", "10",
                       "-o", str(chart), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["plan"]["sample_size"] == 80
    assert 0 < data["producers_risk"] < 0.05
    assert 0.1 < data["consumers_risk"] < 0.3
    assert data["p95"] < data["lq10"]
    assert chart.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_oc_text_poisson_png(tmp_path: Path) -> None:
    chart = tmp_path / "curve.png"
    code, out = invoke("aql", "oc", "--lot-size", "500", "--aql", "1.0", "--model", "poisson",
                       "-o", str(chart))
    assert code == 0, out
    assert "producer's risk" in out and "LQ10" in out
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_oc_refuses_other_chart_formats(tmp_path: Path) -> None:
    code, out = invoke("aql", "oc", "--lot-size", "500", "--aql", "1.0", "-o",
                       str(tmp_path / "curve.pdf"))
    assert code != 0 and ".svg" in out
