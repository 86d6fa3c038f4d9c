"""``/api/v1/orders`` and ``/api/v1/match/runs``: buyers' orders and their allocation to
producers or pooled groups, through ``store.orders`` and ``services.matching``.

Buyers add orders for their own firm and see only their own orders, and only their own
orders in an allocation run; admins and program managers see every order, run the
allocation and accept its result (``MATCH``). Every change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from escalera.domain import orders as bounds
from escalera.domain.ids import parse_firm_id
from escalera.domain.orders import Order, new_order_breaches, requirement
from escalera.domain.permissions import Action, can, may_see_order
from escalera.i18n import _
from escalera.services import accounts, matching
from escalera.services.context import AppContext
from escalera.solve.allocation import Weights
from escalera.store import orders as repo
from escalera.web.api.access import ERRORS, NO_CONTROL
from escalera.web.api.lists import Page, Paged, page_params, paged, rows_frame
from escalera.web.deps import DB, Who, allow, context
from escalera.web.idempotency import IdempotentRoute
from escalera.web.text import Identifier

router = APIRouter(tags=["orders"], responses=ERRORS, route_class=IdempotentRoute)
Ctx = Annotated[AppContext, Depends(context)]
RunId = Annotated[str, Path(pattern=repo.RUN_ID_PATTERN, description="Run id, e.g. M-000001.")]
Money = Annotated[float, Field(ge=0, le=bounds.MAX_UNIT_PRICE, allow_inf_nan=False)]
Code = Annotated[str, Field(max_length=bounds.MAX_CODE_LENGTH, pattern=NO_CONTROL)]
Place = Annotated[str, Field(max_length=bounds.MAX_PLACE_LENGTH, pattern=NO_CONTROL)]
Weight = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
SORTABLE = ("id", "order_date", "due_date", "quantity", "product", "status")
DEFAULT_WEIGHTS = Weights()


class OrderCreate(BaseModel):
    """A buyer's order: a market segment, or a ladder and a level, with dates and terms.
    A buyer's order is always its own firm's; admins and program managers may name the
    buyer firm (``buyer_id``) or only a name. The bounds are those of ``domain.orders``
    (due at most 24 months ahead, a window of at most 731 days, at most 10,000,000 units)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=bounds.MAX_ID_LENGTH, pattern=NO_CONTROL)
    buyer_id: Identifier | None = Field(default=None, max_length=20)
    buyer_name: str = Field(default="", max_length=bounds.MAX_NAME_LENGTH, pattern=NO_CONTROL)
    product: str = Field(min_length=1, max_length=bounds.MAX_PRODUCT_LENGTH,
                         pattern=NO_CONTROL)
    quantity: int = Field(gt=0, le=bounds.MAX_QUANTITY)
    segment: Code | None = None
    ladder: Code | None = None
    level: Code | None = None
    order_date: dt.date | None = Field(default=None, description="Default today; at most "
                                       f"{bounds.PAST_DAYS} days back.")
    due_date: dt.date = Field(description=f"At most {bounds.HORIZON_MONTHS} months ahead, "
                              f"at most {bounds.MAX_WINDOW_DAYS} days after the order date.")
    unit_price: Money
    materials_cost: Money | None = Field(default=None,
                                         description="Per unit; default 55 % of the price.")
    payment_days: int = Field(default=60, ge=0, le=bounds.MAX_PAYMENT_DAYS)
    splittable: bool = True
    max_producers: int = Field(default=5, ge=1, le=bounds.MAX_PRODUCERS)
    min_share: float = Field(default=0.0, ge=0, le=1)
    max_pool_members: int = Field(default=0, ge=0, le=bounds.MAX_POOL_MEMBERS)
    pool_regions: list[Place] = Field(default_factory=list,
                                      max_length=bounds.MAX_POOL_REGIONS)
    destination: Place = "Texas"


class OrderOut(BaseModel):
    """An order and where it stands (open, allocated)."""

    id: str
    buyer_id: str | None
    buyer_name: str
    product: str
    quantity: int
    ladder: str | None
    level: str | None
    segment: str | None
    order_date: dt.date
    due_date: dt.date
    unit_price: float
    materials_cost: float | None
    payment_days: int
    splittable: bool
    max_producers: int
    min_share: float
    max_pool_members: int
    pool_regions: list[str]
    destination: str
    status: str


class WeightsIn(BaseModel):
    """What the allocation weighs: units filled, cost, margin above the required level,
    work shared with small producers, fewer producers per order."""

    model_config = ConfigDict(extra="forbid")

    fill: Weight = DEFAULT_WEIGHTS.fill
    cost: Weight = DEFAULT_WEIGHTS.cost
    margin: Weight = DEFAULT_WEIGHTS.margin
    small: Weight = DEFAULT_WEIGHTS.small
    fewest: Weight = DEFAULT_WEIGHTS.fewest


class RunCreate(BaseModel):
    """Allocate the open orders."""

    model_config = ConfigDict(extra="forbid")

    weights: WeightsIn = Field(default_factory=WeightsIn)
    time_limit: float = Field(default=30.0, ge=0.1, le=300, allow_inf_nan=False,
                              description="Seconds the solver may take.")
    on: dt.date | None = Field(default=None, description="Date of the run; default today.")


class RunOut(BaseModel):
    """An allocation run: solver status, objective, proven bound and gap, the greedy
    baseline, and per order the allocations, explanations and time to market."""

    run: str
    on: dt.date
    state: str
    weights: dict[str, float]
    status: str
    objective: float | None = Field(description="None in a buyer's part of a run.")
    bound: float | None
    gap: float | None
    seconds: float
    greedy_objective: float | None
    time_limit: float
    quantity: int
    filled: int
    orders: list[dict[str, Any]]


@router.get("/orders", response_model=Paged[OrderOut])
def list_orders(who: Who, session: DB, page: Annotated[Page, Depends(page_params)],
                status: Annotated[str, Query(pattern="^(open|allocated|cancelled|all)$")]
                = "open") -> dict[str, Any]:
    """Orders (open ones unless ``status`` says allocated, cancelled or all); a buyer sees
    only its own firm's."""
    allow(who, Action.ORDER)
    rows = [{**o.model_dump(mode="json"), "status": row.status}
            for row, o in repo.orders(session, None if status == "all" else status)
            if may_see_order(who, o.buyer_id)]
    return paged(rows_frame(rows), page, SORTABLE)


@router.post("/orders", response_model=OrderOut, status_code=201)
def add_order(body: OrderCreate, who: Who, session: DB, ctx: Ctx) -> dict[str, Any]:
    """Add one order; a buyer's order is its own firm's."""
    allow(who, Action.ORDER)
    fields = body.model_dump()
    fields["order_date"] = body.order_date or dt.date.today()
    if not can(who, Action.MATCH):  # a buyer orders for its own firm
        fields["buyer_id"] = who.firm_id
    elif body.buyer_id is not None:
        fields["buyer_id"] = parse_firm_id(body.buyer_id)
    try:
        order = Order(**fields)
    except ValidationError as exc:  # the order's own rules: dates, segment or level
        raise RequestValidationError(exc.errors()) from None
    breaches = new_order_breaches(order, dt.date.today())
    if breaches:  # the domain's bounds, with the field each concerns
        raise RequestValidationError([{"loc": ("body", *b.field.split(".")), "msg": b.text(),
                                       "type": b.code} for b in breaches])
    requirement(order, ctx.catalog)
    if repo.existing_ids(session, [order.id]):
        raise HTTPException(409, _("order {id} is already in the database").format(
            id=order.id))
    repo.insert_orders(session, [order])
    out = {**order.model_dump(mode="json"), "status": "open"}
    accounts.audit(session, actor=who.username, action="create", entity="order",
                   entity_id=order.id, after=out)
    return out


@router.post("/match/runs", response_model=RunOut, status_code=201)
def run_allocation(body: RunCreate, who: Who, session: DB, ctx: Ctx) -> dict[str, Any]:
    """Allocate the open orders to producers and pools: an optimal mixed-integer
    allocation with its proven gap, the greedy baseline, explanations for what could not
    be placed, working capital and time to market. Saved as a proposed run."""
    allow(who, Action.MATCH)
    view = matching.run(session, ctx.catalog, on=body.on or dt.date.today(),
                        weights=Weights(**body.weights.model_dump()),
                        time_limit=body.time_limit,
                        stale_after_days=ctx.settings.stale_after_days)
    accounts.audit(session, actor=who.username, action="run", entity="match_run",
                   entity_id=view.id, after={"state": view.state, "status": view.status,
                                             "objective": view.objective,
                                             "orders": [o["order"] for o in view.orders]})
    return view.as_dict()


@router.get("/match/runs/{run_id}", response_model=RunOut)
def show_run(run_id: RunId, who: Who, session: DB, ctx: Ctx) -> dict[str, Any]:
    """A saved allocation run; a buyer sees only its own orders in it, without the solver's
    figures, and a run without them is refused (403), as the run page does."""
    allow(who, Action.ORDER)
    view = matching.show(session, ctx.catalog, run_id).seen_by(who)
    if view is None:
        raise HTTPException(403, _("your account may not do this"))
    return view.as_dict()


@router.post("/match/runs/{run_id}/accept", response_model=RunOut)
def accept_run(run_id: RunId, who: Who, session: DB, ctx: Ctx) -> dict[str, Any]:
    """Accept a proposed run: its allocations hold the producers' capacity in later runs
    and its orders with units placed are marked allocated."""
    allow(who, Action.MATCH)
    view = matching.accept(session, ctx.catalog, run_id)
    accounts.audit(session, actor=who.username, action="accept", entity="match_run",
                   entity_id=view.id, before={"state": "proposed"},
                   after={"state": view.state})
    return view.as_dict()
