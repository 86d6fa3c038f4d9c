"""Orders and matchmaking: the orders list, adding an order, running an allocation, the run
page with assignments, pools, explanations, working capital and time to market, accepting a
run and downloading it (CSV, XLSX, JSON)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from escalera.domain.orders import Order, new_order_breaches, requirement
from escalera.domain.permissions import Action, Principal, can, may_see_order
from escalera.domain.products import PRODUCTS, product_label
from escalera.errors import EscaleraError
from escalera.i18n import _, current_language
from escalera.services import accounts, matching
from escalera.services.context import AppContext
from escalera.services.match_export import export_run
from escalera.solve.allocation import Weights
from escalera.store import orders as repo
from escalera.store.firms import get_firm
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.pages.assess import Form, check_csrf
from escalera.web.templating import render

router = APIRouter()
Ctx = Annotated[AppContext, Depends(context)]
MAX_TIME_LIMIT = 120.0
EXPORTS = {"csv": ("orders.csv", "text/csv; charset=utf-8"),
           "allocations.csv": ("orders-allocations.csv", "text/csv; charset=utf-8"),
           "xlsx": ("run.xlsx", "application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet"),
           "json": ("run.json", "application/json")}


def _may_see_orders(who: Principal) -> None:
    if not (can(who, Action.ORDER) or can(who, Action.MATCH)):
        allow(who, Action.ORDER)


def _orders_page(request: Request, session: Session, ctx: AppContext, who: Principal,
                 values: dict[str, str], errors: dict[str, str], message: str = "",
                 status_code: int = 200, notice: str = "") -> Response:
    lang = current_language()
    rows = [(row, order) for row, order in repo.orders(session, status=None)
            if may_see_order(who, order.buyer_id)]
    runs = repo.today_runs(session, dt.date.today() - dt.timedelta(days=90)) \
        if can(who, Action.MATCH) else []
    return render(request, "orders.html.j2", {
        "who": who, "rows": rows, "values": values, "errors": errors, "message": message,
        "notice": notice, "catalog": ctx.catalog, "runs": runs[:20],
        "run_id": repo.run_public_id,
        "products": [(p.id, product_label(p.id, lang)) for p in PRODUCTS],
        "product_label": lambda p: product_label(p, lang),
        "weights": Weights().__dict__, "today": dt.date.today().isoformat(),
    }, status_code=status_code)


def _order_defaults() -> dict[str, str]:
    today = dt.date.today()
    return {"product": "jeans", "order_date": today.isoformat(),
            "due_date": (today + dt.timedelta(days=60)).isoformat(), "max_producers": "5",
            "destination": "Texas", "payment_days": "60", "splittable": "1"}


@router.get("/orders")
def orders_page(request: Request, who: PageWho, session: DB, ctx: Ctx,
                added: str = "") -> Response:
    """Orders (buyers: their own firm's), the add-order form and the run form."""
    _may_see_orders(who)
    notice = _("Order {id} added.").format(id=added) if added else ""
    return _orders_page(request, session, ctx, who, _order_defaults(), {}, notice=notice)


def _read_order(values: dict[str, str], who: Principal, session: Session
                ) -> tuple[Order | None, dict[str, str]]:
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for name in ("id", "product", "segment", "ladder", "level", "destination"):
        if values.get(name):
            data[name] = values[name]
    for name in ("order_date", "due_date"):
        try:
            data[name] = dt.date.fromisoformat(values.get(name, ""))
        except ValueError:
            errors[name] = _("expected a date as YYYY-MM-DD, got {value!r}").format(
                value=values.get(name, ""))
    for name, kind in (("quantity", int), ("unit_price", float), ("max_producers", int),
                       ("payment_days", int), ("materials_cost", float)):
        text = values.get(name, "").replace(",", ".")
        if not text:
            continue
        try:
            data[name] = kind(text)
        except ValueError:
            errors[name] = _("{item}: {value!r} is not a number").format(
                item=name, value=values.get(name, ""))
    ladder, _sep, level = values.get("ladder_level", "").partition("/")
    if data.get("segment"):
        data.pop("ladder", None)
        data.pop("level", None)
    elif ladder and level:
        data["ladder"], data["level"] = ladder, level
    data["splittable"] = values.get("splittable") == "1"
    if who.firm_id is not None and not can(who, Action.MATCH):
        data["buyer_id"] = who.firm_id
        data["buyer_name"] = get_firm(session, who.firm_id).name
    else:
        data["buyer_name"] = values.get("buyer_name", "")
    for name in ("id", "product", "quantity", "unit_price"):
        if name not in data and name not in errors:
            errors[name] = _("required")
    if errors:
        return None, errors
    try:
        order = Order(**data)
    except ValidationError as exc:
        for err in exc.errors():
            where = str(err["loc"][0]) if err["loc"] else "form"
            errors[where if where in values or where in data else "form"] = str(err["msg"])
        return None, errors
    for breach in new_order_breaches(order, dt.date.today()):  # the domain's bounds
        where = breach.field.split(".")[0]
        errors.setdefault(where if where in values else "form", breach.text())
    return (None if errors else order), errors


@router.post("/orders")
def add_order(request: Request, who: PageWho, session: DB, ctx: Ctx, form: Form) -> Response:
    """Add one order (buyers: for their own firm)."""
    check_csrf(request, form)
    allow(who, Action.ORDER)
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    order, errors = _read_order(values, who, session)
    if order is not None:
        try:
            requirement(order, ctx.catalog)
            if repo.existing_ids(session, [order.id]):
                errors["id"] = _("order {id} is already in the database").format(id=order.id)
        except EscaleraError as exc:
            errors["form"] = str(exc)
    if order is None or errors:
        return _orders_page(request, session, ctx, who, values, errors,
                            _("Please correct the fields marked below."), 422)
    repo.insert_orders(session, [order])
    accounts.audit(session, actor=who.username, action="order.add", entity="order",
                   entity_id=order.id, before=None, after=order.model_dump(mode="json"))
    return RedirectResponse(f"/orders?added={order.id}", status_code=303)


def _weights(values: dict[str, str], errors: dict[str, str]) -> Weights:
    chosen = dict(Weights().__dict__)
    for name in chosen:
        text = values.get(f"weight_{name}", "").replace(",", ".")
        if not text:
            continue
        try:
            value = float(text)
            if value < 0 or value != value:
                raise ValueError
            chosen[name] = value
        except ValueError:
            errors[f"weight_{name}"] = _("weight {name} cannot be negative").format(
                name=name) if text.lstrip().startswith("-") else _(
                "weight {name}: {value!r} is not a number").format(name=name, value=text)
    return Weights(**chosen)


@router.post("/orders/runs")
def run_allocation(request: Request, who: PageWho, session: DB, ctx: Ctx,
                   form: Form) -> Response:
    """Allocate the open orders with the weights and time limit given; saved as proposed."""
    check_csrf(request, form)
    allow(who, Action.MATCH)
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    weights = _weights(values, errors)
    try:
        limit = float(values.get("time_limit", "10").replace(",", ".") or "10")
        if not 0.1 <= limit <= MAX_TIME_LIMIT:
            raise ValueError
    except ValueError:
        errors["time_limit"] = _("the time limit is 0.1 to {most} seconds").format(
            most=int(MAX_TIME_LIMIT))
        limit = 10.0
    if errors:
        return _orders_page(request, session, ctx, who, {**_order_defaults(), **values},
                            errors, _("Please correct the fields marked below."), 422)
    try:
        with session.begin_nested():
            view = matching.run(session, ctx.catalog, on=dt.date.today(), weights=weights,
                                time_limit=limit,
                                stale_after_days=ctx.settings.stale_after_days)
    except EscaleraError as exc:
        return _orders_page(request, session, ctx, who, _order_defaults(), {}, str(exc), 422)
    accounts.audit(session, actor=who.username, action="allocation.run", entity="run",
                   entity_id=view.id, before=None, after={
                       "weights": view.weights, "time_limit": limit, "status": view.status,
                       "orders": [o["order"] for o in view.orders]})
    return RedirectResponse(f"/orders/runs/{view.id}", status_code=303)


@router.get("/orders/runs/{run_id}")
def run_page(run_id: str, request: Request, who: PageWho, session: DB, ctx: Ctx,
             accepted: int = 0) -> Response:
    """A run: assignments per order, pools and channels, explanations in the page language,
    working capital, time to market; Accept and export buttons."""
    seen = matching.show(session, ctx.catalog, run_id).seen_by(who)
    if seen is None:  # the same rule, and the same 403, as the API's
        raise HTTPException(403, _("your account may not do this"))
    view, orders = seen, seen.orders
    lang = current_language()
    pools: dict[str, str] = {}
    for channel in {a["channel"] for o in orders for a in o["allocations"]}:
        if channel not in ("direct", "adhoc"):
            try:
                pools[channel] = f"{get_firm(session, channel).name} ({channel})"
            except EscaleraError:
                pools[channel] = channel
    return render(request, "run.html.j2", {
        "who": who, "view": view, "orders": orders, "accepted": bool(accepted),
        "pools": pools,
        "product_label": lambda p: product_label(p, lang),
        "may_accept": can(who, Action.MATCH) and view.state == "proposed",
        "origins": {o.id: o.name.get(lang) for o in ctx.catalog.sourcing},
        "status_words": {"optimal": _("optimal"), "time_limit": _("time limit reached"),
                         "infeasible": _("infeasible"),
                         "no_solution": _("no solution found")},
        "filled": sum(o["filled"] for o in orders),
        "quantity": sum(o["quantity"] for o in orders)})


@router.post("/orders/runs/{run_id}/accept")
def accept_run(run_id: str, request: Request, who: PageWho, session: DB, ctx: Ctx,
               form: Form) -> Response:
    """Accept a proposed run: its allocations hold capacity, its orders become allocated."""
    check_csrf(request, form)
    allow(who, Action.MATCH)
    view = matching.accept(session, ctx.catalog, run_id)
    accounts.audit(session, actor=who.username, action="allocation.accept", entity="run",
                   entity_id=view.id, before={"state": "proposed"},
                   after={"state": view.state})
    return RedirectResponse(f"/orders/runs/{view.id}?accepted=1", status_code=303)


@router.get("/orders/runs/{run_id}/export.{fmt}")
def export(run_id: str, fmt: str, who: PageWho, session: DB, ctx: Ctx) -> Response:
    """The run as a download: orders CSV, allocations CSV, XLSX or JSON."""
    allow(who, Action.MATCH)
    if fmt not in EXPORTS:
        raise HTTPException(404, _("no such export format"))
    view = matching.show(session, ctx.catalog, run_id)
    name, media = EXPORTS[fmt]
    with tempfile.TemporaryDirectory(prefix="escalera-run-") as folder:
        target = Path(folder) / ("orders.csv" if fmt.endswith("csv") else name)
        written = export_run(view, target)
        path = written[-1] if fmt == "allocations.csv" else written[0]
        body = path.read_bytes()
    download = f"{view.id}-{name}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{download}"'})
