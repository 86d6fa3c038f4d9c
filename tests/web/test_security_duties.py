"""Separation of duties in assessments, through the API, the pages and the CLI: who
recorded an assessment neither reviews nor finalises it; only the assessed firm opens a
dispute (a buyer with a data share never does) and someone else resolves it; a one-person
agency (ESCALERA_SINGLE_PERSON_REVIEW) may, and the history says so.

Each test creates the assessments it moves (the demo database is shared)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from escalera.cli.main import app as cli
from escalera.config import Settings
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.lifecycle import SecondPersonRequired
from escalera.services.context import AppContext
from escalera.store.firms import insert_firms
from tests.web.conftest import ClientFor, TestClient, WebDemo

API = "/api/v1"
HTML = {"accept": "text/html"}
Api = Callable[[str], TestClient]


@pytest.fixture()
def api(web_app: FastAPI, api_token: Callable[[str], str]) -> Api:
    """A client of the API as one kind of account (API token)."""

    def make(role: str) -> TestClient:
        return TestClient(web_app, headers={"Authorization": f"Bearer {api_token(role)}"})

    return make


def _submitted(assessor: TestClient, firm: str) -> str:
    """A random inspection of ``firm`` recorded and submitted by ``assessor``."""
    made = assessor.post(f"{API}/assessments", json={
        "firm_id": firm, "stage": "random_inspection",
        "values": {"practice": {"final_inspection": 2}}})
    assert made.status_code == 201, made.text
    aid = str(made.json()["id"])
    assert assessor.post(f"{API}/assessments/{aid}/submit").status_code == 200
    return aid


def _final(api: Api, firm: str) -> str:
    """A final assessment of ``firm``: recorded by the assessor, reviewed and made final by
    the program manager."""
    aid = _submitted(api("assessor"), firm)
    for step in ("review", "finalise"):
        answer = api("program_manager").post(f"{API}/assessments/{aid}/{step}")
        assert answer.status_code == 200, answer.text
    return aid


def _status(api: Api, aid: str) -> str:
    return str(api("admin").get(f"{API}/assessments/{aid}").json()["status"])


def test_one_assessor_cannot_record_review_and_finalise(api: Api, web_demo: WebDemo) -> None:
    aid = _submitted(api("assessor"), web_demo.firm_id)
    refused = api("assessor").post(f"{API}/assessments/{aid}/review")
    assert refused.status_code == 400, refused.text
    assert "ESCALERA_SINGLE_PERSON_REVIEW" in refused.json()["error"]["message"]
    assert _status(api, aid) == "submitted"  # nothing moved
    assert api("program_manager").post(f"{API}/assessments/{aid}/review").status_code == 200
    refused = api("assessor").post(f"{API}/assessments/{aid}/finalise")
    assert refused.status_code == 400, refused.text
    assert _status(api, aid) == "reviewed"
    assert api("admin").post(f"{API}/assessments/{aid}/finalise").status_code == 200
    history = api("admin").get(f"{API}/assessments/{aid}").json()["history"]
    assert [(h["to_status"], h["by"], h["same_person"]) for h in history] == [
        ("draft", "evaluador", False), ("submitted", "evaluador", False),
        ("reviewed", "gestora", False), ("final", "admin", False)]


def test_the_assessor_named_on_the_visit_cannot_review_it_either(
        api: Api, web_demo: WebDemo) -> None:
    made = api("program_manager").post(f"{API}/assessments", json={
        "firm_id": web_demo.firm_id, "stage": "random_inspection", "assessor": "evaluador",
        "values": {"practice": {"final_inspection": 2}}})
    aid = made.json()["id"]
    assert api("program_manager").post(f"{API}/assessments/{aid}/submit").status_code == 200
    # the program manager created and submitted it; the assessor is named as its assessor
    for role in ("program_manager", "assessor"):
        assert api(role).post(f"{API}/assessments/{aid}/review").status_code == 400, role
    assert api("admin").post(f"{API}/assessments/{aid}/review").status_code == 200


def test_whoever_submitted_it_once_cannot_review_it(api: Api, web_demo: WebDemo) -> None:
    admin, manager, assessor = api("admin"), api("program_manager"), api("assessor")
    made = admin.post(f"{API}/assessments", json={
        "firm_id": web_demo.firm_id, "stage": "random_inspection", "assessor": "Ing. Externa",
        "values": {"practice": {"final_inspection": 2}}})
    aid = made.json()["id"]
    assert assessor.post(f"{API}/assessments/{aid}/submit").status_code == 200
    assert manager.post(f"{API}/assessments/{aid}/return", json={"note": "falta"}
                        ).status_code == 200
    assert admin.post(f"{API}/assessments/{aid}/submit").status_code == 200
    assert assessor.post(f"{API}/assessments/{aid}/review").status_code == 400
    assert manager.post(f"{API}/assessments/{aid}/review").status_code == 200


def test_a_buyer_with_a_data_share_cannot_dispute(api: Api, web_demo: WebDemo) -> None:
    aid = _final(api, web_demo.firm_id)
    firm, buyer_firm = web_demo.firm_id, web_demo.buyer_firm_id
    shared = api("producer").post(f"{API}/firms/{firm}/shares", json={"buyer_id": buyer_firm})
    assert shared.status_code == 201, shared.text
    try:
        buyer = api("buyer")
        assert buyer.get(f"{API}/assessments/{aid}").status_code == 200  # it may read it
        refused = buyer.post(f"{API}/assessments/{aid}/dispute", json={"reason": "no me gusta"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
    finally:
        api("producer").delete(f"{API}/firms/{firm}/shares/{buyer_firm}")
    refused = api("assessor").post(f"{API}/assessments/{aid}/dispute", json={"reason": "x"})
    assert refused.status_code == 403  # nor the assessor, for the firm
    assert api("admin").get(f"{API}/assessments/{aid}").json()["disputes"] == []


def test_the_disputer_and_the_recorder_cannot_resolve(api: Api, web_demo: WebDemo) -> None:
    aid = _final(api, web_demo.firm_id)
    opened = api("admin").post(f"{API}/assessments/{aid}/dispute",  # for the firm
                               json={"reason": "la empresa lo pidió por escrito"})
    assert opened.status_code == 200, opened.text
    body = {"outcome": "rejected", "resolution": "la evidencia sostiene el valor"}
    for role in ("admin", "assessor"):  # who opened it; who recorded the assessment
        refused = api(role).post(f"{API}/assessments/{aid}/resolve", json=body)
        assert refused.status_code == 400, (role, refused.text)
    resolved = api("program_manager").post(f"{API}/assessments/{aid}/resolve", json=body)
    assert resolved.status_code == 200, resolved.text
    history = resolved.json()["history"]
    assert [(h["to_status"], h["by"]) for h in history[-2:]] == [
        ("open", "admin"), ("rejected", "gestora")]
    assert resolved.json()["disputes"][0]["resolved_by"] == "gestora"


def test_a_producer_opens_its_own_dispute(api: Api, web_demo: WebDemo) -> None:
    aid = _final(api, web_demo.firm_id)
    other = api("producer_other").post(f"{API}/assessments/{aid}/dispute",
                                       json={"reason": "no es mía"})
    assert other.status_code == 403
    opened = api("producer").post(f"{API}/assessments/{aid}/dispute",
                                  json={"reason": "el lote era de otro taller"})
    assert opened.status_code == 200, opened.text
    assert opened.json()["history"][-1]["by"] == "productor"


def test_a_one_person_agency_may_and_the_history_says_so(
        web_app: FastAPI, web_demo: WebDemo, api: Api, client_for: ClientFor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    context = web_app.state.context  # the same application, as a one-person agency
    monkeypatch.setattr(context, "settings",
                        context.settings.model_copy(update={"single_person_review": True}))
    assessor = api("assessor")
    aid = _submitted(assessor, web_demo.firm_id)
    for step in ("review", "finalise"):
        answer = assessor.post(f"{API}/assessments/{aid}/{step}")
        assert answer.status_code == 200, (step, answer.text)
    history = answer.json()["history"]
    assert [(h["to_status"], h["same_person"]) for h in history] == [
        ("draft", False), ("submitted", False), ("reviewed", True), ("final", True)]
    page = client_for("producer").get(f"/assessments/{aid}", headers=HTML)
    assert page.status_code == 200
    assert page.text.count("la misma persona que la registró") == 2
    english = client_for("producer").get(f"/assessments/{aid}", params={"lang": "en"},
                                         headers=HTML)
    assert english.text.count("same person who recorded it") == 2
    client_for("producer").get("/", params={"lang": "es"}, headers=HTML)


def test_the_page_of_a_two_person_assessment_has_no_mark(
        api: Api, web_demo: WebDemo, client_for: ClientFor) -> None:
    aid = _final(api, web_demo.firm_id)
    page = client_for("producer").get(f"/assessments/{aid}", headers=HTML)
    assert page.status_code == 200 and "gestora" in page.text
    assert "la misma persona que la registró" not in page.text


# --- the CLI -------------------------------------------------------------------------------

TALLER = firm_id_from_int(4545)
DAY = (dt.date.today() - dt.timedelta(days=5)).isoformat()


@pytest.fixture()
def cli_db(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database holding one workshop, for ``escalera assess``."""
    monkeypatch.setenv("ESCALERA_DATABASE_URL", fresh_database_url)
    monkeypatch.delenv("ESCALERA_SINGLE_PERSON_REVIEW", raising=False)
    context = AppContext(Settings(database_url=fresh_database_url))
    with context.transaction() as session:
        insert_firms(session, [Firm(id=TALLER, name="Taller Ruiz", roles=(Role.CONTRACTOR,),
                                    state="Puebla", founded_on=dt.date(2012, 1, 1))])
    context.engine.dispose()
    yield fresh_database_url


def assess(*args: str) -> Any:
    return CliRunner().invoke(cli, ["--lang", "en", "assess", *args])


def _cli_submitted() -> str:
    made = assess("create", TALLER, "--stage", "random_inspection", "--date", DAY,
                  "--assessor", "Ing. Ruiz", "--value", "final_inspection=2", "--json")
    assert made.exit_code == 0, made.output
    aid = str(json.loads(made.output)["id"])
    assert assess("submit", aid, "--by", "Ing. Ruiz").exit_code == 0
    return aid


def test_the_cli_refuses_one_person_for_every_step(cli_db: str) -> None:
    aid = _cli_submitted()
    for by in ("Ing. Ruiz", "ing.  ruiz", ""):
        result = assess("review", aid, *(["--by", by] if by else []))
        assert isinstance(result.exception, SecondPersonRequired), (by, result.output)
    assert assess("review", aid, "--by", "Lic. Pérez").exit_code == 0
    result = assess("finalise", aid, "--by", "Ing. Ruiz")
    assert isinstance(result.exception, SecondPersonRequired)
    assert assess("finalise", aid, "--by", "Lic. Pérez").exit_code == 0
    assert assess("dispute", aid, "--reason", "no era nuestro", "--by",
                  "Taller Ruiz").exit_code == 0
    for by in ("Taller Ruiz", "Ing. Ruiz"):
        result = assess("resolve", aid, "--rejected", "--resolution", "se sostiene",
                        "--by", by)
        assert isinstance(result.exception, SecondPersonRequired), by
    assert assess("resolve", aid, "--rejected", "--resolution", "se sostiene", "--by",
                  "Comité").exit_code == 0


def test_the_cli_of_a_one_person_agency_records_it(cli_db: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALERA_SINGLE_PERSON_REVIEW", "true")
    aid = _cli_submitted()
    for step in ("review", "finalise"):
        result = assess(step, aid, "--by", "Ing. Ruiz", "--json")
        assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert [h["same_person"] for h in shown["history"]] == [False, False, True, True]
    human = assess("show", aid)
    assert human.exit_code == 0 and human.output.count("same person who") == 2
