"""Cross-site scripting: a payload in every text field that reaches a page is never served
unescaped, on any page, in either language; every answer carries the security headers; the
sign-in page sends nobody to another site.

The stored payloads go in through the real ways in: a CSV import of firms (names,
municipalities), links and assessments (assessor names); an account whose username is a
payload; a buyer's order (id, buyer name, destination); assessment notes and a dispute
reason; a program (name, description, activity note); an API token's name. Then the walk
reads every GET page of the application from its routes (a page added without a line in
``PAGES`` fails ``test_every_page_is_walked``), fills the path parameters with the seeded
records, and asks each page as the admin and as the account the page is for, in Spanish and
in English: once plainly (stored payloads), once with every query parameter the route
declares set to a payload (reflected), once with every path parameter set to a payload
(error pages).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from escalera.store.tables import FirmRow
from escalera.web.headers import SecurityHeaders
from tests.web.conftest import ClientFor, TestClient, WebDemo, csrf_of

API = "/api/v1"
HTML = {"Accept": "text/html"}

# Shapes of payload: a script element, an attribute break with an event handler (double
# and single quotes), and a javascript: address where a link could be built.
SCRIPT = "<script>alert(1)</script>"
SVG = '"><svg onload=alert(2)>'
IMG = "'><img src=x onerror=alert(3)>"
JS_URL = "javascript:alert(4)"
SLASH = '/"><script>alert(8)</script>'  # a same-site path that breaks out of an attribute
PAYLOADS = (SCRIPT, SVG, IMG, SLASH)
# Names start with "Zz" so the seeded firms sort last in the lists other tests read.
FIRM_NAMES = {"script": f"Zz Taller {SCRIPT}", "svg": f"Zz Taller {SVG}",
              "img": f"Zz Taller {IMG}"}
ORDER_ID = "X<img src=x onerror=alert(5)>"
USERNAME = 'zz"><svg onload=alert(6)>'
# Markup a payload can only produce when it was not escaped.
UNESCAPED = re.compile(r"<script>alert|<svg[^>]*\bonload=|<img[^>]*\bonerror="
                       r"""|(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


@dataclass(frozen=True)
class Seeded:
    """The records holding payloads that the walk fills the path parameters with."""

    firm: str  # a firm imported by CSV with a payload name and municipality
    assessment: str  # a draft assessment of that firm with payload notes
    run: str  # an allocation run holding the buyer's payload order
    program: str  # a program with a payload name, description and activity note
    assessor: TestClient  # signed in as the account whose username is a payload
    more: dict[str, str] = field(default_factory=dict)


def _upload(client: TestClient, kind: str, name: str, rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    answer = client.post("/import", data={"kind": kind, "csrf_token": csrf_of(client)},
                         files={"file": (name, text.getvalue().encode(), "text/csv")},
                         headers=HTML)
    assert answer.status_code == 200, answer.text[:800]
    assert 'id="import-written"' in answer.text, answer.text[:2000]


def _signed_in(app: FastAPI, username: str, password: str) -> TestClient:
    client = TestClient(app)
    signed = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": csrf_of(client), "next": "/"},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text[:500]
    client.headers["X-CSRF-Token"] = csrf_of(client)
    return client


@pytest.fixture(scope="module")
def seeded(web_app: FastAPI, web_demo: WebDemo, api_token: Callable[[str], str]) -> Seeded:
    """Payloads stored in every text field that reaches a page, through the real imports,
    forms and API."""
    account = web_demo.accounts["admin"]
    admin_page = _signed_in(web_app, account.username, account.password)
    _upload(admin_page, "firms", "xss_firms.csv", [
        ["name", "roles", "state", "municipality", "products"],
        *([name, "contractor", "Puebla", f"Mun {payload}", "jeans"]
          for name, payload in zip(FIRM_NAMES.values(), PAYLOADS, strict=False))])
    with web_app.state.context.transaction() as session:
        ids = {row.name: row.public_id for row in session.scalars(
            select(FirmRow).where(FirmRow.name.in_(FIRM_NAMES.values())))}
    firm = ids[FIRM_NAMES["script"]]
    _upload(admin_page, "links", "xss_links.csv", [
        ["source", "target", "type", "start", "exclusive"],
        [ids[FIRM_NAMES["svg"]], firm, "tutelage", "2021-03-01", "no"],
        [firm, web_demo.firm_id, "tutelage", "2021-03-01", "no"]])
    day = web_demo.on.isoformat()
    _upload(admin_page, "assessments", "xss_assessments.csv", [
        ["assessment_id", "firm_id", "date", "stage", "assessor", "status", "item", "value"],
        *([f"XSS-{key}", ids[name], day, "diagnostic", f"Ing. {payload}", "final",
           "on_time_delivery_pct", "80"]
          for (key, name), payload in zip(FIRM_NAMES.items(), PAYLOADS, strict=False))])

    admin = TestClient(web_app, headers={"Authorization": f"Bearer {api_token('admin')}"})
    buyer = TestClient(web_app, headers={"Authorization": f"Bearer {api_token('buyer')}"})

    def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(f"{API}{path}", json=body)
        assert answer.status_code in (200, 201), (path, answer.text)
        found: dict[str, Any] = answer.json()
        return found

    # an assessor whose username is a payload, assigned to the payload firm
    post(admin, "/users", {"username": USERNAME, "password": "una-clave-larga",
                           "role": "assessor", "display_name": f"Ing. {IMG}",
                           "assigned": [firm]})
    assessor = _signed_in(web_app, USERNAME, "una-clave-larga")
    assessment = post(admin, "/assessments", {"firm_id": firm, "stage": "diagnostic",
                                              "notes": f"notes {SCRIPT} {SVG}"})["id"]
    listed = admin.get(f"{API}/firms/{firm}/assessments").json()
    final = next(a["assessment_id"] for a in listed["items"] if a["status"] == "final")
    post(admin, f"/assessments/{final}/dispute", {"reason": f"reason {SCRIPT} {IMG}"})
    post(buyer, "/orders", {"id": ORDER_ID, "buyer_name": f"Zz {SVG}", "product": "jeans",
                            "quantity": 800, "segment": "domestic_discount_chains",
                            "due_date": (web_demo.on.replace(year=web_demo.on.year + 1)
                                         ).isoformat(),
                            "unit_price": 150.0, "destination": f"Zz {IMG}"})
    run = post(admin, "/match/runs", {"time_limit": 1})["run"]
    on, end = web_demo.on, web_demo.on.replace(year=web_demo.on.year + 1)
    program = post(admin, "/programs", {
        "id": "PRG-XSS", "name": f"Zz programa {SCRIPT}", "type": "consultant_program",
        "description": f"desc {SVG} {IMG}", "starts_on": on.isoformat(),
        "ends_on": end.isoformat(), "target_date": end.isoformat(), "budget": 1000,
        "admission": {"thresholds": [{"item": "on_time_delivery_pct", "value": 60}]},
        "target": {"thresholds": [{"item": "on_time_delivery_pct", "value": 85}]}})["id"]
    admin.post(f"{API}/programs/{program}/admissions", json={"firms": [firm], "on": day})
    post(admin, f"/programs/{program}/activities", {
        "kind": "best_practice_visit", "on": day, "firm_id": firm,
        "note": f"note {SCRIPT}"})
    TestClient(web_app).post(f"{API}/tokens", json={
        "username": "admin", "password": "demo-admin", "name": f"token {SVG}"})
    return Seeded(firm=firm, assessment=assessment, run=run, program=program,
                  assessor=assessor, more={"final": final})


@dataclass(frozen=True)
class Walk:
    """Who a page is for (besides the admin), its path parameters by seeded record and
    the query it needs (e.g. ``format=html``)."""

    roles: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    download: bool = False  # a file, not a page: its error pages are walked, once


PAGES: dict[str, Walk] = {
    "/login": Walk(("anonymous",)),
    "/": Walk(("producer", "buyer", "xss_assessor")),
    "/firms": Walk(("buyer",), query={"q": "Zz Taller"}),  # the seeded firms sort last
    "/firms/{firm_id}": Walk(("buyer", "xss_assessor"), {"firm_id": "firm"}),
    "/chain": Walk(("producer",)),
    "/catalog": Walk(("buyer",)),
    "/assessments/new": Walk(("xss_assessor",), query={"firm": "firm"}),
    "/assessments/{assessment_id}": Walk(("xss_assessor",),
                                         {"assessment_id": "assessment"}),
    "/aql": Walk(("producer",), query={"lot_size": "1200"}),
    "/inspections/new": Walk(("xss_assessor",), query={"firm": "firm"}),
    "/orders": Walk(("program_manager", "buyer")),
    "/orders/runs/{run_id}": Walk(("buyer",), {"run_id": "run"}),
    "/orders/runs/{run_id}/export.{fmt}": Walk((), {"run_id": "run", "fmt": "=csv"},
                                               download=True),
    "/programs": Walk(("producer", "program_manager")),
    "/programs/{program_id}": Walk(("program_manager", "producer"),
                                   {"program_id": "program"}),
    "/programs/{program_id}/evaluation": Walk(("program_manager",),
                                              {"program_id": "program"}),
    "/programs/{program_id}/report": Walk(("program_manager",), {"program_id": "program"},
                                          {"format": "html"}),
    "/programs/{program_id}/cases": Walk(("program_manager",), {"program_id": "program"}),
    "/programs/{program_id}/cases/{which}": Walk(
        ("program_manager",), {"program_id": "program", "which": "=success"},
        {"format": "html"}),
    "/import": Walk(("program_manager",)),
    "/import/export.{fmt}": Walk((), {"fmt": "=csv"}, {"table": "firms"}, download=True),
    "/tokens": Walk(("buyer", "xss_assessor")),
}
NOT_PAGES = {"/openapi.json", "/docs/oauth2-redirect"}  # FastAPI's own, no data of ours
LANGS = ("es", "en")


def page_routes(app: FastAPI) -> dict[str, APIRoute]:
    """Every GET route outside the API and the static files, by path."""
    return {str(found.path): found.route for found in iter_route_contexts(app.routes)
            if isinstance(found.route, APIRoute) and "GET" in (found.methods or set())
            and not str(found.path).startswith("/api/")}


def unescaped(text: str) -> list[str]:
    """The payloads (or markup only a payload makes) found raw in a page."""
    found = [p for p in (*PAYLOADS, ORDER_ID, USERNAME) if p in text]
    return found + [m.group(0) for m in UNESCAPED.finditer(text)]


def test_every_page_is_walked(web_app: FastAPI) -> None:
    routes = set(page_routes(web_app))
    missing = sorted(routes - PAGES.keys() - NOT_PAGES)
    assert not missing, f"add these pages to PAGES: {missing}"
    stale = sorted(PAGES.keys() - routes)
    assert not stale, f"these pages are gone; drop them from PAGES: {stale}"


def _client(role: str, client_for: ClientFor, seeded: Seeded) -> TestClient:
    return seeded.assessor if role == "xss_assessor" else client_for(role)


def _types(annotation: Any) -> tuple[Any, ...]:
    return typing.get_args(annotation) or (annotation,)


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


@pytest.mark.parametrize("template", sorted(PAGES))
def test_no_payload_is_served_unescaped(template: str, web_app: FastAPI, seeded: Seeded,
                                        client_for: ClientFor) -> None:
    walk = PAGES[template]
    route = page_routes(web_app)[template]
    records = {"firm": seeded.firm, "assessment": seeded.assessment, "run": seeded.run,
               "program": seeded.program}

    def value(key: str) -> str:
        return key[1:] if key.startswith("=") else records.get(key, key)

    path = _fill(template, {n: value(k) for n, k in walk.params.items()})
    query = {n: value(k) for n, k in walk.query.items()}
    declared = [p for p in route.dependant.query_params if p.alias != "lang"]
    shapes = itertools.cycle((SLASH, SCRIPT, SVG, IMG, JS_URL))
    # text parameters all at once (a page shows them back); then every parameter, so that
    # numbers and dates meet their error page
    texts = {p.alias: next(shapes) for p in declared if str in _types(p.field_info.annotation)}
    everything = {p.alias: next(shapes) for p in declared}
    payload_path = _fill(template, {n: SVG if n != "fmt" else "csv"
                                    for n in re.findall(r"{(\w+)}", template)})
    wrong = []
    roles = walk.roles if template == "/login" else ("admin", *walk.roles)
    for role, lang in itertools.product(roles, LANGS[:1] if walk.download else LANGS):
        client = _client(role, client_for, seeded)
        asks = [(path, query)]
        if texts:
            asks.append((path, {**query, **texts}))
        if everything.keys() - texts.keys() and (role, lang) == ("admin", LANGS[0]):
            asks.append((path, {**query, **everything}))
        if payload_path != path:
            asks.append((payload_path, query))
        for where, params in asks:
            answer = client.get(where, params={**params, "lang": lang}, headers=HTML)
            kind = answer.headers.get("content-type", "")
            if answer.status_code >= 500:
                wrong.append(f"{role} {lang} {where} {params}: {answer.status_code}")
            if "html" not in kind:
                continue
            if found := unescaped(answer.text):
                wrong.append(f"{role} {lang} {where} {params}: {found}")
    assert not wrong, "\n".join(wrong)


def test_the_firm_page_shows_the_payload_escaped(seeded: Seeded,
                                                client_for: ClientFor) -> None:
    """The walk above could pass on a page that dropped the text: the firm's name is
    there, escaped."""
    text = client_for("admin").get(f"/firms/{seeded.firm}", headers=HTML).text
    assert "Zz Taller &lt;script&gt;alert(1)&lt;/script&gt;" in text
    orders = client_for("buyer").get("/orders", headers=HTML).text
    assert "X&lt;img src=x onerror=alert(5)&gt;" in orders


# --- headers ---------------------------------------------------------------------------


def _assert_headers(answer: Any) -> None:
    csp = answer.headers.get("content-security-policy", "")
    rules = dict(part.strip().partition(" ")[::2] for part in csp.split(";") if part.strip())
    assert rules.get("default-src") == "'self'", csp
    assert rules.get("script-src") == "'self'", csp  # no 'unsafe-inline', no 'unsafe-eval'
    assert rules.get("object-src") == "'none'", csp
    assert rules.get("base-uri") == "'self'", csp
    assert rules.get("frame-ancestors") == "'none'", csp
    assert rules.get("form-action") == "'self'", csp
    assert answer.headers.get("x-frame-options") == "DENY"
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert answer.headers.get("referrer-policy") == "same-origin"
    assert "strict-transport-security" not in answer.headers  # development


def test_pages_api_answers_and_errors_carry_the_security_headers(
        client_for: ClientFor, api_token: Callable[[str], str], web_app: FastAPI) -> None:
    admin = client_for("admin")
    api = TestClient(web_app, headers={"Authorization": f"Bearer {api_token('admin')}"})
    answers = [admin.get("/firms", headers=HTML), api.get(f"{API}/firms"),
               admin.get("/firms/F-0000-0000-0", headers=HTML),
               api.get(f"{API}/firms/F-0000-0000-0"), client_for("anonymous").get("/login"),
               client_for("anonymous").get("/", follow_redirects=False),
               admin.get("/static/escalera.css")]
    assert [a.status_code for a in answers] == [200, 200, 404, 404, 200, 303, 200]
    for answer in answers:
        _assert_headers(answer)


def test_hsts_only_in_production() -> None:
    async def hello(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("hola")

    for production, expected in ((True, "max-age=63072000; includeSubDomains"),
                                 (False, None)):
        app = Starlette(routes=[Route("/", hello)])
        app.add_middleware(SecurityHeaders, production=production)
        answer = TestClient(app).get("/")
        assert answer.headers.get("strict-transport-security") == expected


# --- redirects -------------------------------------------------------------------------

FOREIGN = ("//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
           "http:/evil.example", JS_URL, "/\t/evil.example",
           " //evil.example", "///evil.example", "https:evil.example")


@pytest.mark.parametrize("target", FOREIGN)
def test_the_sign_in_page_never_sends_to_another_site(target: str, web_app: FastAPI) -> None:
    page = TestClient(web_app).get("/login", params={"next": target})
    kept = re.search(r'name="next" value="([^"]*)"', page.text)
    assert kept and kept.group(1) == "/", page.text[:1000]


def test_signing_in_never_redirects_to_another_site(web_app: FastAPI,
                                                    web_demo: WebDemo) -> None:
    account = web_demo.accounts["buyer"]
    for target in FOREIGN[:3]:  # the one rule is unit-tested on every shape
        client = TestClient(web_app)
        answer = client.post("/login", data={"username": account.username,
                                             "password": account.password,
                                             "csrf_token": csrf_of(client), "next": target},
                             follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/", target


def test_a_same_site_next_is_kept(web_app: FastAPI) -> None:
    page = TestClient(web_app).get("/login", params={"next": "/firms?q=a&page=2"})
    assert 'name="next" value="/firms?q=a&amp;page=2"' in page.text


def test_the_login_redirect_quotes_the_path(web_app: FastAPI) -> None:
    answer = TestClient(web_app).get(f"/firms/F-{SVG}", follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/login?next=/firms/")
    assert not set(location) & set("<>\"' ")
