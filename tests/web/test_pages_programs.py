"""The program pages: the list and a new program's form, a program's page with its
admission decisions, follow-ups and activities, admitting firms and recording activities
through the forms, the evaluation inside the layout, the report to download and the case
seminar kit; and the same programs through the API (``/api/v1/programs``).

Runs over the seeded demo of ``tests/web/conftest.py`` (SQLite or PostgreSQL); the writes
go to a program this module creates, never to the demo's own."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from fastapi import FastAPI

from escalera.domain.permissions import Action, can
from escalera.domain.programs import ActivityKind
from escalera.services import accounts, program_cases
from escalera.services import program_evaluation as evaluation
from escalera.services.context import AppContext
from escalera.store import programs as store
from escalera.store.firms import get_firm
from escalera.store.tables import UserRow
from tests.web.conftest import ClientFor, TestClient, WebDemo

HTML = {"accept": "text/html"}
META = re.compile(r'name="csrf-token" content="([^"]+)"')
ROLES = ("admin", "program_manager", "assessor", "producer", "buyer")
MANAGERS = {"admin", "program_manager"}
DEMO_PROGRAM = "PRG-CONSULTORIA"


def _ctx(app: FastAPI) -> AppContext:
    found: AppContext = app.state.context
    return found


def _token(client: TestClient, page: str = "/programs") -> str:
    found = META.search(client.get(page, headers=HTML).text)
    assert found, "no CSRF token in the page"
    return found.group(1)


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": _token(client), **data}, headers=HTML,
                       follow_redirects=False)


def _program_form(program_id: str, **changes: str) -> dict[str, str]:
    today = dt.date.today()
    form = {"id": program_id, "name": "Consultoría de prueba", "type": "consultant_program",
            "sponsor": "Cámara de prueba", "starts_on": (today - dt.timedelta(days=30)).isoformat(),
            "ends_on": (today + dt.timedelta(days=150)).isoformat(),
            "target_date": (today + dt.timedelta(days=400)).isoformat(), "budget": "250,000",
            "currency": "MXN", "admission_level": "", "admission_thresholds": "",
            "target_level": "", "target_thresholds": "", "entry_segment": "",
            "target_segment": "", "description": ""}
    form.update(changes)
    return form


def _levels(app: FastAPI) -> tuple[str, str]:
    """The first two levels of the first ladder, as the form names them."""
    ladder = _ctx(app).catalog.ladders[0]
    return f"{ladder.id}:{ladder.levels[0].id}", f"{ladder.id}:{ladder.levels[1].id}"


def _audits(app: FastAPI, action: str, entity_id: str) -> int:
    with _ctx(app).transaction() as session:
        return accounts.audit_search(session, action=action, entity_id=entity_id)[1]


@pytest.fixture()
def made_program(web_app: FastAPI, client_for: ClientFor) -> str:
    """A program created through the form by the program manager (the first test that
    asks creates it; the others find it)."""
    with _ctx(web_app).transaction() as session:
        if store.program_exists(session, "PRG-WEB-PAGES"):
            return "PRG-WEB-PAGES"
    admission, target = _levels(web_app)
    answer = _post(client_for("program_manager"), "/programs", _program_form(
        "PRG-WEB-PAGES", admission_level=admission, target_level=target,
        target_thresholds="on_time_delivery_pct=85"))
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"] == "/programs/PRG-WEB-PAGES?created=1"
    return "PRG-WEB-PAGES"


@pytest.mark.parametrize("role", ROLES)
def test_list_for_everyone_form_for_managers(client_for: ClientFor, web_app: FastAPI,
                                             role: str) -> None:
    client = client_for(role)
    page = client.get("/programs", headers=HTML)
    assert page.status_code == 200
    with _ctx(web_app).transaction() as session:
        ids = [p.id for p, _a, _r in store.list_programs(session)]
    assert ids and all(f'id="program-{pid}"' in page.text for pid in ids)
    assert ('id="program-form"' in page.text) == (role in MANAGERS)
    assert 'href="/programs"' in page.text  # in the menu


@pytest.mark.parametrize("role", ROLES)
def test_program_page_shows_participants_to_managers_only(
        client_for: ClientFor, web_app: FastAPI, role: str) -> None:
    page = client_for(role).get(f"/programs/{DEMO_PROGRAM}", headers=HTML)
    assert page.status_code == 200
    assert 'id="admission-standard"' in page.text
    with _ctx(web_app).transaction() as session:
        decided = store.admissions(session, DEMO_PROGRAM)
    assert decided
    shown = set(re.findall(r'id="decision-([^"]+)"', page.text))
    if role in MANAGERS:
        assert shown == {d.firm_id for d in decided}
        assert 'id="admit-form"' in page.text and 'id="record-form"' in page.text
    else:
        assert not shown and 'id="admit-form"' not in page.text
        assert 'id="evaluation-link"' not in page.text


def test_unknown_program_is_404(client_for: ClientFor) -> None:
    assert client_for("program_manager").get("/programs/PRG-NONE", headers=HTML
                                             ).status_code == 404


def test_program_pages_need_an_account(client_for: ClientFor) -> None:
    for page in ("/programs", f"/programs/{DEMO_PROGRAM}",
                 f"/programs/{DEMO_PROGRAM}/evaluation"):
        answer = client_for("anonymous").get(page, headers=HTML, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_create_program_through_the_form(web_app: FastAPI, client_for: ClientFor,
                                         made_program: str) -> None:
    with _ctx(web_app).transaction() as session:
        program = store.get_program(session, made_program)
    admission, target = _levels(web_app)
    assert f"{program.admission.ladder}:{program.admission.level}" == admission
    assert f"{program.target.ladder}:{program.target.level}" == target
    assert [(t.item, t.value) for t in program.target.thresholds] == [
        ("on_time_delivery_pct", 85.0)]
    assert program.budget == 250_000
    assert _audits(web_app, "program.create", made_program) == 1
    page = client_for("program_manager").get(f"/programs/{made_program}?created=1",
                                             headers=HTML).text
    assert 'id="program-notice"' in page and made_program in page


@pytest.mark.parametrize(("changes", "field"), [
    ({"target_date": "2000-01-01"}, "target_date"),
    ({"ends_on": "no-date"}, "ends_on"),
    ({"budget": "mucho"}, "budget"),
    ({"admission_level": "", "admission_thresholds": ""}, "admission_level"),
    ({"target_thresholds": "on_time_delivery_pct"}, "target_thresholds"),
    ({"target_segment": "nowhere"}, "target_segment"),
    ({"id": DEMO_PROGRAM}, "id"),
])
def test_bad_program_is_refused_beside_its_field_and_nothing_stored(
        web_app: FastAPI, client_for: ClientFor, changes: dict[str, str], field: str) -> None:
    admission, target = _levels(web_app)
    form = _program_form("PRG-WEB-BAD", admission_level=admission, target_level=target)
    answer = _post(client_for("program_manager"), "/programs", {**form, **changes})
    assert answer.status_code == 422
    assert f'id="err-{field}"' in answer.text, answer.text[:2000]
    with _ctx(web_app).transaction() as session:
        assert not store.program_exists(session, "PRG-WEB-BAD")
    assert _audits(web_app, "program.create", "PRG-WEB-BAD") == 0


def test_target_below_admission_is_refused(web_app: FastAPI, client_for: ClientFor) -> None:
    admission, target = _levels(web_app)
    answer = _post(client_for("admin"), "/programs", _program_form(
        "PRG-WEB-DOWN", admission_level=target, target_level=admission))
    assert answer.status_code == 422 and 'id="err-target_level"' in answer.text


@pytest.mark.parametrize("role", ["assessor", "producer", "buyer"])
def test_only_managers_change_programs(web_app: FastAPI, client_for: ClientFor,
                                       made_program: str, role: str) -> None:
    client = client_for(role)
    assert not can(_principal(web_app, role), Action.MANAGE_PROGRAMS)
    for path, data in (("/programs", _program_form(f"PRG-WEB-{role.upper()}")),
                       (f"/programs/{made_program}/admissions", {"firms": "F-1"}),
                       (f"/programs/{made_program}/activities", {"kind": "consultant_session"})):
        assert _post(client, path, data).status_code == 403, (role, path)
    with _ctx(web_app).transaction() as session:
        assert not store.program_exists(session, f"PRG-WEB-{role.upper()}")


def _principal(app: FastAPI, role: str) -> Any:
    users = {"assessor": "evaluador", "producer": "productor", "buyer": "comprador"}
    with _ctx(app).transaction() as session:
        row = next(r for r in session.query(UserRow) if r.username == users[role])
        return accounts.principal(session, row)


def test_forms_without_the_csrf_token_are_refused(client_for: ClientFor,
                                                  made_program: str) -> None:
    answer = client_for("program_manager", csrf=False).post(
        f"/programs/{made_program}/activities", data={"kind": "consultant_session"},
        headers=HTML, follow_redirects=False)
    assert answer.status_code == 403


def test_admit_and_record_through_the_forms(web_app: FastAPI, client_for: ClientFor,
                                            web_demo: WebDemo, made_program: str) -> None:
    client = client_for("program_manager")
    firms = [web_demo.firm_id, web_demo.other_firm_id]
    answer = _post(client, f"/programs/{made_program}/admissions",
                   {"firms": "\n".join(firms), "on": dt.date.today().isoformat()})
    assert answer.status_code == 303
    with _ctx(web_app).transaction() as session:
        decisions = store.admissions(session, made_program)
    assert sorted(d.firm_id for d in decisions) == sorted(firms)
    admitted = sum(d.admitted for d in decisions)
    assert f"admitted={admitted}&refused={len(decisions) - admitted}" in \
        answer.headers["location"]
    assert _audits(web_app, "program.admit", made_program) == 1
    page = client.get(f"/programs/{made_program}", headers=HTML).text
    for d in decisions:
        row = re.search(rf'<tr id="decision-{d.firm_id}">(.*?)</tr>', page, re.S)
        assert row, d.firm_id
        assert ('class="badge ok"' in row.group(1)) == d.admitted
        if not d.admitted:  # a refusal says why
            assert d.shortfalls and row.group(1).count(";") >= len(d.shortfalls) - 1
    # considered twice: refused beside the field, nothing more stored
    again = _post(client, f"/programs/{made_program}/admissions",
                  {"firms": firms[0], "on": dt.date.today().isoformat()})
    assert again.status_code == 422 and 'id="err-admit_firm"' in again.text
    with _ctx(web_app).transaction() as session:
        assert len(store.admissions(session, made_program)) == len(decisions)

    recorded = _post(client, f"/programs/{made_program}/activities", {
        "kind": "best_practice_visit", "on": dt.date.today().isoformat(), "firm": "",
        "note": "Taller de cronometraje"})
    assert recorded.status_code == 303
    with _ctx(web_app).transaction() as session:
        kinds = [(a.kind, a.note) for a in store.activities(session, made_program)]
    assert kinds == [(ActivityKind.BEST_PRACTICE_VISIT, "Taller de cronometraje")]
    assert _audits(web_app, "program.record", made_program) == 1
    assert "Taller de cronometraje" in client.get(f"/programs/{made_program}",
                                                  headers=HTML).text


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "consultant_session", "on": "1990-01-01"}, "record_on"),
    ({"kind": "credit_disbursement", "on": dt.date.today().isoformat(), "firm": "",
      "amount": "0"}, "record_firm"),
    ({"kind": "sample", "on": dt.date.today().isoformat(), "units": "muchas"}, "record_units"),
    ({"kind": "flight", "on": dt.date.today().isoformat()}, "record_kind"),
])
def test_bad_activity_is_refused_and_nothing_stored(web_app: FastAPI, client_for: ClientFor,
                                                    made_program: str, data: dict[str, str],
                                                    field: str) -> None:
    with _ctx(web_app).transaction() as session:
        before = len(store.activities(session, made_program))
    answer = _post(client_for("program_manager"), f"/programs/{made_program}/activities",
                   data)
    assert answer.status_code == 422
    assert f'id="err-{field}"' in answer.text, answer.text[:3000]
    with _ctx(web_app).transaction() as session:
        assert len(store.activities(session, made_program)) == before


@pytest.mark.parametrize("role", ROLES)
def test_evaluation_page_and_report_for_managers_only(client_for: ClientFor, role: str
                                                      ) -> None:
    client = client_for(role)
    page = client.get(f"/programs/{DEMO_PROGRAM}/evaluation", headers=HTML)
    report = client.get(f"/programs/{DEMO_PROGRAM}/report", headers=HTML)
    if role not in MANAGERS:
        assert page.status_code == 403 and report.status_code == 403
        return
    assert page.status_code == 200
    assert page.text.count("<html") == 1  # the report's body inside the layout
    assert 'class="program-report"' in page.text and 'id="main"' in page.text
    assert report.status_code == 200 and report.text.lstrip().startswith("<!DOCTYPE html>")
    assert 'id="main"' not in report.text  # standalone: no site layout


def test_evaluation_follows_the_language_and_date(client_for: ClientFor) -> None:
    client = client_for("admin")
    english = client.get(f"/programs/{DEMO_PROGRAM}/evaluation?lang=en", headers=HTML).text
    assert "The effect, against a comparison group" in english
    client.get("/programs?lang=es", headers=HTML)
    on = (dt.date.today() - dt.timedelta(days=100)).isoformat()
    spanish = client.get(f"/programs/{DEMO_PROGRAM}/evaluation", params={"on": on},
                         headers=HTML).text
    assert "The effect, against a comparison group" not in spanish
    assert on in spanish
    assert client.get(f"/programs/{DEMO_PROGRAM}/evaluation", params={"on": "1800-01-01"},
                      headers=HTML).status_code == 422


def test_report_as_pdf(client_for: ClientFor) -> None:
    answer = client_for("program_manager").get(f"/programs/{DEMO_PROGRAM}/report",
                                               params={"format": "pdf"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF") and len(answer.content) > 5_000
    assert client_for("program_manager").get(f"/programs/{DEMO_PROGRAM}/report",
                                             params={"format": "doc"}).status_code == 422


@pytest.mark.parametrize("role", ROLES)
def test_case_kit_page_shows_the_rule_and_the_picks(web_app: FastAPI, client_for: ClientFor,
                                                    role: str) -> None:
    page = client_for(role).get(f"/programs/{DEMO_PROGRAM}/cases", headers=HTML)
    if role not in MANAGERS:
        assert page.status_code == 403
        return
    assert page.status_code == 200
    ctx = _ctx(web_app)
    with ctx.transaction() as session:
        picks = program_cases.pick_cases(session, ctx.catalog, DEMO_PROGRAM,
                                         dt.date.today(),
                                         stale_after_days=ctx.settings.stale_after_days)
    assert html.escape(picks["rule"], quote=False) in page.text
    for which in ("success", "failure"):
        section = re.search(rf'id="case-{which}">(.*?)</section>', page.text, re.S)
        assert section, which
        if picks[which] is None:
            assert html.escape(picks["none_reason"][which], quote=False) in section.group(1)
            continue
        assert picks[which]["firm_id"] in section.group(1)
        link = re.search(rf'href="([^"]+)" id="case-{which}-html"', section.group(1))
        assert link
        document = client_for(role).get(html.unescape(link.group(1)))
        assert document.status_code == 200
        assert document.text.lstrip().lower().startswith("<!doctype html>")
        text = html.unescape(document.text)  # the case names no firm: it is for discussion
        assert picks[which]["name"] not in text and picks[which]["firm_id"] not in text


def test_case_document_of_an_unknown_kind_is_refused(client_for: ClientFor) -> None:
    client = client_for("program_manager")
    assert client.get(f"/programs/{DEMO_PROGRAM}/cases/maybe").status_code == 422
    assert client.get(f"/programs/{DEMO_PROGRAM}/cases/success",
                      params={"format": "docx"}).status_code == 422


# --- the same through the API ---------------------------------------------------------------

API = "/api/v1/programs"


def _api_program(web_app: FastAPI, program_id: str, **changes: Any) -> dict[str, Any]:
    admission, target = _levels(web_app)
    ladder, level = admission.split(":")
    today = dt.date.today()
    body: dict[str, Any] = {
        "id": program_id, "name": "Club de comparación", "type": "benchmarking_club",
        "sponsor": "Cámara", "starts_on": (today - dt.timedelta(days=10)).isoformat(),
        "ends_on": (today + dt.timedelta(days=100)).isoformat(),
        "target_date": (today + dt.timedelta(days=300)).isoformat(), "budget": 90_000,
        "admission": {"ladder": ladder, "level": level},
        "target": {"ladder": ladder, "level": target.split(":")[1],
                   "thresholds": [{"item": "on_time_delivery_pct", "value": 90}]}}
    body.update(changes)
    return body


def test_program_through_the_api(web_app: FastAPI, api_client: Any, web_demo: WebDemo
                                 ) -> None:
    manager = api_client("program_manager")
    made = manager.post(API, json=_api_program(web_app, "PRG-WEB-API"))
    assert made.status_code == 201, made.text
    assert made.json()["target"]["thresholds"] == [
        {"kind": "metric", "item": "on_time_delivery_pct", "value": 90.0}]
    assert api_client("producer").get(f"{API}/PRG-WEB-API").json() == made.json()
    decided = manager.post(f"{API}/PRG-WEB-API/admissions", json={
        "firms": [web_demo.firm_id.lower(), web_demo.other_firm_id]})
    assert decided.status_code == 201, decided.text
    rows = decided.json()
    with _ctx(web_app).transaction() as session:
        stored = {a.firm_id: a for a in store.admissions(session, "PRG-WEB-API")}
    assert {r["firm_id"] for r in rows} == set(stored) == {web_demo.firm_id,
                                                          web_demo.other_firm_id}
    for row in rows:
        assert row["admitted"] == stored[row["firm_id"]].admitted
        assert len(row["reasons"]) == len(stored[row["firm_id"]].shortfalls)
        with _ctx(web_app).transaction() as session:
            assert row["name"] == get_firm(session, row["firm_id"]).name
    assert manager.get(f"{API}/PRG-WEB-API/decisions").json() == rows
    recorded = manager.post(f"{API}/PRG-WEB-API/activities", json={
        "kind": "best_practice_visit", "on": dt.date.today().isoformat(),
        "note": "Visita a una planta de Tehuacán"})
    assert recorded.status_code == 201
    with _ctx(web_app).transaction() as session:
        assert [a.note for a in store.activities(session, "PRG-WEB-API")] == [
            "Visita a una planta de Tehuacán"]
    assert _audits(web_app, "program.record", "PRG-WEB-API") == 1
    kit = manager.get(f"{API}/PRG-WEB-API/cases").json()
    assert set(kit) == {"rule", "success", "failure", "none_reason"}
    assert kit["success"] is None and kit["none_reason"]["success"]  # nobody assessed since


@pytest.mark.parametrize(("changes", "status"), [
    ({"target_date": "2000-01-01"}, 400),
    ({"type": "party"}, 422),
    ({"admission": {}}, 400),
    ({"target": {"thresholds": [{"item": "made_up_metric", "value": 1}]}}, 400),
    ({"budget": -5}, 422),
    ({"id": DEMO_PROGRAM}, 400),
])
def test_bad_program_through_the_api_writes_nothing(web_app: FastAPI, api_client: Any,
                                                    changes: dict[str, Any], status: int
                                                    ) -> None:
    body = _api_program(web_app, "PRG-WEB-API-BAD", **changes)
    answer = api_client("admin").post(API, json=body)
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"error"}
    if changes.get("id") != DEMO_PROGRAM:
        with _ctx(web_app).transaction() as session:
            assert not store.program_exists(session, "PRG-WEB-API-BAD")


def test_refused_activity_and_unknown_program_through_the_api(api_client: Any) -> None:
    manager = api_client("program_manager")
    outside = manager.post(f"{API}/{DEMO_PROGRAM}/activities", json={
        "kind": "consultant_session", "on": "1999-05-01", "firm_id": None})
    assert outside.status_code == 400 and "1999-05-01" in outside.json()["error"]["message"]
    assert manager.get(f"{API}/PRG-NONE").status_code == 404
    assert manager.post(f"{API}/PRG-NONE/admissions", json={"firms": ["F-1"]}
                        ).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_lists_program_follow_ups_to_managers(web_app: FastAPI,
                                                        client_for: ClientFor,
                                                        role: str) -> None:
    page = client_for(role).get("/", headers=HTML).text
    section = re.search(r'id="program-follow-ups">(.*?)</section>', page, re.S)
    if role not in MANAGERS:
        assert section is None
        return
    assert section
    with _ctx(web_app).transaction() as session:
        rows = evaluation.follow_up_summary(session, dt.date.today())
        every = {p.id: len(evaluation.due_follow_ups(session, p.id, dt.date.today()))
                 for p, _a, _r in store.list_programs(session)}
    assert rows, "the demo programs leave follow-ups overdue"
    assert {r["id"] for r in rows} == {pid for pid, n in every.items() if n}
    shown = re.findall(r'href="/programs/([^"#]+)#follow-ups">.*?</th>\s*'
                       r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
                       section.group(1), re.S)
    assert [(pid, int(o) + int(d)) for pid, o, d in shown] == [
        (r["id"], every[r["id"]]) for r in rows]
    assert [int(o) for _p, o, _d in shown] == sorted((int(o) for _p, o, _d in shown),
                                                     reverse=True)
