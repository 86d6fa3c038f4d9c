"""In-process tests of the JSON API under /api/v1, area by area: happy paths, the one error
shape (401 without credentials, 403, 404, 422 on bad parameters), API tokens, and CSRF on
cookie-authenticated writes. The permission table itself is tested, endpoint by endpoint
and role by role, in ``test_authorization.py``."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from typer.testing import CliRunner

from escalera.cli.main import app as cli
from escalera.domain.catalog_model import Catalog
from escalera.domain.ids import firm_id_from_int
from tests.web.conftest import ClientFor, TestClient, WebDemo

API = "/api/v1"
UNKNOWN_FIRM = firm_id_from_int(999_999)
ApiClient = Callable[[str], TestClient]


def error_of(answer: Any, status: int) -> dict[str, Any]:
    """The error document of ``answer``, checked against the one error shape."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert error["status"] == status and error["message"]
    return dict(error)


def catalog_of(app: FastAPI) -> Catalog:
    found = app.state.context.catalog
    assert isinstance(found, Catalog)
    return found


def scope_values(app: FastAPI, api: TestClient, firm_id: str, stage: str
                 ) -> dict[str, dict[str, float]]:
    """Plausible values for every item a visit of ``stage`` must measure."""
    plan = api.get(f"{API}/firms/{firm_id}/assessment-plan", params={"stage": stage})
    assert plan.status_code == 200, plan.text
    catalog = catalog_of(app)
    values: dict[str, dict[str, float]] = {"metric": {}, "practice": {}}
    for entry in plan.json():
        if entry["kind"] == "practice":
            values["practice"][entry["item"]] = 2.0
            continue
        metric = catalog.metric(entry["item"])
        low = metric.minimum if metric.minimum is not None else 0.0
        high = metric.maximum if metric.maximum is not None else math.inf
        values["metric"][entry["item"]] = min(max(50.0, low), high)
    return values


# --- credentials, tokens, CSRF, errors ---------------------------------------------------

def test_without_credentials_the_api_answers_401_in_the_error_shape(
        client_for: ClientFor, web_demo: WebDemo) -> None:
    answer = client_for("anonymous").get(f"{API}/firms/{web_demo.firm_id}/assessments")
    error = error_of(answer, 401)
    assert error["code"] == "unauthenticated"
    assert answer.headers["www-authenticate"] == "Bearer"
    bad = TestClient(client_for("anonymous").app, headers={"Authorization": "Bearer esc_nope"})
    assert error_of(bad.get(f"{API}/orders"), 401)["code"] == "unauthenticated"


def test_tokens_are_exchanged_for_credentials_and_authenticate(web_app: FastAPI,
                                                               web_demo: WebDemo) -> None:
    client = TestClient(web_app)
    account = web_demo.accounts["assessor"]
    wrong = client.post(f"{API}/tokens", json={"username": account.username,
                                               "password": "not-the-password"})
    assert error_of(wrong, 401)["code"] == "unauthenticated"
    made = client.post(f"{API}/tokens", json={"username": account.username,
                                              "password": account.password, "name": "script"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("esc_")
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == account.username
    assert web_demo.firm_id in me.json()["assigned_firms"]


def test_cookie_authenticated_writes_need_the_csrf_token(client_for: ClientFor,
                                                         api_client: ApiClient,
                                                         web_demo: WebDemo) -> None:
    order = {"id": "CSRF-01", "product": "jeans", "quantity": 500, "segment":
             "domestic_discount_chains", "due_date": (web_demo.on + dt.timedelta(days=60))
             .isoformat(), "unit_price": 150.0}
    refused = client_for("buyer", csrf=False).post(f"{API}/orders", json=order)
    assert "CSRF" in error_of(refused, 403)["message"]
    forged = client_for("buyer", csrf=False).post(f"{API}/orders", json=order,
                                                  headers={"X-CSRF-Token": "forged"})
    error_of(forged, 403)
    assert client_for("buyer").post(f"{API}/orders", json=order).status_code == 201
    # reads need no token, and API tokens need none either
    assert client_for("buyer", csrf=False).get(f"{API}/orders").status_code == 200
    scripted = api_client("buyer").post(f"{API}/orders", json={**order, "id": "CSRF-02"})
    assert scripted.status_code == 201


def test_bad_parameters_are_422_with_one_entry_per_field(api_client: ApiClient) -> None:
    api = api_client("admin")
    error = error_of(api.get(f"{API}/aql/plan", params={"lot_size": "many", "aql": "2.5"}),
                     422)
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == ["query.lot_size"]
    error = error_of(api.post(f"{API}/assessments", json={"stage": "nonsense"}), 422)
    assert {d["field"] for d in error["details"]} == {"body.firm_id", "body.stage"}
    error = error_of(api.get(f"{API}/orders", params={"limit": 0}), 422)
    assert error["details"][0]["field"] == "query.limit"
    error_of(api.get(f"{API}/orders", params={"sort": "secret"}), 422)


def test_unknown_and_malformed_firms(api_client: ApiClient) -> None:
    api = api_client("admin")
    for path in ("assessments", "assessment-plan", "benchmark", "certificates", "visits",
                 "inspection-streams"):
        assert error_of(api.get(f"{API}/firms/{UNKNOWN_FIRM}/{path}"), 404)["code"] == \
            "not_found", path
    assert error_of(api.get(f"{API}/firms/F-NOT-A-FIRM/assessments"), 400)["code"] == \
        "bad_request"
    error_of(api.get(f"{API}/assessments/A-19990101-00000001"), 404)
    error_of(api.get(f"{API}/match/runs/M-999999"), 404)


def test_the_schema_documents_every_route(web_app: FastAPI) -> None:
    schema = TestClient(web_app).get("/openapi.json").json()
    for path, methods in schema["paths"].items():
        assert path.startswith(f"{API}/"), path
        for method, operation in methods.items():
            assert operation.get("description"), f"{method.upper()} {path} has no docstring"
    error = schema["components"]["schemas"]["ErrorDocument"]
    assert error["properties"]["error"]


# --- assessments -------------------------------------------------------------------------

def test_the_assessment_workflow_through_the_api(web_app: FastAPI, api_client: ApiClient,
                                                 client_for: ClientFor,
                                                 web_demo: WebDemo) -> None:
    assessor, firm = api_client("assessor"), web_demo.firm_id
    values = scope_values(web_app, assessor, firm, "diagnostic")
    first_metric = next(iter(values["metric"]))
    draft = assessor.post(f"{API}/assessments", json={
        "firm_id": firm, "stage": "diagnostic",
        "values": {"metric": {first_metric: values["metric"][first_metric]}}})
    assert draft.status_code == 201, draft.text
    view = draft.json()
    assert view["status"] == "draft" and view["assessor"] == "evaluador"
    assert view["missing"]
    aid = view["id"]
    early = assessor.post(f"{API}/assessments/{aid}/submit")
    assert error_of(early, 400)["code"] == "bad_request"
    recorded = assessor.post(f"{API}/assessments/{aid}/record",
                             json={"values": values, "notes": "visita completa"})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["missing"] == [] and recorded.json()["notes"] == "visita completa"
    assert assessor.post(f"{API}/assessments/{aid}/submit").json()["status"] == "submitted"
    manager = api_client("program_manager")
    assert manager.post(f"{API}/assessments/{aid}/review").json()["status"] == "reviewed"
    final = api_client("admin").post(f"{API}/assessments/{aid}/finalise")
    assert final.json()["status"] == "final"
    disputed = client_for("producer").post(f"{API}/assessments/{aid}/dispute",
                                           json={"reason": "la tasa de defectos es menor"})
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["disputes"][0]["status"] == "open"
    resolved = manager.post(f"{API}/assessments/{aid}/resolve",
                            json={"outcome": "upheld", "resolution": "se corrige"})
    assert resolved.json()["disputes"][0]["status"] == "upheld"
    corrected = assessor.post(f"{API}/assessments/{aid}/correct",
                              json={"values": {"practice": {
                                  next(iter(values["practice"])): 3.0}}})
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["version"] == 2
    assert [v["id"] for v in corrected.json()["versions"]] == [aid, corrected.json()["id"]]
    history = [h["to_status"] for h in api_client("producer").get(
        f"{API}/assessments/{aid}").json()["history"]]
    # the dispute's opening and resolution are in the history too (who opened it counts)
    assert history == ["draft", "submitted", "reviewed", "final", "open", "upheld"]
    audit = manager.get(f"{API}/audit", params={"entity": "assessment", "entity_id": aid,
                                                "sort": "at"}).json()["items"]
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("create", "evaluador"), ("record", "evaluador"), ("submit", "evaluador"),
        ("review", "gestora"), ("finalise", "admin"), ("dispute", "productor"),
        ("resolve", "gestora")]
    assert audit[2]["before"]["status"] == "draft" and audit[2]["after"]["status"] == \
        "submitted"
    assert audit[1]["after"]["values"]["metric"] == values["metric"]


def test_only_the_firms_own_accounts_see_its_assessments(api_client: ApiClient,
                                                        web_demo: WebDemo) -> None:
    path = f"{API}/firms/{web_demo.firm_id}/assessments"
    mine = api_client("producer").get(path, params={"status": "final", "sort": "assessed_on"})
    assert mine.status_code == 200
    items = mine.json()["items"]
    assert items and {i["status"] for i in items} == {"final"}
    assert [i["assessed_on"] for i in items] == sorted(i["assessed_on"] for i in items)
    for role in ("producer_other", "buyer", "assessor_other"):
        assert error_of(api_client(role).get(path), 403)["code"] == "forbidden"
    shown = api_client("assessor").get(f"{API}/assessments/{items[0]['assessment_id']}")
    assert shown.json()["firm_id"] == web_demo.firm_id
    error_of(api_client("buyer").get(f"{API}/assessments/{items[0]['assessment_id']}"), 403)


def test_assessors_assess_only_their_firms(api_client: ApiClient, web_demo: WebDemo) -> None:
    body = {"firm_id": web_demo.firm_id, "stage": "diagnostic"}
    error_of(api_client("assessor_other").post(f"{API}/assessments", json=body), 403)
    error_of(api_client("producer").post(f"{API}/assessments", json=body), 403)
    theirs = api_client("assessor_other").post(
        f"{API}/assessments", json={**body, "firm_id": web_demo.other_firm_id})
    assert theirs.status_code == 201
    error_of(api_client("assessor").post(f"{API}/assessments/{theirs.json()['id']}/submit"),
             403)
    future = (web_demo.on + dt.timedelta(days=3)).isoformat()
    refused = api_client("assessor").post(f"{API}/assessments",
                                          json={**body, "assessed_on": future})
    assert future in error_of(refused, 400)["message"]


def test_a_screening_is_judged(web_app: FastAPI, api_client: ApiClient,
                               web_demo: WebDemo) -> None:
    questions = catalog_of(web_app).screening
    answers = {q.id: q.top for q in questions}
    made = api_client("assessor").post(f"{API}/assessments/screenings", json={
        "firm_id": web_demo.firm_id, "answers": answers})
    assert made.status_code == 201, made.text
    assert made.json()["stage"] == "screening"
    assert made.json()["screening"]["outcome"] == "proceed"
    low = api_client("assessor").post(f"{API}/assessments/screenings", json={
        "firm_id": web_demo.firm_id, "answers": {**answers, questions[0].id: 0}})
    assert low.json()["screening"]["reasons"] == [questions[0].id]
    error_of(api_client("assessor").post(f"{API}/assessments/screenings", json={
        "firm_id": web_demo.firm_id, "answers": {"no_such_question": 1}}), 400)


# --- levels, certificates, visits ------------------------------------------------------------

def test_certificates_are_public_visits_are_raw_data(api_client: ApiClient,
                                                     web_demo: WebDemo) -> None:
    path = f"{API}/firms/{web_demo.firm_id}"
    certificates = api_client("buyer").get(f"{path}/certificates").json()
    assert certificates["firm_id"] == web_demo.firm_id
    assert {c["ladder"] for c in certificates["certificates"]}
    visits = api_client("producer").get(f"{path}/visits", params={"limit": 2})
    assert visits.status_code == 200
    assert len(visits.json()["visits"]) <= 2
    error_of(api_client("buyer").get(f"{path}/visits"), 403)
    hidden = api_client("buyer").get(path).json()
    assert hidden["raw_data"] is False


# --- benchmarks --------------------------------------------------------------------------

def test_benchmarks_show_only_groups_large_enough(api_client: ApiClient,
                                                  web_app: FastAPI) -> None:
    smallest = web_app.state.context.settings.min_group_size
    table = api_client("buyer").get(f"{API}/benchmarks", params={
        "metric": "on_time_delivery_pct", "by": "region"})
    assert table.status_code == 200, table.text
    body = table.json()
    assert body["rows"] and all(row["n"] >= smallest for row in body["rows"])
    assert body["suppressed"]["groups"] >= 0 and body["window"]["from"]
    fine = api_client("buyer").get(f"{API}/benchmarks", params={
        "metric": "on_time_delivery_pct", "by": "region,product,size_band"}).json()
    assert all(row["n"] >= smallest for row in fine["rows"])
    assert fine["suppressed"]["groups"] > 0
    practices = api_client("producer").get(f"{API}/benchmarks/practices", params={
        "practice": "final_inspection", "by": ""}).json()
    assert math.isclose(sum(practices["rows"][0][f"share_{k}"] for k in range(4)), 1.0)
    trend = api_client("buyer").get(f"{API}/benchmarks/trends", params={
        "metric": "defect_rate_pct", "by": ""}).json()
    assert trend["rows"] and all(row["n"] >= smallest for row in trend["rows"])
    start = (dt.date.today() - dt.timedelta(days=365)).isoformat()
    moves = api_client("buyer").get(f"{API}/benchmarks/transitions", params={
        "ladder": "buyer_tiers", "from": start}).json()
    assert moves["from"] == start and moves["standings"][0] == "not_assessed"
    assert error_of(api_client("buyer").get(f"{API}/benchmarks", params={
        "metric": "no_such_metric"}), 404)["message"]
    error_of(api_client("buyer").get(f"{API}/benchmarks", params={
        "metric": "on_time_delivery_pct", "by": "zodiac"}), 400)
    error_of(api_client("buyer").get(f"{API}/benchmarks"), 422)


def test_a_firms_position_is_raw_data(api_client: ApiClient, web_demo: WebDemo) -> None:
    path = f"{API}/firms/{web_demo.firm_id}/benchmark"
    mine = api_client("producer").get(path)
    assert mine.status_code == 200
    assert mine.json()["firm_id"] == web_demo.firm_id
    assert {m["status"] for m in mine.json()["metrics"]} <= {"ranked", "no_value",
                                                              "suppressed"}
    for role in ("buyer", "producer_other", "assessor_other"):
        error_of(api_client(role).get(path), 403)


# --- acceptance sampling and inspections ---------------------------------------------------

def test_the_aql_plan_is_the_commands_json(api_client: ApiClient) -> None:
    answer = api_client("buyer").get(f"{API}/aql/plan", params={
        "lot_size": 1200, "level": "II", "aql": "2.5", "severity": "tightened"})
    assert answer.status_code == 200
    printed = CliRunner().invoke(cli, ["aql", "plan", "--lot-size", "1200", "--level", "II",
                                       "--aql", "2.5", "--severity", "tightened", "--json"])
    assert printed.exit_code == 0, printed.output
    assert answer.json() == json.loads(printed.output)
    error_of(api_client("buyer").get(f"{API}/aql/plan", params={
        "lot_size": 1200, "aql": "2.7"}), 400)


def test_the_oc_curve_gives_chart_points_and_risks(api_client: ApiClient) -> None:
    answer = api_client("producer").get(f"{API}/aql/oc", params={
        "lot_size": 500, "aql": "1.0", "lq": 8, "points": 21})
    assert answer.status_code == 200
    curve = answer.json()
    assert len(curve["points"]) == 21
    assert curve["points"][0] == {"quality": 0.0, "pa": 1.0}
    pas = [p["pa"] for p in curve["points"]]
    assert pas == sorted(pas, reverse=True)
    assert math.isclose(curve["producers_risk"], 1 - curve["pa_at_aql"])
    assert 0 < curve["consumers_risk"] < 0.5
    error_of(api_client("producer").get(f"{API}/aql/oc", params={
        "lot_size": 500, "aql": "1.0", "lq": "nan"}), 422)


def test_recording_a_lot_through_the_api(api_client: ApiClient, web_demo: WebDemo,
                                         web_app: FastAPI) -> None:
    firm = api_client("admin").get(f"{API}/firms/{web_demo.firm_id}").json()["firm"]
    product = firm["products"][0]
    lot = {"firm_id": web_demo.firm_id, "product": product, "lot": "L-API-1",
           "lot_size": 1200, "defects": [{"code": "open_seam", "count": 2}],
           "aqls": {"minor": None}}
    error_of(api_client("assessor_other").post(f"{API}/inspections", json=lot), 403)
    error_of(api_client("producer").post(f"{API}/inspections", json=lot), 403)
    recorded = api_client("assessor").post(f"{API}/inspections", json=lot)
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert body["decision"] == "accept" and body["inspector"] == "evaluador"
    assert [c["class"] for c in body["classes"]] == ["critical", "major"]
    streams = api_client("producer").get(f"{API}/firms/{web_demo.firm_id}/inspection-streams",
                                         params={"product": product})
    assert streams.json()[0]["recent_lots"][0]["lot"] == "L-API-1"
    error_of(api_client("producer_other").get(
        f"{API}/firms/{web_demo.firm_id}/inspection-streams"), 403)
    approved = api_client("program_manager").post(
        f"{API}/firms/{web_demo.firm_id}/inspection-streams/{product}/approve-reduced",
        json={})
    assert approved.json()["reduced_approved"] is True
    not_discontinued = api_client("program_manager").post(
        f"{API}/firms/{web_demo.firm_id}/inspection-streams/{product}/resume",
        json={"action": "nuevo cuarto de corte"})
    error_of(not_discontinued, 400)
    audit = api_client("admin").get(f"{API}/audit", params={"entity": "inspection"}).json()
    assert audit["items"][0]["entity_id"] == body["id"]
    error_of(api_client("assessor").post(f"{API}/inspections", json={
        **lot, "defects": [{"code": "no_such_defect", "count": 1}]}), 400)
    unjudged = api_client("assessor").post(f"{API}/inspections", json={
        **lot, "lot": "L-API-2", "defects": [{"code": "loose_thread", "count": 1}]})
    assert "minor" in error_of(unjudged, 400)["message"]


def test_the_schedule_is_seeded_and_for_those_who_inspect(api_client: ApiClient) -> None:
    params = {"count": 5, "seed": 7, "on": dt.date.today().isoformat()}
    first = api_client("assessor").get(f"{API}/inspections/schedule", params=params)
    assert first.status_code == 200
    assert len(first.json()["picks"]) == 5
    assert api_client("program_manager").get(f"{API}/inspections/schedule",
                                             params=params).json() == first.json()
    for role in ("producer", "buyer"):
        error_of(api_client(role).get(f"{API}/inspections/schedule"), 403)
    defects = api_client("buyer").get(f"{API}/inspections/defects").json()
    assert {(d["code"], d["defect_class"]) for d in defects} >= {("open_seam", "major"),
                                                                 ("needle_or_metal",
                                                                  "critical")}


# --- orders and matchmaking ----------------------------------------------------------------

def test_buyers_order_for_their_own_firm_and_see_only_their_orders(
        api_client: ApiClient, web_demo: WebDemo) -> None:
    due = (web_demo.on + dt.timedelta(days=90)).isoformat()
    order = {"id": "API-BUY-01", "buyer_id": web_demo.other_firm_id, "product": "shirts",
             "quantity": 1500, "ladder": "buyer_tiers", "level": "tier_3", "due_date": due,
             "unit_price": 180.0}
    made = api_client("buyer").post(f"{API}/orders", json=order)
    assert made.status_code == 201, made.text
    assert made.json()["buyer_id"] == web_demo.buyer_firm_id
    listed = api_client("buyer").get(f"{API}/orders", params={"status": "all"}).json()
    assert listed["items"] and {o["buyer_id"] for o in listed["items"]} == \
        {web_demo.buyer_firm_id}
    everything = api_client("program_manager").get(f"{API}/orders",
                                                   params={"status": "all", "limit": 500})
    assert everything.json()["total"] > listed["total"]
    assert error_of(api_client("buyer").post(f"{API}/orders", json=order), 409)
    past = api_client("admin").post(f"{API}/orders", json={
        **order, "id": "API-BUY-02", "due_date": "2000-01-01"})
    assert error_of(past, 422)["details"]
    error_of(api_client("admin").post(f"{API}/orders", json={
        **order, "id": "API-BUY-03", "level": "tier_9"}), 400)
    error_of(api_client("producer").get(f"{API}/orders"), 403)


def test_a_run_is_made_shown_to_its_buyers_and_accepted(api_client: ApiClient,
                                                        web_demo: WebDemo) -> None:
    due = (web_demo.on + dt.timedelta(days=80)).isoformat()
    for n, who in ((1, "buyer"), (2, "admin")):
        added = api_client(who).post(f"{API}/orders", json={
            "id": f"API-RUN-{n}", "product": "jeans", "quantity": 2000,
            "segment": "domestic_discount_chains", "due_date": due, "unit_price": 160.0})
        assert added.status_code == 201, added.text
    error_of(api_client("buyer").post(f"{API}/match/runs", json={}), 403)
    made = api_client("program_manager").post(f"{API}/match/runs", json={
        "weights": {"small": 1.0}, "time_limit": 5})
    assert made.status_code == 201, made.text
    run = made.json()
    assert run["state"] == "proposed" and run["weights"]["small"] == 1.0
    assert {"API-RUN-1", "API-RUN-2"} <= {o["order"] for o in run["orders"]}
    seen = api_client("buyer").get(f"{API}/match/runs/{run['run']}").json()
    assert {o["buyer"] for o in seen["orders"]} == {web_demo.buyer_firm_id}
    assert "API-RUN-2" not in {o["order"] for o in seen["orders"]}
    error_of(api_client("producer").get(f"{API}/match/runs/{run['run']}"), 403)
    accepted = api_client("admin").post(f"{API}/match/runs/{run['run']}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    error_of(api_client("admin").post(f"{API}/match/runs/{run['run']}/accept"), 400)
    audit = api_client("admin").get(f"{API}/audit", params={
        "entity": "match_run", "entity_id": run["run"], "sort": "at"}).json()["items"]
    assert [a["action"] for a in audit] == ["run", "accept"]


# --- administration ----------------------------------------------------------------------

def test_accounts_are_managed_by_admins(api_client: ApiClient, web_demo: WebDemo) -> None:
    body = {"username": "evaluadora3", "password": "una-clave-larga", "role": "assessor",
            "display_name": "Ing. Tres", "assigned": [web_demo.firm_id, web_demo.firm_id]}
    error_of(api_client("program_manager").post(f"{API}/users", json=body), 403)
    made = api_client("admin").post(f"{API}/users", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["assigned_firms"] == [web_demo.firm_id]
    assert "password" not in made.text
    error_of(api_client("admin").post(f"{API}/users", json=body), 400)
    error_of(api_client("admin").post(f"{API}/users", json={
        **body, "username": "sin-firma", "role": "producer"}), 400)
    error_of(api_client("admin").post(f"{API}/users", json={**body, "password": "corta"}),
             422)
    listed = api_client("admin").get(f"{API}/users", params={"role": "assessor"}).json()
    assert {"evaluador", "evaluador2", "evaluadora3"} <= {u["username"]
                                                          for u in listed["items"]}
    token = TestClient(api_client("admin").app).post(f"{API}/tokens", json={
        "username": "evaluadora3", "password": "una-clave-larga"})
    assert token.status_code == 201
    audit = api_client("program_manager").get(f"{API}/audit", params={
        "entity": "user", "entity_id": "evaluadora3"}).json()["items"]
    assert audit[0]["actor"] == "admin"
    assert audit[0]["after"]["role"] == "assessor"
    error_of(api_client("assessor").get(f"{API}/audit"), 403)
    error_of(api_client("program_manager").get(f"{API}/users"), 403)
    error_of(api_client("admin").get(f"{API}/audit", params={"sort": "actor"}), 422)
