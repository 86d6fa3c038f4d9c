"""Orders and matchmaking under attack: an order due in year 3000 or 6758 with 67 million
units, refused at the API and the pages with the field named; a run after such an order
already stored (an old database) still completes and explains it; odd run ids are 404 or
422, never 500; a buyer gets the same refusal from the API as from the page for a run
that is not its own, and never the solver's figures; bounds on text lengths in the page
(the API's schema had them already; the list and id-count bounds are unit tests of
``domain.orders`` and ``ingest.orders``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from escalera.domain.orders import Order, horizon_end
from escalera.services import matching
from escalera.store import orders as repo
from escalera.web.security import CSRF_HEADER
from tests.web.conftest import ClientFor, TestClient, WebDemo

API = "/api/v1"
HTML = {"accept": "text/html"}
ApiClient = Callable[[str], TestClient]


def _error(answer: Any, *statuses: int) -> dict[str, Any]:
    """The error document of ``answer`` (the one error shape), its status one of these."""
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    error: dict[str, Any] = answer.json()["error"]
    assert set(error) == {"status", "code", "message", "details"}
    return error


def _fields(error: dict[str, Any]) -> set[str]:
    return {d["field"] for d in error["details"] or []}


def _order(order_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": order_id, "product": "jeans", "quantity": 1200,
        "segment": "domestic_discount_chains", "unit_price": 150.0,
        "due_date": (dt.date.today() + dt.timedelta(days=75)).isoformat()}
    body.update(changes)
    return body


@pytest.fixture()
def cancel(web_app: FastAPI) -> Iterator[list[str]]:
    """Order ids to cancel after the test, so later runs of the shared demo do not see
    them."""
    ids: list[str] = []
    yield ids
    with web_app.state.context.transaction() as session:
        repo.set_order_status(session, ids, "cancelled")


# --- far-future orders --------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"due_date": "3000-01-01"}, "body.due_date"),
    ({"due_date": "6758-01-01", "quantity": 67_000_000}, "body.quantity"),
    ({"due_date": "6758-01-01"}, "body.due_date"),
    ({"quantity": 20_000_000}, "body.quantity"),
    ({"order_date": "1900-01-01", "due_date": "1900-03-01"}, "body.order_date"),
    ({"payment_days": 400}, "body.payment_days"),
    ({"unit_price": 5_000_000.0}, "body.unit_price"),
])
def test_an_order_beyond_the_bounds_is_refused_naming_the_field(
        api_client: ApiClient, changes: dict[str, Any], field: str) -> None:
    order_id = f"SEC-FAR-{len(changes)}-{field.rsplit('.', 1)[-1]}"
    error = _error(api_client("admin").post(f"{API}/orders", json=_order(order_id, **changes)),
                   422)
    assert field in _fields(error), error
    assert api_client("admin").get(f"{API}/orders", params={"status": "all",
                                                            "limit": 500}).status_code == 200
    listed = api_client("admin").get(f"{API}/orders", params={"status": "all", "limit": 500})
    assert order_id not in {o["id"] for o in listed.json()["items"]}


def test_the_page_refuses_a_far_due_date_in_the_page(client_for: ClientFor) -> None:
    client = client_for("program_manager")
    today = dt.date.today()
    form = {"csrf_token": client.headers[CSRF_HEADER], "id": "SEC-PAGE-FAR",
            "product": "jeans", "quantity": "67000000", "segment": "domestic_discount_chains",
            "ladder_level": "", "order_date": today.isoformat(), "due_date": "6758-01-01",
            "unit_price": "150", "max_producers": "3", "destination": "Texas",
            "payment_days": "60", "splittable": "1"}
    answer = client.post("/orders", data=form, headers=HTML)
    assert answer.status_code == 422
    assert 'id="err-due_date"' in answer.text and 'id="err-quantity"' in answer.text
    assert "horizonte de planeación" in answer.text  # Spanish first


@pytest.mark.parametrize(("name", "value"), [
    ("product", "j" * 41), ("destination", "Texas" * 20), ("buyer_name", "Tienda " * 40)])
def test_the_page_bounds_text_lengths(client_for: ClientFor, name: str, value: str) -> None:
    client = client_for("program_manager")
    today = dt.date.today()
    form = {"csrf_token": client.headers[CSRF_HEADER], "id": f"SEC-PAGE-{name}",
            "product": "jeans", "quantity": "500", "segment": "domestic_discount_chains",
            "ladder_level": "", "order_date": today.isoformat(),
            "due_date": (today + dt.timedelta(days=60)).isoformat(), "unit_price": "150",
            "max_producers": "3", "destination": "Texas", "payment_days": "60",
            "splittable": "1", "buyer_name": "", name: value}
    answer = client.post("/orders", data=form, headers=HTML, follow_redirects=False)
    assert answer.status_code == 422, answer.status_code
    assert f'id="err-{name}"' in answer.text


def test_a_run_after_a_far_future_order_of_an_old_database_completes_and_explains_it(
        web_app: FastAPI, api_client: ApiClient, cancel: list[str]) -> None:
    """One order due at the horizon's edge (through the API), one due in year 6758 with
    67 million units stored directly, as an old database may hold it: the run completes,
    plans the first and explains the second instead of expanding it month by month."""
    today = dt.date.today()
    edge = _order("SEC-EDGE", due_date=horizon_end(today).isoformat())
    cancel.extend(["SEC-EDGE", "SEC-6758"])
    assert api_client("admin").post(f"{API}/orders", json=edge).status_code == 201
    context = web_app.state.context
    with context.transaction() as session:  # bypassing every check, as an old version did
        repo.insert_orders(session, [Order(
            id="SEC-6758", product="jeans", quantity=67_000_000,
            segment="domestic_discount_chains", order_date=today,
            due_date=dt.date(6758, 1, 1), unit_price=150.0)])
    made = api_client("program_manager").post(f"{API}/match/runs", json={"time_limit": 2})
    assert made.status_code == 201, made.text[:300]
    orders = {o["order"]: o for o in made.json()["orders"]}
    far = orders["SEC-6758"]
    assert far["filled"] == 0 and far["allocations"] == []
    assert [e["code"] for e in far["explanations"]] == [
        "not_allocable", "due_beyond_horizon", "window_too_long", "too_large"]
    assert "6758-01-01" in far["explanations"][1]["text"]
    assert "not_allocable" not in {e["code"] for e in orders["SEC-EDGE"]["explanations"]}
    assert orders["SEC-EDGE"]["screened"]["makers"] > 0  # planned: screened like any other
    again = api_client("program_manager").post(f"{API}/match/runs", json={"time_limit": 1})
    assert again.status_code == 201  # and every later run too


# --- run ids ------------------------------------------------------------------------------

# superscript three, fullwidth one, a 20-digit row id, a trailing newline, forms other
# than M-NNNNNN (the lenient parser took them as run 1)
ODD_IDS = ("%C2%B3", "M-%C2%B3%C2%B3%C2%B3%C2%B3%C2%B3%C2%B3", "%EF%BC%91",
           "99999999999999999999", "M-99999999999999999999", "M-000001%0A", "M-1",
           "m-000001", "%20M-000001")


@pytest.mark.parametrize("run_id", ODD_IDS)
def test_odd_run_ids_are_404_or_422_never_500(api_client: ApiClient, client_for: ClientFor,
                                              run_id: str) -> None:
    admin = api_client("admin")
    _error(admin.get(f"{API}/match/runs/{run_id}"), 404, 422)
    _error(admin.post(f"{API}/match/runs/{run_id}/accept"), 404, 422)
    page = client_for("program_manager")
    token = page.headers[CSRF_HEADER]
    assert page.get(f"/orders/runs/{run_id}", headers=HTML).status_code == 404
    assert page.post(f"/orders/runs/{run_id}/accept", data={"csrf_token": token},
                     headers=HTML).status_code == 404
    assert page.get(f"/orders/runs/{run_id}/export.json").status_code == 404


# --- what a buyer sees of a run -----------------------------------------------------------

def _run_of(web_app: FastAPI, orders: list[Order]) -> str:
    """A run of these orders only (stored and allocated, then cancelled for later runs)."""
    context = web_app.state.context
    with context.transaction() as session:
        view = matching.run(session, context.catalog, orders=orders, on=dt.date.today(),
                            time_limit=1.0)
        repo.set_order_status(session, [o.id for o in orders], "cancelled")
    return view.id


def _domain_order(order_id: str, buyer_id: str | None = None) -> Order:
    today = dt.date.today()
    return Order(id=order_id, buyer_id=buyer_id, buyer_name="Tienda de otro comprador",
                 product="jeans", quantity=900, segment="domestic_discount_chains",
                 order_date=today, due_date=today + dt.timedelta(days=80), unit_price=150.0)


def test_a_buyer_gets_the_same_refusal_from_the_api_as_from_the_page(
        web_app: FastAPI, api_client: ApiClient, client_for: ClientFor) -> None:
    run_id = _run_of(web_app, [_domain_order("SEC-NOT-MINE")])
    assert api_client("admin").get(f"{API}/match/runs/{run_id}").status_code == 200
    api = _error(api_client("buyer").get(f"{API}/match/runs/{run_id}"), 403)
    page = client_for("buyer").get(f"/orders/runs/{run_id}", headers=HTML)
    assert page.status_code == api["status"] == 403
    assert "SEC-NOT-MINE" not in page.text


def test_a_buyer_sees_its_own_orders_of_a_run_and_no_solver_figures(
        web_app: FastAPI, web_demo: WebDemo, api_client: ApiClient,
        client_for: ClientFor) -> None:
    run_id = _run_of(web_app, [_domain_order("SEC-MINE", web_demo.buyer_firm_id),
                               _domain_order("SEC-THEIRS")])
    whole = api_client("program_manager").get(f"{API}/match/runs/{run_id}").json()
    assert whole["objective"] is not None and whole["quantity"] == 1800
    seen = api_client("buyer").get(f"{API}/match/runs/{run_id}").json()
    assert [o["order"] for o in seen["orders"]] == ["SEC-MINE"]
    assert seen["quantity"] == 900
    assert (seen["objective"], seen["bound"], seen["gap"], seen["greedy_objective"]) == (
        None, None, None, None)
    page = client_for("buyer").get(f"/orders/runs/{run_id}", headers=HTML)
    assert page.status_code == 200 and 'id="run-order-SEC-MINE"' in page.text
    assert "SEC-THEIRS" not in page.text
