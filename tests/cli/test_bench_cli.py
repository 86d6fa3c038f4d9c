"""``escalera bench``: tables in both languages, JSON, CSV/XLSX exports; no output path
shows a group under ESCALERA_MIN_GROUP_SIZE firms."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.config import Settings
from escalera.domain.catalog_model import Catalog
from escalera.services.context import AppContext
from tests.integration.test_bench import seed_history, seed_metrics

ON = ["--on", "2026-06-01"]


@pytest.fixture()
def seeded(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch,
           catalog: Catalog) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("ESCALERA_DATABASE_URL", fresh_database_url)
    context = AppContext(Settings(database_url=fresh_database_url))
    with context.transaction() as session:
        ids = seed_metrics(session)
        seed_history(session, catalog)
    yield ids
    context.engine.dispose()


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_documented_invocation_prints_one_row_per_group(seeded: dict[str, str]) -> None:
    data = json.loads(run("bench", "--metric", "on_time_delivery_pct", "--by", "region,product",
                          "--json", *ON))
    assert [(r["region"], r["product"], r["n"]) for r in data["rows"]] == [
        ("Jalisco", "camisas", 10), ("Puebla", "jeans", 12)]
    assert {"p10", "p25", "median", "p75", "p90", "best", "prevailing", "gap"} <= set(
        data["rows"][0])
    assert data["suppressed"]["groups"] >= 1  # Yucatán


@pytest.mark.parametrize(("lang", "words"), [("es", ["Mediana", "no se muestran"]),
                                              ("en", ["Median", "are not shown"])])
def test_tables_speak_both_languages(seeded: dict[str, str], lang: str,
                                     words: list[str]) -> None:
    out = run("--lang", lang, "bench", "--metric", "on_time_delivery_pct", *ON)
    assert all(w in out for w in words) and "Puebla" in out and "Yucatán" not in out


def test_exports_leave_small_groups_out(seeded: dict[str, str], tmp_path: Path) -> None:
    csv_file, xlsx_file = tmp_path / "b.csv", tmp_path / "b.xlsx"
    run("bench", "--metric", "on_time_delivery_pct", "--export", str(csv_file), *ON)
    run("bench", "--metric", "on_time_delivery_pct", "--export", str(xlsx_file), *ON)
    with csv_file.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["region"] for r in rows] == ["Puebla"] and rows[0]["n"] == "12"
    sheet = load_workbook(xlsx_file).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0] == "region" and [r[0] for r in cells[1:]] == ["Puebla"]
    assert "Yucatán" not in csv_file.read_text(encoding="utf-8-sig")
    bad = CliRunner().invoke(app, ["bench", "--metric", "on_time_delivery_pct", "--export",
                                   str(tmp_path / "b.pdf"), *ON])
    assert bad.exit_code != 0


def test_every_table_command_hides_small_groups(seeded: dict[str, str],
                                                tmp_path: Path) -> None:
    commands = [
        ["bench", "practices", "--practice", "final_inspection", *ON],
        ["bench", "transitions", "--ladder", "buyer_tiers", "--from", "2025-02-01", "--to",
         "2025-11-01", "--by", "region"],
        ["bench", "trend", "--metric", "on_time_delivery_pct", *ON],
        ["bench", "--metric", "on_time_delivery_pct", "--by", "region,period", *ON],
    ]
    for command in commands:
        data = json.loads(run(*command, "--json"))
        assert data["rows"] and all(r.get("region") != "Yucatán" for r in data["rows"])
        out = run(*command, "--export", str(tmp_path / "x.csv"))
        assert "Yucatán" not in out
        assert "Yucatán" not in (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
        assert "Yucatán" not in run(*command)


def test_a_firm_in_a_small_group_gets_no_rank(seeded: dict[str, str]) -> None:
    ranked = json.loads(run("bench", "firm", seeded["puebla"], "--json", *ON))
    assert ranked["metrics"][0]["status"] in {"ranked", "no_value"}
    hidden = json.loads(run("bench", "firm", seeded["yucatan"], "--json", *ON))
    assert all(m["percentile_rank"] is None and m["group"] is None for m in hidden["metrics"])
    es = run("bench", "firm", seeded["yucatan"], *ON)
    assert "suprimido" in es
    en = run("--lang", "en", "bench", "firm", seeded["puebla"], *ON)
    assert "Percentile rank" in en


def test_transitions_and_trend_tables(seeded: dict[str, str]) -> None:
    out = run("--lang", "en", "bench", "transitions", "--ladder", "buyer_tiers", "--from",
              "2025-02-01", "--to", "2025-11-01")
    assert "Months to climb each step" in out and "Tier 3" in out
    out = run("bench", "trend", "--metric", "on_time_delivery_pct", "--on", "2025-12-31")
    assert "2025Q2" in out


def test_clean_errors(seeded: dict[str, str]) -> None:
    for args in (["bench", "--metric", "colour"], ["bench", "--metric",
                                                   "on_time_delivery_pct", "--by", "colour"],
                 ["bench", "--metric", "on_time_delivery_pct", "--period", "2026Q9"],
                 ["bench", "transitions", "--ladder", "nope", "--from", "2025-01-01"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code != 0
    assert "--metric" in run("bench")  # no metric: the help
