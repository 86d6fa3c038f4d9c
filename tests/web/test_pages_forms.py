"""The working pages: assessment form, AQL calculator, inspection entry, orders and
matchmaking, import and export. Each renders for the roles allowed and refuses the others;
every POST needs the CSRF token and writes an audit entry; results are read back through
the services."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from escalera.config import Settings
from escalera.demo.accounts import seed_accounts
from escalera.domain.assessment_scope import scope
from escalera.domain.defects import DefectClass
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.inspections import count_defects, judge
from escalera.domain.sampling import sampling_plan
from escalera.i18n import gettext, set_language
from escalera.services import accounts
from escalera.services import assessments as assessment_svc
from escalera.services import inspections as inspection_svc
from escalera.services.context import AppContext
from escalera.services.demo import seed_demo
from escalera.store import orders as order_repo
from escalera.store.engine import make_engine
from escalera.store.tables import AssessmentRow, AuditRow, FirmRow, UserRow
from escalera.web.app import create_app
from escalera.web.pages import imports
from tests.conftest import TEST_URL_VAR, _with_search_path

HTML = {"accept": "text/html"}
PASSWORDS = {"admin": "demo-admin", "gestora": "demo-gestora", "evaluador": "demo-evaluador",
             "productor": "demo-productor", "comprador": "demo-comprador"}
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for this module (SQLite file or a PostgreSQL schema)."""
    base = os.environ.get(TEST_URL_VAR, "")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('pages') / 'pages.db'}"
        return
    schema = f"escalera_pages_forms_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_search_path(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def app(url: str) -> Iterator[FastAPI]:
    """The application over a seeded demo network with the demo accounts."""
    made = create_app(Settings(database_url=url))
    ctx: AppContext = made.state.context
    with ctx.transaction() as session:
        seed_demo(session, firms=300, seed=7, reference_date=dt.date.today())
        seed_accounts(session)
    yield made
    ctx.engine.dispose()


@pytest.fixture(scope="module")
def ctx(app: FastAPI) -> AppContext:
    found: AppContext = app.state.context
    return found


def login(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app)
    token = csrf(client, "/login")
    response = client.post("/login", data={"username": username,
                                           "password": PASSWORDS[username],
                                           "csrf_token": token},
                           headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return client


def csrf(client: TestClient, page: str = "/aql") -> str:
    found = TOKEN.search(client.get(page, headers=HTML).text)
    assert found is not None
    return found.group(1)


def audit_count(ctx: AppContext, action: str | None = None) -> int:
    with ctx.transaction() as session:
        stmt = select(func.count()).select_from(AuditRow)
        if action is not None:
            stmt = stmt.where(AuditRow.action == action)
        return int(session.scalar(stmt) or 0)


def assessment_count(ctx: AppContext) -> int:
    with ctx.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AssessmentRow)) or 0)


@pytest.fixture(scope="module")
def assigned(ctx: AppContext) -> list[str]:
    """The assessor's firms."""
    with ctx.transaction() as session:
        row = next(r for r in session.scalars(select(UserRow))
                   if r.username == "evaluador")
        return sorted(accounts.principal(session, row).assigned)


@pytest.fixture(scope="module")
def unassigned(ctx: AppContext, assigned: list[str]) -> str:
    """A producer the assessor may not assess."""
    with ctx.transaction() as session:
        ids = list(session.scalars(select(FirmRow.public_id).order_by(FirmRow.public_id)))
    return next(i for i in reversed(ids) if i not in assigned)


# --- who may open which page ----------------------------------------------------------------

ALLOWED = {
    "/assessments/new": {"admin", "gestora", "evaluador"},
    "/assessments/new?stage=screening": {"admin", "gestora", "evaluador"},
    "/aql": {"admin", "gestora", "evaluador", "productor", "comprador"},
    "/inspections/new": {"admin", "gestora", "evaluador"},
    "/orders": {"admin", "gestora", "comprador"},
    "/import": {"admin", "gestora"},
    "/tokens": {"admin", "gestora", "evaluador", "productor", "comprador"},
}


@pytest.mark.parametrize("user", sorted(PASSWORDS))
def test_pages_render_for_allowed_roles_and_refuse_others(app: FastAPI, user: str) -> None:
    client = login(app, user)
    for page, roles in ALLOWED.items():
        response = client.get(page, headers=HTML, follow_redirects=False)
        expected = 200 if user in roles else 403
        assert response.status_code == expected, (user, page, response.status_code)
        if expected == 200:
            assert 'name="csrf-token"' in response.text


def test_pages_send_anonymous_visitors_to_the_login(app: FastAPI) -> None:
    client = TestClient(app)
    for page in ALLOWED:
        response = client.get(page, headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


# --- assessments ----------------------------------------------------------------------------

def _diagnostic_values(ctx: AppContext) -> dict[str, str]:
    values = {}
    for kind, item in scope(ctx.catalog, Stage.DIAGNOSTIC, dt.date.today()):
        if kind is ItemKind.PRACTICE:
            values[f"practice:{item}"] = "2"
        else:
            metric = ctx.catalog.metric(item)
            values[f"metric:{item}"] = "12,5" if metric.maximum is None or \
                metric.maximum >= 12.5 else str(metric.maximum)
    return values


def test_assessor_form_lists_only_assigned_firms_and_offline_hooks(
        app: FastAPI, assigned: list[str], unassigned: str) -> None:
    client = login(app, "evaluador")
    page = client.get("/assessments/new", headers=HTML).text
    options = set(re.findall(r'<option value="(F-[^"]+)"', page))
    assert options == set(assigned)
    assert unassigned not in page
    assert 'id="sync-status"' in page and "/static/offline.js" in page
    chosen = client.get("/assessments/new", params={"firm": assigned[0].lower()},
                        headers=HTML).text
    assert f'<option value="{assigned[0]}" selected>' in chosen
    refused = client.get("/assessments/new", params={"firm": unassigned}, headers=HTML)
    assert 'id="err-firm"' in refused.text
    assert client.get("/static/offline.js").status_code == 200
    assert "escaleraOffline" in client.get("/static/offline.js").text


def test_diagnostic_post_creates_and_submits_with_the_values(
        app: FastAPI, ctx: AppContext, assigned: list[str]) -> None:
    client = login(app, "evaluador")
    firm = assigned[0]
    values = _diagnostic_values(ctx)
    audits = audit_count(ctx, "assessment.create")
    response = client.post("/assessments/new", data={
        "csrf_token": csrf(client), "stage": "diagnostic", "firm": firm,
        "assessed_on": dt.date.today().isoformat(), "assessor": "Ing. Ruiz",
        "action": "submit", **values}, headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    assessment_id = response.headers["location"].split("/")[-1].split("?")[0]
    with ctx.transaction() as session:
        view = assessment_svc.show(session, ctx.catalog, assessment_id)
    assert view.firm_id == firm and view.stage is Stage.DIAGNOSTIC
    assert str(view.status) == "submitted" and view.assessor == "Ing. Ruiz"
    for name, typed in values.items():
        kind, item = name.split(":")
        assert view.values[kind][item] == float(typed.replace(",", "."))
    assert audit_count(ctx, "assessment.create") == audits + 1
    shown = client.get(f"/assessments/{assessment_id}", headers=HTML)
    assert shown.status_code == 200 and assessment_id in shown.text


def test_draft_may_leave_required_items_empty_but_submit_may_not(
        app: FastAPI, ctx: AppContext, assigned: list[str]) -> None:
    client = login(app, "evaluador")
    base = {"csrf_token": csrf(client), "stage": "diagnostic", "firm": assigned[1],
            "assessed_on": dt.date.today().isoformat(), "metric:on_time_delivery_pct": "88"}
    before = assessment_count(ctx)
    refused = client.post("/assessments/new", data={**base, "action": "submit"},
                          headers=HTML, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="err-practice-final_inspection"' in refused.text
    assert assessment_count(ctx) == before
    saved = client.post("/assessments/new", data={**base, "action": "draft"},
                        headers=HTML, follow_redirects=False)
    assert saved.status_code == 303
    assessment_id = saved.headers["location"].split("/")[-1].split("?")[0]
    with ctx.transaction() as session:
        view = assessment_svc.show(session, ctx.catalog, assessment_id)
    assert str(view.status) == "draft"
    assert view.values["metric"] == {"on_time_delivery_pct": 88.0}


def test_screening_post_records_the_checklist(app: FastAPI, ctx: AppContext,
                                              assigned: list[str]) -> None:
    client = login(app, "evaluador")
    answers = {f"q:{q.id}": str(q.minimum) for q in ctx.catalog.screening}
    first = ctx.catalog.screening[0]
    answers[f"q:{first.id}"] = str(first.minimum - 1) if first.minimum > 0 else "0"
    response = client.post("/assessments/new", data={
        "csrf_token": csrf(client), "stage": "screening", "firm": assigned[2],
        "assessed_on": dt.date.today().isoformat(), **answers},
        headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    assessment_id = response.headers["location"].split("/")[-1].split("?")[0]
    with ctx.transaction() as session:
        view = assessment_svc.show(session, ctx.catalog, assessment_id)
    assert view.stage is Stage.SCREENING and str(view.status) == "submitted"
    assert view.screening is not None
    assert view.screening.answers == {k[2:]: int(v) for k, v in answers.items()}
    if first.minimum > 0:
        assert str(view.screening.outcome) == "not_now"
        assert first.id in view.screening.reasons


def test_bad_values_and_future_dates_are_shown_beside_their_fields(
        app: FastAPI, ctx: AppContext, assigned: list[str]) -> None:
    client = login(app, "evaluador")
    before, audits = assessment_count(ctx), audit_count(ctx)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = client.post("/assessments/new", data={
        "csrf_token": csrf(client), "stage": "diagnostic", "firm": assigned[0],
        "assessed_on": tomorrow, "metric:on_time_delivery_pct": "150",
        "metric:defect_rate_pct": "abc", "practice:final_inspection": "7",
        "action": "draft"}, headers=HTML, follow_redirects=False)
    assert response.status_code == 422
    page = response.text
    for field in ("assessed_on", "metric-on_time_delivery_pct", "metric-defect_rate_pct",
                  "practice-final_inspection"):
        assert f'id="err-{field}"' in page, field
    assert "150" in page  # the typed value is kept
    message = re.search(r'id="err-metric-on_time_delivery_pct" role="alert">([^<]*)<', page)
    assert message is not None and "100" in message.group(1)
    assert not message.group(1).startswith("on_time_delivery_pct")  # beside its field
    assert assessment_count(ctx) == before and audit_count(ctx) == audits


def test_assessor_may_not_assess_a_firm_not_assigned(app: FastAPI, ctx: AppContext,
                                                     unassigned: str) -> None:
    client = login(app, "evaluador")
    before = assessment_count(ctx)
    response = client.post("/assessments/new", data={
        "csrf_token": csrf(client), "stage": "diagnostic", "firm": unassigned,
        "assessed_on": dt.date.today().isoformat(), "metric:on_time_delivery_pct": "90",
        "action": "draft"}, headers=HTML, follow_redirects=False)
    assert response.status_code == 422
    assert 'id="err-firm"' in response.text
    assert assessment_count(ctx) == before


def test_one_assessment_needs_raw_access(app: FastAPI, ctx: AppContext,
                                         assigned: list[str]) -> None:
    with ctx.transaction() as session:
        view = assessment_svc.create(session, ctx.catalog, firm_id=assigned[0],
                                     stage=Stage.DIAGNOSTIC, assessed_on=dt.date.today(),
                                     assessor="x")
    assert login(app, "comprador").get(f"/assessments/{view.id}",
                                       headers=HTML).status_code == 403
    assert login(app, "gestora").get(f"/assessments/{view.id}",
                                     headers=HTML).status_code == 200
    assert login(app, "gestora").get("/assessments/A-19990101-00000001",
                                     headers=HTML).status_code == 404


# --- CSRF -----------------------------------------------------------------------------------

POSTS = {
    "/assessments/new": {"stage": "diagnostic", "metric:on_time_delivery_pct": "90",
                         "action": "draft"},
    "/inspections/new": {"product": "jeans", "lot": "CSRF-1", "lot_size": "500",
                         "level": "II", "aql:major": "2.5"},
    "/orders": {"id": "CSRF-ORDER", "product": "jeans", "quantity": "100",
                "segment": "", "unit_price": "100"},
    "/orders/runs": {"time_limit": "1"},
}


@pytest.mark.parametrize("token", [None, "wrong-token"])
@pytest.mark.parametrize("path", sorted(POSTS))
def test_posts_without_the_right_csrf_token_are_refused_and_write_nothing(
        app: FastAPI, ctx: AppContext, assigned: list[str], path: str,
        token: str | None) -> None:
    client = login(app, "gestora")
    csrf(client)  # the session has a token; the form does not carry it
    data = {**POSTS[path], "firm": assigned[0],
            "assessed_on": dt.date.today().isoformat(),
            "inspected_on": dt.date.today().isoformat()}
    if token is not None:
        data["csrf_token"] = token
    before, audits = assessment_count(ctx), audit_count(ctx)
    response = client.post(path, data=data, headers=HTML, follow_redirects=False)
    assert response.status_code == 403
    assert assessment_count(ctx) == before and audit_count(ctx) == audits
    with ctx.transaction() as session:
        assert not order_repo.existing_ids(session, ["CSRF-ORDER"])


def test_upload_without_csrf_token_is_refused(app: FastAPI, ctx: AppContext) -> None:
    client = login(app, "admin")
    audits = audit_count(ctx)
    response = client.post("/import", data={"kind": "firms"}, files={
        "file": ("firms.csv", b"name,roles,state\nTaller X,contractor,Puebla\n", "text/csv")},
        headers=HTML)
    assert response.status_code == 403
    assert audit_count(ctx) == audits


# --- AQL ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lot", "level", "aql", "severity"), [
    (1200, "II", "2.5", "normal"), (50, "I", "0.65", "tightened"),
    (10000, "III", "1.0", "reduced"), (8, "II", "4.0", "normal"), (3200, "S-3", "0.10",
                                                                   "normal")])
def test_aql_page_shows_the_plan_of_the_standard(app: FastAPI, lot: int, level: str,
                                                 aql: str, severity: str) -> None:
    client = login(app, "productor")
    page = client.get("/aql", params={"lot_size": lot, "level": level, "aql": aql,
                                      "severity": severity, "lq": "10"}, headers=HTML).text
    plan = sampling_plan(lot, level, aql, severity)

    def shown(field: str) -> str:
        found = re.search(rf'id="{field}">([^<]*)<', page)
        assert found is not None, field
        return found.group(1).strip()

    assert shown("plan-letter") == plan.code_letter
    assert shown("plan-sample") == str(plan.sample_size)
    assert shown("plan-ac") == str(plan.ac) and shown("plan-re") == str(plan.re)
    assert "<svg" in page and 'id="oc-points"' in page
    assert 'id="risk-producer"' in page and 'id="risk-consumer"' in page


def test_aql_page_reports_bad_input(app: FastAPI) -> None:
    client = login(app, "comprador")
    response = client.get("/aql", params={"lot_size": "0", "aql": "2.5"}, headers=HTML)
    assert response.status_code == 422 and 'id="aql-error"' in response.text
    assert "<svg" not in response.text


# --- inspections ----------------------------------------------------------------------------

def test_inspection_post_records_the_lot_as_judged(app: FastAPI, ctx: AppContext,
                                                   assigned: list[str]) -> None:
    client = login(app, "evaluador")
    firm = assigned[3]
    audits = audit_count(ctx, "inspection.record")
    form = {"csrf_token": csrf(client, "/inspections/new"), "firm": firm,
            "product": "uniforms", "lot": "L-WEB-1", "lot_size": "1200", "level": "II",
            "basis": "units", "aql:critical": "0", "aql:major": "2.5", "aql:minor": "4.0",
            "defect:open_seam": "4", "defect:loose_thread": "3",
            "inspector": "Ing. Ruiz", "inspected_on": dt.date.today().isoformat()}
    response = client.post("/inspections/new", data=form, headers=HTML)
    assert response.status_code == 200, response.text[:500]
    expected = judge(1200, "II", {DefectClass.CRITICAL: "0", DefectClass.MAJOR: "2.5",
                                  DefectClass.MINOR: "4.0"},
                     count_defects({"open_seam": 4, "loose_thread": 3}))
    decision = re.search(r'id="inspection-decision">([^<]*)<', response.text)
    set_language("es")
    assert decision is not None
    verdict = gettext("ACCEPTED") if expected.accepted else gettext("NOT ACCEPTED")
    assert decision.group(1).strip().endswith(f": {verdict}")
    with ctx.transaction() as session:
        streams = inspection_svc.streams(session, firm, "uniforms")
    lot = streams[0].recent_lots[0]
    assert lot["lot"] == "L-WEB-1" and lot["decision"] == str(expected.decision)
    assert lot["sample_size"] == expected.sample_size
    assert 'id="inspection-streams"' in response.text  # where the stream stands now
    assert audit_count(ctx, "inspection.record") == audits + 1


def test_inspection_errors_write_nothing(app: FastAPI, ctx: AppContext,
                                         assigned: list[str], unassigned: str) -> None:
    client = login(app, "evaluador")
    audits = audit_count(ctx)
    token = csrf(client, "/inspections/new")
    bad = client.post("/inspections/new", data={
        "csrf_token": token, "firm": unassigned, "product": "jeans", "lot": "L-X",
        "lot_size": "abc", "level": "II", "aql:major": "2.5", "defect:stain": "-1",
        "inspected_on": dt.date.today().isoformat()}, headers=HTML)
    assert bad.status_code == 422
    for field in ("firm", "lot_size", "defect-stain"):
        assert f'id="err-{field}"' in bad.text
    too_many = client.post("/inspections/new", data={
        "csrf_token": token, "firm": assigned[4], "product": "jeans", "lot": "L-Y",
        "lot_size": "10", "level": "II", "aql:major": "2.5", "defect:stain": "999",
        "inspected_on": dt.date.today().isoformat()}, headers=HTML)
    assert too_many.status_code == 422 and 'id="form-message"' in too_many.text
    assert audit_count(ctx) == audits


# --- orders and matchmaking -----------------------------------------------------------------

def _order_form(token: str, order_id: str, **extra: str) -> dict[str, str]:
    today = dt.date.today()
    return {"csrf_token": token, "id": order_id, "product": "jeans", "quantity": "300",
            "segment": "", "ladder_level": "", "order_date": today.isoformat(),
            "due_date": (today + dt.timedelta(days=90)).isoformat(), "unit_price": "180",
            "max_producers": "3", "destination": "Texas", "payment_days": "60",
            "splittable": "1", **extra}


def test_buyer_adds_an_order_for_its_own_firm_and_sees_only_its_own(
        app: FastAPI, ctx: AppContext) -> None:
    buyer = login(app, "comprador")
    segment = ctx.catalog.segments[0].id
    response = buyer.post("/orders", data=_order_form(csrf(buyer, "/orders"), "WEB-B-1",
                                                      segment=segment),
                          headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text[:800]
    with ctx.transaction() as session:
        order = next(o for _r, o in order_repo.orders(session, status=None)
                     if o.id == "WEB-B-1")
        firm_id = next(r for r in session.scalars(select(UserRow))
                       if r.username == "comprador").firm_id
    assert order.buyer_id is not None and order.segment == segment
    mine = buyer.get("/orders", headers=HTML).text
    assert 'id="order-WEB-B-1"' in mine
    assert firm_id is not None
    manager = login(app, "gestora")
    manager.post("/orders", data=_order_form(csrf(manager, "/orders"), "WEB-G-0",
                                             ladder_level=_first_level(ctx)),
                 headers=HTML, follow_redirects=False)
    assert 'id="order-WEB-G-0"' not in buyer.get("/orders", headers=HTML).text
    assert 'id="order-WEB-G-0"' in manager.get("/orders", headers=HTML).text
    assert 'id="run-form"' not in mine  # buyers do not run allocations


def _first_level(ctx: AppContext) -> str:
    ladder = ctx.catalog.ladders[0]
    return f"{ladder.id}/{ladder.levels[0].id}"


def test_bad_order_is_refused_with_messages(app: FastAPI, ctx: AppContext) -> None:
    client = login(app, "gestora")
    audits = audit_count(ctx)
    response = client.post("/orders", data=_order_form(
        csrf(client, "/orders"), "WEB-BAD", quantity="many", due_date="2001-01-01"),
        headers=HTML)
    assert response.status_code == 422 and 'id="err-quantity"' in response.text
    with ctx.transaction() as session:
        assert not order_repo.existing_ids(session, ["WEB-BAD"])
    assert audit_count(ctx) == audits


def test_add_run_accept_and_export_through_the_pages(app: FastAPI, ctx: AppContext) -> None:
    client = login(app, "gestora")
    token = csrf(client, "/orders")
    orders_added = audit_count(ctx, "order.add")
    added = client.post("/orders", data=_order_form(token, "WEB-G-1",
                                                    ladder_level=_first_level(ctx)),
                        headers=HTML, follow_redirects=False)
    assert added.status_code == 303, added.text[:800]
    huge = client.post("/orders", data=_order_form(token, "WEB-G-2", quantity="9000000",
                                                   ladder_level=_first_level(ctx)),
                       headers=HTML, follow_redirects=False)
    assert huge.status_code == 303, huge.text[:800]
    assert audit_count(ctx, "order.add") == orders_added + 2
    buyer = login(app, "comprador")
    mine = buyer.post("/orders", data=_order_form(csrf(buyer, "/orders"), "WEB-B-2",
                                                  ladder_level=_first_level(ctx)),
                      headers=HTML, follow_redirects=False)
    assert mine.status_code == 303, mine.text[:800]
    runs = audit_count(ctx, "allocation.run")
    ran = client.post("/orders/runs", data={"csrf_token": token, "time_limit": "5",
                                            "weight_fill": "100", "weight_cost": "1"},
                      headers=HTML, follow_redirects=False)
    assert ran.status_code == 303, ran.text[:800]
    run_url = ran.headers["location"]
    run_id = run_url.rsplit("/", 1)[-1]
    assert audit_count(ctx, "allocation.run") == runs + 1
    page = client.get(run_url, headers=HTML)
    assert page.status_code == 200 and 'id="run-order-WEB-G-1"' in page.text
    assert 'id="accept-run"' in page.text
    spanish = _explanations(page.text, "WEB-G-2")
    english = _explanations(client.get(run_url, params={"lang": "en"}, headers=HTML).text,
                            "WEB-G-2")
    client.get(run_url, params={"lang": "es"}, headers=HTML)
    assert spanish and english and spanish != english
    for fmt, marker in (("csv", b"order"), ("allocations.csv", b"run"),
                        ("json", b'"run"'), ("xlsx", b"PK")):
        download = client.get(f"{run_url}/export.{fmt}")
        assert download.status_code == 200, fmt
        assert marker in download.content[:200], fmt
        assert "attachment" in download.headers["content-disposition"]
    document = json.loads(client.get(f"{run_url}/export.json").content)
    assert document["run"] == run_id
    assert "WEB-G-1" in [o["order"] for o in document["orders"]]
    # Accepting needs the token too.
    assert client.post(f"{run_url}/accept", data={}, headers=HTML).status_code == 403
    accepted = client.post(f"{run_url}/accept", data={"csrf_token": token}, headers=HTML,
                           follow_redirects=False)
    assert accepted.status_code == 303
    assert 'id="accept-run"' not in client.get(run_url, headers=HTML).text
    with ctx.transaction() as session:
        state = order_repo.load_run(session, run_id).state
        entry = session.scalars(select(AuditRow).where(
            AuditRow.action == "allocation.accept", AuditRow.entity_id == run_id)).one()
    assert state == "accepted"
    assert entry.before == {"state": "proposed"} and entry.after == {"state": "accepted"}
    again = client.post(f"{run_url}/accept", data={"csrf_token": token}, headers=HTML)
    assert again.status_code == 400
    seen = buyer.get(run_url, headers=HTML)
    assert seen.status_code == 200
    assert 'id="run-order-WEB-B-2"' in seen.text and 'id="run-order-WEB-G-1"' not in seen.text
    assert 'id="accept-run"' not in seen.text
    assert buyer.get(f"{run_url}/export.csv").status_code == 403
    assert buyer.post(f"{run_url}/accept", data={"csrf_token": csrf(buyer)},
                      headers=HTML).status_code == 403


def _explanations(page: str, order: str) -> list[str]:
    section = page.split(f'id="run-order-{order}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li>([^<]+)</li>", section)


# --- import and export ----------------------------------------------------------------------

BAD_FIRMS = ("name,roles,state,employees\n"
             "Taller Bueno,contractor,Puebla,12\n"
             "Taller Malo,astronaut,Puebla,12\n"
             ",contractor,Jalisco,-4\n")


def test_bad_csv_shows_the_row_level_report_and_writes_nothing(app: FastAPI,
                                                                ctx: AppContext) -> None:
    client = login(app, "gestora")
    with ctx.transaction() as session:
        firms = int(session.scalar(select(func.count()).select_from(FirmRow)) or 0)
    audits = audit_count(ctx)
    response = client.post("/import", data={"kind": "firms", "csrf_token": csrf(client)},
                           files={"file": ("talleres.csv", BAD_FIRMS.encode(), "text/csv")},
                           headers=HTML)
    assert response.status_code == 422
    table = response.text.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>talleres.csv</td><td class=\"num\">(\d+)</td>", table)
    assert {"3", "4"} <= set(rows) and "2" not in rows
    assert "astronaut" in table
    with ctx.transaction() as session:
        assert int(session.scalar(select(func.count()).select_from(FirmRow)) or 0) == firms
    assert audit_count(ctx) == audits


def test_good_csv_is_written_with_an_audit_entry(app: FastAPI, ctx: AppContext) -> None:
    client = login(app, "admin")
    good = "nombre,roles,estado\nTaller Web Nuevo,contractor,Yucatán\n"
    response = client.post("/import", data={"kind": "firms", "csrf_token": csrf(client)},
                           files={"file": ("nuevos.csv", good.encode(), "text/csv")},
                           headers=HTML)
    assert response.status_code == 200, response.text[:800]
    assert 'id="import-written"' in response.text
    with ctx.transaction() as session:
        names = set(session.scalars(select(FirmRow.name)))
        entry = session.scalars(select(AuditRow).where(AuditRow.action == "import")
                                .order_by(AuditRow.id.desc())).first()
    assert "Taller Web Nuevo" in names
    assert entry is not None and entry.actor == "admin" and entry.after is not None
    assert entry.after["written"]["firms"] == 1


def test_orders_file_problems_are_listed_and_nothing_is_written(app: FastAPI,
                                                                 ctx: AppContext) -> None:
    client = login(app, "gestora")
    bad = ("pedido,producto,cantidad,fecha de pedido,fecha de entrega,precio,segmento\n"
           "WEB-F-1,jeans,muchas,2026-01-01,2026-03-01,100,x\n")
    response = client.post("/import", data={"kind": "orders", "csrf_token": csrf(client)},
                           files={"file": ("pedidos.csv", bad.encode(), "text/csv")},
                           headers=HTML)
    assert response.status_code == 422 and 'id="import-problems"' in response.text
    assert "pedidos.csv:2" in response.text
    with ctx.transaction() as session:
        assert not order_repo.existing_ids(session, ["WEB-F-1"])


def test_registry_exports(app: FastAPI) -> None:
    client = login(app, "gestora")
    workbook = client.get("/import/export.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    firms = client.get("/import/export.csv", params={"table": "firms"})
    assert firms.status_code == 200
    header = io.StringIO(firms.content.decode("utf-8-sig")).readline()
    assert header.startswith("id,name,roles")
    assert client.get("/import/export.pdf").status_code == 404
    assert login(app, "comprador").get("/import/export.xlsx").status_code == 403


def test_upload_kinds_and_names_are_checked(app: FastAPI) -> None:
    client = login(app, "admin")
    token = csrf(client)
    wrong_kind = client.post("/import", data={"kind": "people", "csrf_token": token},
                             files={"file": ("a.csv", b"x\n", "text/csv")}, headers=HTML)
    assert wrong_kind.status_code == 422
    wrong_file = client.post("/import", data={"kind": "firms", "csrf_token": token},
                             files={"file": ("a.exe", b"MZ", "application/octet-stream")},
                             headers=HTML)
    assert wrong_file.status_code == 422 and 'id="import-message"' in wrong_file.text



def test_unknown_ids_and_oversized_uploads(app: FastAPI, ctx: AppContext,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    client = login(app, "gestora")
    for page in ("/orders/runs/M-999999", "/orders/runs/nonsense",
                 "/assessments/A-20000101-99999999"):
        assert client.get(page, headers=HTML).status_code == 404, page
    token = csrf(client)
    assert client.post("/orders/runs/M-999999/accept", data={"csrf_token": token},
                       headers=HTML).status_code == 404
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 64)
    audits = audit_count(ctx)
    big = client.post("/import", data={"kind": "firms", "csrf_token": token},
                      files={"file": ("big.csv", b"name,roles,state\n" + b"x" * 200,
                                      "text/csv")}, headers=HTML)
    assert big.status_code == 413
    assert audit_count(ctx) == audits


def test_a_retried_submission_creates_nothing_new(app: FastAPI, ctx: AppContext,
                                                  assigned: list[str]) -> None:
    client = login(app, "evaluador")
    form = {"csrf_token": csrf(client), "stage": "diagnostic", "firm": assigned[5],
            "assessed_on": dt.date.today().isoformat(), "action": "draft",
            "metric:rework_pct": "4", "submission_key": "retry-key-1"}
    before = assessment_count(ctx)
    first = client.post("/assessments/new", data=form, headers=HTML, follow_redirects=False)
    again = client.post("/assessments/new", data=form, headers=HTML, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert assessment_count(ctx) == before + 1
    other = client.post("/assessments/new", data={**form, "submission_key": "retry-key-2"},
                        headers=HTML, follow_redirects=False)
    assert other.headers["location"] != first.headers["location"]
    assert assessment_count(ctx) == before + 2
