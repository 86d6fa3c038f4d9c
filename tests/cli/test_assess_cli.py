"""``escalera assess``: the workflow from the command line, clean errors, nothing written on
bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.config import Settings
from escalera.domain.assessment_scope import diagnostic_items
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.lifecycle import DisputeRefused, IllegalTransition
from escalera.domain.observation_rules import InvalidObservation
from escalera.errors import NotFound
from escalera.services.context import AppContext
from escalera.store.firms import insert_firms
from escalera.store.tables import AssessmentRow

TALLER = firm_id_from_int(4343)
DAY = (dt.date.today() - dt.timedelta(days=10)).isoformat()


@pytest.fixture()
def db(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """A database holding one workshop founded in 2012."""
    monkeypatch.setenv("ESCALERA_DATABASE_URL", fresh_database_url)
    context = AppContext(Settings(database_url=fresh_database_url))
    with context.transaction() as session:
        insert_firms(session, [Firm(id=TALLER, name="Taller Doña Ñeli", roles=(Role.CONTRACTOR,),
                                    state="Puebla", founded_on=dt.date(2012, 1, 1))])
    yield context
    context.engine.dispose()


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["--lang", "en", "assess", *args])


def ok_json(*args: str) -> dict[str, Any]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    data: dict[str, Any] = json.loads(result.output)
    return data


def assessments(context: AppContext) -> int:
    with context.transaction() as session:
        return session.scalar(select(func.count()).select_from(AssessmentRow)) or 0


def diagnostic_pairs(context: AppContext) -> list[str]:
    pairs = []
    for kind, item in diagnostic_items(context.catalog, dt.date.today()):
        value = "2" if kind == "practice" else {"on_time_delivery_pct": "92"}.get(item, "5")
        pairs += ["--value", f"{item}={value}"]
    return pairs


def test_create_to_final_then_dispute_and_correct(db: AppContext) -> None:
    created = ok_json("create", TALLER, "--stage", "diagnostic", "--date", DAY,
                      "--assessor", "Ing. Ruiz", "--notes", "se revisaron 3 lotes",
                      *diagnostic_pairs(db))
    aid = created["id"]
    assert created["status"] == "draft" and created["missing"] == []
    assert created["values"]["metric"]["on_time_delivery_pct"] == 92.0
    recorded = ok_json("record", aid, "entregas a tiempo=93",
                       "inspección final=documentada")
    assert recorded["values"]["metric"]["on_time_delivery_pct"] == 93.0
    assert recorded["values"]["practice"]["final_inspection"] == 2.0
    ok_json("submit", aid, "--by", "Ing. Ruiz")
    for step in ("review", "finalise"):  # a second person (separation of duties)
        ok_json(step, aid, "--by", "Lic. Pérez")
    shown = ok_json("show", aid)
    assert [h["to_status"] for h in shown["history"]] == [
        "draft", "submitted", "reviewed", "final"]
    disputed = ok_json("dispute", aid, "--reason", "el lote 2 no era nuestro", "--by",
                       "Doña Ñeli")
    assert disputed["disputes"][0]["status"] == "open"
    resolved = ok_json("resolve", aid, "--upheld", "--resolution", "se corrige el lote",
                       "--by", "Comité")
    assert resolved["disputes"][0]["status"] == "upheld"
    correction = ok_json("correct", aid, "on_time_delivery_pct=97")
    assert correction["version"] == 2 and correction["status"] == "draft"
    ok_json("submit", correction["id"])
    for step in ("review", "finalise"):
        ok_json(step, correction["id"], "--by", "Lic. Pérez")
    old = ok_json("show", aid)
    assert old["status"] == "superseded"
    assert [v["status"] for v in old["versions"]] == ["superseded", "final"]
    human = CliRunner().invoke(app, ["assess", "show", aid])  # Spanish by default
    assert human.exit_code == 0 and "sustituida" in human.output and "Historial" in human.output


def test_illegal_transition_is_refused_naming_the_statuses(db: AppContext) -> None:
    aid = ok_json("create", TALLER, "--stage", "random_inspection", "--date", DAY,
                  "--assessor", "Ing. Ruiz", "--value", "defect_rate_pct=3")["id"]
    result = invoke("finalise", aid)
    assert result.exit_code != 0 and isinstance(result.exception, IllegalTransition)
    assert "from draft to final" in str(result.exception)
    result = invoke("dispute", aid, "--reason", "no")
    assert isinstance(result.exception, DisputeRefused)


@pytest.mark.parametrize(("args", "error", "text"), [
    (["--value", "telepatia=3"], InvalidObservation, "not a metric or practice"),
    (["--value", "on_time_delivery_pct=130"], InvalidObservation, "above the maximum 100"),
    (["--value", "final_inspection=7"], InvalidObservation, "maturity is a whole number"),
    (["--value", "on_time_delivery_pct=mucho"], InvalidObservation, "is not a number"),
    (["--date", "2099-01-01"], InvalidObservation, "in the future"),
    (["--date", "2011-06-01"], InvalidObservation, "before the firm was founded"),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(
        db: AppContext, args: list[str], error: type[Exception], text: str) -> None:
    base = ["create", TALLER, "--stage", "diagnostic", "--assessor", "Ing. Ruiz"]
    if "--date" not in args:
        base += ["--date", DAY]
    result = invoke(*base, *args)
    assert isinstance(result.exception, error), result.output
    assert text in str(result.exception)
    assert assessments(db) == 0


def test_unknown_firm_is_one_clear_line_and_writes_nothing(db: AppContext) -> None:
    result = invoke("create", firm_id_from_int(8), "--stage", "diagnostic",
                    "--assessor", "x")
    assert isinstance(result.exception, NotFound)
    env = {**os.environ, "ESCALERA_DATABASE_URL": db.settings.database_url}
    proc = subprocess.run([sys.executable, "-m", "escalera", "assess", "finalise",
                           "A-20200101-00000001"], capture_output=True, text=True, env=env,
                          check=False, timeout=120)
    assert proc.returncode == 1 and proc.stderr.strip().count("\n") == 0
    assert "no existe la evaluación A-20200101-00000001" in proc.stderr
    assert assessments(db) == 0


def test_plan_a_follow_up_and_screen(db: AppContext) -> None:
    pairs = diagnostic_pairs(db)
    aid = ok_json("create", TALLER, "--stage", "diagnostic", "--date", DAY,
                  "--assessor", "Ing. Ruiz", *pairs)["id"]
    ok_json("submit", aid)
    for step in ("review", "finalise"):
        ok_json(step, aid, "--by", "Lic. Pérez")
    result = invoke("plan", TALLER, "--stage", "follow_up", "--json")
    assert result.exit_code == 0, result.output
    items = {entry["item"] for entry in json.loads(result.output)}
    assert "on_time_delivery_pct" in items  # 92 % is short of tier 1's 95 %
    assert "final_inspection" not in items  # maturity 2 meets every level
    answers = ["--answer", "separate_business_accounts=sí", "--answer", "final_inspection=2",
               "--answer", "production_plan=no", "--answer", "minimum_order_capacity=yes",
               "--answer", "hosts_assessor_visits=1", "--answer", "owner_commitment=si",
               "--answer", "quality_records=0"]
    screened = ok_json("screening", TALLER, "--date", DAY, "--assessor", "Ing. Ruiz",
                       *answers)
    assert screened["screening"]["outcome"] == "not_now"
    assert screened["screening"]["reasons"] == ["production_plan"]
    human = CliRunner().invoke(app, ["assess", "screening", TALLER, "--assessor", "x",
                                     *answers])
    assert human.exit_code == 0 and "ahora no" in human.output
    assert "plan" in human.output  # the reason, in Spanish
