"""``escalera inspect``: record a lot (JSON and text, Spanish and English), clean one-line
errors on bad input with nothing written, streams, the seeded schedule, the defect catalog."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from escalera.cli.main import app, run
from escalera.config import Settings
from escalera.domain.defects import DEFECTS
from escalera.domain.sampling import SamplingError, sampling_plan
from escalera.services.context import AppContext
from escalera.store.tables import InspectionRow, InspectionStreamRow
from tests.cli.conftest import HOST_ID, Workshop

ON = "2026-10-05"
CLASS_KEYS = {"class", "aql", "code_letter", "sample_size", "ac", "re", "found", "decision",
              "accepted_at_tighter_aql"}


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def ok_json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def record_args(firm: str, *extra: str, lot: str = "L-1", on: str = ON) -> list[str]:
    return ["inspect", "record", firm, "--product", "jeans", "--lot", lot, "--lot-size",
            "1200", "--on", on, "--inspector", "Ing. Ruiz", *extra]


def inspections(url: str) -> tuple[int, int]:
    context = AppContext(Settings(database_url=url))
    try:
        with context.transaction() as session:
            return (session.scalar(select(func.count()).select_from(InspectionRow)) or 0,
                    session.scalar(select(func.count()).select_from(InspectionStreamRow)) or 0)
    finally:
        context.engine.dispose()


def test_record_json(workshop: Workshop) -> None:
    data = ok_json(*record_args(workshop.firm_id, "--defect", "open_seam=2",
                                "--defect", "loose_thread=1", "--order", "OC-7"))
    assert {"id", "decision", "classes", "severity_after", "transition", "metrics",
            "assessment_id"} <= data.keys()
    assert data["id"].startswith("INS-") and data["assessment_id"].startswith("A-20261005-")
    assert (data["firm_id"], data["product"], data["lot"], data["order"],
            data["inspected_on"], data["severity"]) == (
        workshop.firm_id, "jeans", "L-1", "OC-7", ON, "normal")
    # the defaults: critical zero tolerance, major 2.5, minor 4.0
    major, minor = sampling_plan(1200, "II", "2.5"), sampling_plan(1200, "II", "4.0")
    assert [c["class"] for c in data["classes"]] == ["critical", "major", "minor"]
    assert all(set(c) == CLASS_KEYS for c in data["classes"])
    critical, got_major, got_minor = data["classes"]
    assert (critical["aql"], critical["ac"], critical["re"], critical["code_letter"],
            critical["sample_size"]) == ("0", 0, 1, None, max(major.sample_size,
                                                                  minor.sample_size))
    for got, plan, found in ((got_major, major, 2), (got_minor, minor, 1)):
        assert (got["aql"], got["code_letter"], got["sample_size"], got["ac"], got["re"],
                got["found"]) == (plan.aql, plan.code_letter, plan.sample_size, plan.ac,
                                  plan.re, found)
    assert data["decision"] == "accept" and data["severity_after"] == "normal"
    assert data["transition"] is None
    assert data["defects"] == [{"code": "open_seam", "class": "major", "count": 2},
                               {"code": "loose_thread", "class": "minor", "count": 1}]
    assert data["metrics"] == {"lot_acceptance_rate_pct": 100.0,
                               "defects_per_hundred_units": round(300 / major.sample_size, 2)}


def test_two_rejected_lots_show_the_transition(workshop: Workshop) -> None:
    reject = f"open_seam={sampling_plan(1200, 'II', '2.5').re}"
    ok_json(*record_args(workshop.firm_id, "--defect", reject, lot="L-1", on="2026-10-01"))
    data = ok_json("--lang", "en", *record_args(workshop.firm_id, "--defect", reject,
                                                lot="L-2", on="2026-10-02"))
    assert data["decision"] == "reject" and data["severity_after"] == "tightened"
    assert {k: data["transition"][k] for k in ("from", "to", "reason_code")} == {
        "from": "normal", "to": "tightened", "reason_code": "two_not_accepted"}
    assert "2 of the last 2" in data["transition"]["reason"]
    assert data["metrics"]["lot_acceptance_rate_pct"] == 0.0


def test_record_text_in_spanish_by_default_and_english_on_request(workshop: Workshop) -> None:
    spanish = invoke(*record_args(workshop.firm_id, lot="L-1"))
    assert spanish.exit_code == 0, (spanish.output, spanish.exception)
    assert "ACEPTADO" in spanish.output and "Siguiente lote" in spanish.output
    assert "ACCEPTED" not in spanish.output
    english = invoke("--lang", "en", *record_args(workshop.firm_id, "--defect",
                                                  "stain:minor=1", lot="L-2"))
    assert english.exit_code == 0, (english.output, english.exception)
    assert "ACCEPTED" in english.output and "Next lot" in english.output
    assert "zero tolerance" in english.output and "Siguiente" not in english.output


@pytest.mark.parametrize(("change", "needles"), [
    (("--lot-size", "0"), ("lot size", "0")),
    (("--aql", "major=3.0"), ("3.0", "0.65")),
    (("--level", "IV"), ("'IV'", "S-1")),
    (("--lot-size", "100", "--defect", "open_seam=21"), ("21 nonconforming", "only 20")),
    (("--defect", "frayed_cuff=1"), ("frayed_cuff",)),
    (("--aql", "cosmetic=2.5"), ("cosmetic",)),
    (("--product", "bikinis"), ("bikinis",)),
])
def test_bad_input_is_one_line_and_writes_nothing(workshop: Workshop, change: tuple[str, ...],
                                                  needles: tuple[str, ...],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert sampling_plan(100, "II", "2.5").sample_size == 20  # the "only 20" above
    args = record_args(workshop.firm_id)
    for index in range(0, len(change), 2):
        if change[index] in args:  # replace the value of an option already given
            args[args.index(change[index]) + 1] = change[index + 1]
        else:
            args += list(change[index:index + 2])
    monkeypatch.setattr(sys, "argv", ["escalera", "--lang", "en", *args])
    with pytest.raises(SystemExit) as exited:
        run()
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 1, err
    assert err.startswith("Error:") and "\n" not in err
    for needle in needles:
        assert needle in err
    assert inspections(workshop.url) == (0, 0)


def test_bad_input_through_the_runner_raises_the_domain_error(workshop: Workshop) -> None:
    result = invoke("--lang", "en", *record_args(workshop.firm_id, "--level", "IV"))
    assert result.exit_code == 1 and isinstance(result.exception, SamplingError)


def test_stream_json(workshop: Workshop) -> None:
    recorded = ok_json(*record_args(workshop.firm_id, "--defect", "open_seam=1"))
    streams = ok_json("inspect", "stream", workshop.firm_id)
    assert len(streams) == 1
    (stream,) = streams
    assert (stream["firm_id"], stream["product"], stream["severity"],
            stream["recent_results"], stream["last_inspected_on"], stream["transitions"]) == (
        workshop.firm_id, "jeans", "normal", [True], ON, [])
    assert stream["switching_score"] == 3  # Ac 5 and 7: accepted one AQL step tighter too
    (latest,) = stream["recent_lots"]
    assert (latest["id"], latest["lot"], latest["decision"], latest["defects_found"]) == (
        recorded["id"], "L-1", "accept", 1)
    assert ok_json("inspect", "stream", HOST_ID) == []
    missing = invoke("--lang", "en", "inspect", "stream", HOST_ID, "--product", "shirts")
    assert missing.exit_code == 1 and "shirts" in str(missing.exception)


def test_schedule_json_repeats_with_its_seed(workshop: Workshop) -> None:
    args = ("inspect", "schedule", "--seed", "3", "--on", "2026-11-20", "--json")
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0, (first.output, first.exception)
    assert first.output == second.output
    data = json.loads(first.output)
    assert (data["seed"], data["on"], data["discontinued"]) == (3, "2026-11-20", [])
    # the contractor's jeans and the manufacturer's jeans and shirts, never inspected
    assert sorted((p["firm_id"], p["product"]) for p in data["picks"]) == sorted(
        [(workshop.firm_id, "jeans"), (HOST_ID, "jeans"), (HOST_ID, "shirts")])
    assert sum(p["share"] for p in data["picks"]) == pytest.approx(1.0)
    one = ok_json("inspect", "schedule", "--seed", "3", "--on", "2026-11-20", "--count", "1",
                  "--product", "shirts")
    assert [(p["firm_id"], p["product"]) for p in one["picks"]] == [(HOST_ID, "shirts")]


def test_defects_json_is_the_catalog() -> None:
    listed = ok_json("--lang", "en", "inspect", "defects")
    assert [(d["code"], d["class"]) for d in listed] == [(d.code, str(d.default_class))
                                                          for d in DEFECTS]
    by_code = {d["code"]: d for d in listed}
    assert by_code["open_seam"] == {"code": "open_seam", "label": "open seam",
                                    "class": "major"}
    assert by_code["needle_or_metal"]["class"] == "critical"
    assert by_code["loose_thread"]["class"] == "minor"
