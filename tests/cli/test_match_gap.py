"""``escalera match gap`` on generated OR-Library files, checked against brute force."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.solve.orlib import format_gap
from tests.unit.test_solve_gap import brute_force, random_instance

runner = CliRunner()
KEYS = {"problem", "objective", "bound", "seconds", "gap", "status"}


@pytest.fixture()
def gap_file(tmp_path: Path) -> tuple[Path, list]:
    """Four small problems, the last one infeasible."""
    rng = np.random.default_rng(2026)
    instances = [random_instance(rng, 3, 7, 0.8), random_instance(rng, 2, 6, 1.2),
                 random_instance(rng, 3, 5, 0.9), random_instance(rng, 2, 5, 0.1)]
    path = tmp_path / "gapt.txt"
    path.write_text(format_gap(instances, width=9), encoding="utf-8")
    return path, instances


@pytest.mark.parametrize("maximize", [False, True])
def test_json_matches_brute_force(gap_file: tuple[Path, list], maximize: bool) -> None:
    path, instances = gap_file
    args = ["--lang", "en", "match", "gap", str(path), "--time-limit", "5", "--json"]
    result = runner.invoke(app, [*args, "--maximize"] if maximize else args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["problem"] for row in rows] == [1, 2, 3, 4]
    for row, instance in zip(rows, instances, strict=True):
        assert row.keys() >= KEYS
        assert (row["m"], row["n"]) == (instance.m, instance.n)
        assert isinstance(row["seconds"], float) and row["seconds"] >= 0
        best = brute_force(instance, maximize)
        if best is None:
            assert row["status"] == "infeasible"
            assert row["objective"] is None and row["bound"] is None and row["gap"] is None
        else:
            assert row["status"] == "optimal"
            assert row["objective"] == best and row["bound"] == best and row["gap"] == 0
            greedy = row["greedy_objective"]
            assert greedy is None or (greedy <= best if maximize else greedy >= best)
    assert rows[3]["status"] == "infeasible"


def test_table_in_both_languages(gap_file: tuple[Path, list]) -> None:
    path, _ = gap_file
    en = runner.invoke(app, ["--lang", "en", "match", "gap", str(path)])
    assert en.exit_code == 0, en.output
    assert "minimise cost" in en.output and "optimal" in en.output
    assert "infeasible" in en.output
    es = runner.invoke(app, ["--lang", "es", "match", "gap", str(path), "--maximize"])
    assert es.exit_code == 0, es.output
    assert "maximizar" in es.output and "óptima" in es.output and "infactible" in es.output


def test_broken_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "gap1.txt"
    path.write_text("2\n1 2\n3 4\n5 6\n7\n1 2\n3 4\n", encoding="utf-8")
    result = runner.invoke(app, ["--lang", "en", "match", "gap", str(path), "--json"])
    assert result.exit_code == 2
    assert "gap1.txt, problem 2: expected 2 resource requirements, the file ends after 0" \
        in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["--lang", "en", "match", "gap",
                                  str(tmp_path / "none.txt")])
    assert missing.exit_code == 2 and "none.txt: no such file" in missing.output


def test_time_limit_must_be_positive(gap_file: tuple[Path, list]) -> None:
    path, _ = gap_file
    result = runner.invoke(app, ["--lang", "en", "match", "gap", str(path),
                                 "--time-limit", "0"])
    assert result.exit_code == 2
