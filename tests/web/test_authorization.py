"""Every API endpoint against every kind of account: allowed or denied as the permission
policy of ``escalera.domain.permissions`` says.

The table below is written from that policy, one line per endpoint. The routes are read
from the application itself, so an endpoint added without a line here fails
``test_every_api_endpoint_has_an_expectation``. For each endpoint and each kind of account
the test sends a valid request about the demo producer's firm (``F``: the producer's own
firm, assigned to the demo assessor but not to ``assessor_other``) and expects:

- allowed: a 2xx answer for reads; for writes anything but 401/403 and 5xx (a second
  allowed account may meet a rule of the domain, e.g. a run already accepted: 400);
- denied: 401 without credentials, 403 for an account that may not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.web.conftest import ROLES, TestClient, WebDemo

API = "/api/v1"
ANONYMOUS = "anonymous"
EVERYONE = frozenset(ROLES)
# READ_PROFILES, READ_BENCHMARKS: every role.
RAW_F = frozenset({"admin", "program_manager", "assessor", "producer"})  # READ_RAW on F
ASSESS_F = frozenset({"admin", "program_manager", "assessor"})  # ASSESS / INSPECT on F
INSPECTORS = frozenset({"admin", "program_manager", "assessor", "assessor_other"})
ORDERING = frozenset({"admin", "program_manager", "buyer"})  # ORDER
MATCHING = frozenset({"admin", "program_manager"})  # MATCH, READ_AUDIT
ADMINS = frozenset({"admin"})  # MANAGE_ACCOUNTS
SHARING = frozenset({"admin", "program_manager", "producer"})  # SHARE_DATA on F
DISPUTING = frozenset({"admin", "program_manager", "producer"})  # the firm, or staff for it


@dataclass(frozen=True)
class Targets:
    """What the requests are about: firm F and records of F made for this module."""

    firm: str
    draft: str  # a draft assessment of F
    final: str  # a final assessment of F
    run: str  # an allocation run
    product: str  # a product of F with an inspection stream
    on: dt.date
    other_buyer: str = ""  # a buyer's firm other than the demo buyer's (for data shares)
    program: str = ""  # a development program of the demo
    token: str = ""  # an API token of the admin's (only the admin may revoke it)


Body = Callable[[Targets, str], dict[str, Any]]


@dataclass(frozen=True)
class Expect:
    """Who may call an endpoint, and the request to send (``params``: path parameters
    taken from the targets by name unless given; ``query``; ``body`` per kind of
    account, so that writes do not collide)."""

    allowed: frozenset[str]
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Body | None = None


def _order(t: Targets, role: str) -> dict[str, Any]:
    return {"id": f"AUTHZ-{role}", "product": "jeans", "quantity": 800,
            "segment": "domestic_discount_chains",
            "due_date": (t.on + dt.timedelta(days=70)).isoformat(), "unit_price": 150.0}


def _lot(t: Targets, role: str) -> dict[str, Any]:
    return {"firm_id": t.firm, "product": t.product, "lot": f"L-AUTHZ-{role}",
            "lot_size": 500, "defects": [{"code": "stain", "count": 1}]}


def _user(t: Targets, role: str) -> dict[str, Any]:
    return {"username": f"authz-{role}", "password": "una-clave-larga", "role": "buyer",
            "firm_id": t.firm}


def _program(t: Targets, role: str) -> dict[str, Any]:
    return {"id": f"PRG-AUTHZ-{role}", "name": f"authz {role}", "type": "consultant_program",
            "starts_on": t.on.isoformat(), "ends_on": (t.on + dt.timedelta(days=90)).isoformat(),
            "target_date": (t.on + dt.timedelta(days=365)).isoformat(), "budget": 1000,
            "admission": {"thresholds": [{"item": "on_time_delivery_pct", "value": 60}]},
            "target": {"thresholds": [{"item": "on_time_delivery_pct", "value": 85}]}}


START = (dt.date.today() - dt.timedelta(days=365)).isoformat()
FINAL = {"assessment_id": "final"}

EXPECTED: dict[tuple[str, str], Expect] = {
    # accounts
    ("GET", "/me"): Expect(EVERYONE),
    ("GET", "/tokens"): Expect(EVERYONE),  # one's own tokens
    # a new password too short: refused (422) for everyone signed in, nothing changed
    ("POST", "/me/password"): Expect(EVERYONE, body=lambda t, r: {
        "current_password": "not-it", "new_password": "corta"}),
    ("DELETE", "/tokens/{token_id}"): Expect(ADMINS),  # one's own, or anyone's for admins
    ("POST", "/tokens"): Expect(EVERYONE | {ANONYMOUS}, body=lambda t, r: {
        "username": "comprador", "password": "demo-comprador", "name": f"authz-{r}"}),
    # catalog: READ_PROFILES
    ("GET", "/catalog"): Expect(EVERYONE),
    ("GET", "/catalog/metrics"): Expect(EVERYONE),
    ("GET", "/catalog/practices"): Expect(EVERYONE),
    ("GET", "/catalog/ladders"): Expect(EVERYONE),
    ("GET", "/catalog/segments"): Expect(EVERYONE),
    ("GET", "/catalog/sourcing"): Expect(EVERYONE),
    # firms: profiles and levels for everyone; raw values only shown to RAW (tested in
    # test_api); visits are built on the firm's current values: READ_RAW
    ("GET", "/firms"): Expect(EVERYONE),
    ("GET", "/firms/{firm_id}"): Expect(EVERYONE),
    ("GET", "/firms/{firm_id}/links"): Expect(EVERYONE),
    ("GET", "/firms/{firm_id}/certificates"): Expect(EVERYONE),
    ("GET", "/firms/{firm_id}/visits"): Expect(RAW_F),
    # data shares: read with READ_RAW; granted by the producer itself (SHARE_DATA), program
    # managers and admins — with another buyer's firm, so the demo buyer stays denied above
    ("GET", "/firms/{firm_id}/shares"): Expect(RAW_F),
    ("POST", "/firms/{firm_id}/shares"): Expect(SHARING, body=lambda t, _r: {
        "buyer_id": t.other_buyer}),
    ("DELETE", "/firms/{firm_id}/shares/{buyer_id}"): Expect(SHARING),
    # programs: the list for everyone; an evaluation names participants (EVALUATE_PROGRAMS)
    ("GET", "/programs"): Expect(EVERYONE),
    ("GET", "/programs/{program_id}/evaluation"): Expect(MATCHING),
    ("GET", "/programs/{program_id}"): Expect(EVERYONE),
    ("GET", "/programs/{program_id}/decisions"): Expect(MATCHING),
    ("GET", "/programs/{program_id}/cases"): Expect(MATCHING),
    # MANAGE_PROGRAMS: admissions and activities dated long before the program, so an
    # allowed account meets the domain's refusal (400) and nothing is written
    ("POST", "/programs"): Expect(MATCHING, body=_program),
    ("POST", "/programs/{program_id}/admissions"): Expect(MATCHING, body=lambda t, r: {
        "firms": [t.firm], "on": "1990-01-01"}),
    ("POST", "/programs/{program_id}/activities"): Expect(MATCHING, body=lambda t, r: {
        "kind": "best_practice_visit", "on": "1990-01-01", "note": f"authz {r}"}),
    # charts of the pages
    ("GET", "/charts/levels"): Expect(EVERYONE),
    ("GET", "/charts/transitions"): Expect(EVERYONE),
    ("GET", "/charts/follow-ups"): Expect(EVERYONE),
    ("GET", "/charts/chain"): Expect(EVERYONE),
    ("GET", "/charts/firms/{firm_id}/benchmarks"): Expect(RAW_F),
    # assessments: READ_RAW to read, ASSESS to change; a dispute is the firm's: its own
    # accounts, or an admin or program manager for it (never an assessor or a buyer)
    ("GET", "/firms/{firm_id}/assessments"): Expect(RAW_F),
    ("GET", "/firms/{firm_id}/assessment-plan"): Expect(RAW_F),
    ("GET", "/assessments/{assessment_id}"): Expect(RAW_F),
    ("POST", "/assessments"): Expect(ASSESS_F, body=lambda t, r: {
        "firm_id": t.firm, "stage": "diagnostic", "notes": f"authz {r}"}),
    ("POST", "/assessments/screenings"): Expect(ASSESS_F, body=lambda t, r: {
        "firm_id": t.firm, "answers": {}}),
    ("POST", "/assessments/{assessment_id}/record"): Expect(ASSESS_F, body=lambda t, r: {
        "values": {"practice": {"final_inspection": 2}}}),
    ("POST", "/assessments/{assessment_id}/submit"): Expect(ASSESS_F),
    ("POST", "/assessments/{assessment_id}/review"): Expect(ASSESS_F),
    ("POST", "/assessments/{assessment_id}/return"): Expect(ASSESS_F, body=lambda t, r: {}),
    ("POST", "/assessments/{assessment_id}/finalise"): Expect(ASSESS_F),
    ("POST", "/assessments/{assessment_id}/dispute"): Expect(DISPUTING, FINAL, body=lambda t, r: {
        "reason": f"authz {r}"}),
    ("POST", "/assessments/{assessment_id}/resolve"): Expect(ASSESS_F, FINAL, body=lambda t, r: {
        "outcome": "rejected", "resolution": f"authz {r}"}),
    ("POST", "/assessments/{assessment_id}/correct"): Expect(ASSESS_F, FINAL, body=lambda t, r: {
        "values": {}}),
    # benchmarks: READ_BENCHMARKS (already suppressed); a firm's own position is raw data
    ("GET", "/benchmarks"): Expect(EVERYONE, query={"metric": "on_time_delivery_pct"}),
    ("GET", "/benchmarks/practices"): Expect(EVERYONE, query={"practice": "final_inspection"}),
    ("GET", "/benchmarks/trends"): Expect(EVERYONE, query={"metric": "defect_rate_pct"}),
    ("GET", "/benchmarks/transitions"): Expect(EVERYONE, query={
        "ladder": "buyer_tiers", "from": START}),
    ("GET", "/firms/{firm_id}/benchmark"): Expect(RAW_F),
    # acceptance sampling and inspections
    ("GET", "/aql/plan"): Expect(EVERYONE, query={"lot_size": 1200, "aql": "2.5"}),
    ("GET", "/aql/oc"): Expect(EVERYONE, query={"lot_size": 1200, "aql": "2.5"}),
    ("GET", "/inspections/defects"): Expect(EVERYONE),
    ("POST", "/inspections"): Expect(ASSESS_F, body=_lot),
    ("GET", "/firms/{firm_id}/inspection-streams"): Expect(RAW_F),
    ("POST", "/firms/{firm_id}/inspection-streams/{product}/resume"): Expect(
        ASSESS_F, body=lambda t, r: {"action": f"authz {r}"}),
    ("POST", "/firms/{firm_id}/inspection-streams/{product}/approve-reduced"): Expect(
        ASSESS_F, body=lambda t, r: {"approved": False}),
    ("GET", "/inspections/schedule"): Expect(INSPECTORS, query={"count": 3, "seed": 1}),
    # orders and matchmaking: buyers see their own orders and their part of a run
    ("GET", "/orders"): Expect(ORDERING),
    ("POST", "/orders"): Expect(ORDERING, body=_order),
    ("POST", "/match/runs"): Expect(MATCHING, body=lambda t, r: {"time_limit": 2}),
    ("GET", "/match/runs/{run_id}"): Expect(ORDERING),
    ("POST", "/match/runs/{run_id}/accept"): Expect(MATCHING),
    # administration
    ("GET", "/audit"): Expect(MATCHING),
    ("GET", "/users"): Expect(ADMINS),
    ("POST", "/users"): Expect(ADMINS, body=_user),
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path under /api/v1) of every API endpoint of the application, as routed
    (included routers resolved, whether in the OpenAPI schema or not)."""
    return {(method, str(route.path).removeprefix(API))
            for route in iter_route_contexts(app.routes)
            if str(route.path).startswith(f"{API}/")
            for method in (route.methods or set()) - {"HEAD", "OPTIONS"}}


def test_every_api_endpoint_has_an_expectation(web_app: FastAPI) -> None:
    routes = api_routes(web_app)
    missing = sorted(routes - EXPECTED.keys())
    assert not missing, f"add these endpoints to EXPECTED: {missing}"
    stale = sorted(EXPECTED.keys() - routes)
    assert not stale, f"these endpoints are gone; drop them from EXPECTED: {stale}"


@pytest.fixture(scope="module")
def targets(web_app: FastAPI, web_demo: WebDemo, api_token: Callable[[str], str]
            ) -> Iterator[Targets]:
    """Records of firm F made for this module through the API, as the admin."""
    admin = TestClient(web_app, headers={"Authorization": f"Bearer {api_token('admin')}"})
    firm = web_demo.firm_id

    def post(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = admin.post(f"{API}{path}", json=body)
        assert answer.status_code in (200, 201), (path, answer.text)
        found: dict[str, Any] = answer.json()
        return found

    draft = post("/assessments", {"firm_id": firm, "stage": "diagnostic"})["id"]
    final = post("/assessments", {"firm_id": firm, "stage": "random_inspection",
                                  "values": {"practice": {"final_inspection": 2}}})["id"]
    post(f"/assessments/{final}/submit")
    manager = TestClient(web_app, headers={
        "Authorization": f"Bearer {api_token('program_manager')}"})
    for step in ("review", "finalise"):  # by a second person: separation of duties
        answer = manager.post(f"{API}/assessments/{final}/{step}")
        assert answer.status_code == 200, (step, answer.text)
    product = admin.get(f"{API}/firms/{firm}").json()["firm"]["products"][0]
    post("/inspections", {"firm_id": firm, "product": product, "lot": "L-AUTHZ",
                          "lot_size": 500})
    # the demo buyer's order, so the run is one the buyer may see (its own orders in it)
    post("/orders", {**_order(Targets(firm, draft, final, "", product, web_demo.on), "admin-0"),
                     "buyer_id": web_demo.buyer_firm_id})
    run = post("/match/runs", {"time_limit": 2})["run"]
    retailers = admin.get(f"{API}/firms", params={"role": "retailer", "limit": 10}).json()
    other_buyer = next(f["firm_id"] for f in retailers["items"]
                       if f["firm_id"] != web_demo.buyer_firm_id)
    program = admin.get(f"{API}/programs").json()[0]["id"]
    owner = web_demo.accounts["admin"]
    token = str(post("/tokens", {"username": owner.username, "password": owner.password,
                                 "name": "authz"})["id"])
    yield Targets(firm=firm, draft=draft, final=final, run=run, product=product,
                  on=web_demo.on, other_buyer=other_buyer, program=program, token=token)


def _client(app: FastAPI, role: str, api_token: Callable[[str], str]) -> TestClient:
    if role == ANONYMOUS:
        return TestClient(app)
    return TestClient(app, headers={"Authorization": f"Bearer {api_token(role)}"})


@pytest.mark.parametrize("endpoint", sorted(EXPECTED), ids=" ".join)
def test_each_role_is_allowed_or_denied(endpoint: tuple[str, str], web_app: FastAPI,
                                        targets: Targets,
                                        api_token: Callable[[str], str]) -> None:
    method, template = endpoint
    expect = EXPECTED[endpoint]
    names = {name: expect.params.get(name, name) for name in
             re.findall(r"{(\w+)}", template)}
    values = {"firm_id": targets.firm, "assessment_id": targets.draft, "run_id": targets.run,
              "product": targets.product, "final": targets.final,
              "buyer_id": targets.other_buyer, "program_id": targets.program,
              "token_id": targets.token}
    path = API + template.format(**{name: values[key] for name, key in names.items()})
    wrong = []
    for role in (*ROLES, ANONYMOUS):
        body = expect.body(targets, role) if expect.body is not None else None
        answer = _client(web_app, role, api_token).request(
            method, path, params=expect.query, json=body)
        status = answer.status_code
        if role not in expect.allowed:
            denied = 401 if role == ANONYMOUS else 403
            if status != denied:
                wrong.append(f"{role}: {status}, expected {denied}")
            continue
        ok = 200 <= status < 300 if method == "GET" else status not in (401, 403) and \
            status < 500
        if not ok:
            wrong.append(f"{role}: {status} {answer.text[:200]}")
    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)
