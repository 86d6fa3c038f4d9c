"""Matchmaking use cases: allocate buyers' orders to producers or pooled groups, explain
what could not be placed, and say what each allocation means for working capital and time
to market. One transaction each; the rules live in the domain (orders, delivery,
financing, explanations, sourcing), the screening in ``analytics.match_candidates`` and the
optimisation in ``solve.allocation``.

Levels come from the one evaluator (``evaluate_bulk`` at each order date; the per-firm
evaluator for the reasons of the nearest candidates). A run is saved as *proposed*; only an
*accepted* run holds producers' capacity for later runs and marks its orders allocated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    CAPACITY_COLUMN,
    date_column,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    value_column,
)
from escalera.analytics.match_candidates import (
    bucket_capacity,
    committed_load,
    month_loads,
    screen,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.chain import LinkType
from escalera.domain.delivery import HUBS, destination_point
from escalera.domain.evaluation import Status, evaluate_firm
from escalera.domain.evidence import ItemKind, latest_evidence
from escalera.domain.explanations import TEMPLATES, Explanation, Shortfall, explain
from escalera.domain.financing import financing
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.measures import Direction
from escalera.domain.orders import (
    MAX_ORDERS_PER_REQUEST,
    Breach,
    Order,
    OrderError,
    Requirement,
    allowed_days,
    check_new_order,
    horizon_end,
    level_rank,
    requirement,
    run_breaches,
)
from escalera.domain.permissions import Principal, may_see_order, may_see_run, sees_whole_run
from escalera.domain.products import PRODUCTS, product_label
from escalera.domain.regions import MUNICIPALITY_POINTS, STATE_CENTROIDS, canonical_state
from escalera.domain.sourcing import compare
from escalera.errors import N_, EscaleraError
from escalera.i18n import current_language, gettext
from escalera.presentation import item_label, number
from escalera.solve.allocation import AllocationProblem, OrderSpec, Weights, allocate
from escalera.store import orders as repo
from escalera.store.evidence import (
    firm_observations,
    firms_frame,
    observations_frame,
    rows_frame,
)
from escalera.store.firms import row_ids
from escalera.store.tables import FirmRow, LinkRow

EVIDENCE = {"lead": "lead_time_days", "turnaround": "turnaround_days",
            "efficiency": "efficiency_pct"}
KNOWN_PRODUCTS = frozenset(p.id for p in PRODUCTS)
NEAR_FIRMS = 3  # candidates blocked by the level whose reasons are quoted
REASONS_PER_FIRM = 2


class MatchRefused(EscaleraError):
    """A run or an acceptance that cannot be done (nothing to allocate, run not proposed)."""


@dataclass(frozen=True)
class OrderOutcome:
    """One order after a run."""

    order: Order
    requirement: Requirement
    filled: int
    allocations: list[dict[str, Any]]
    explanations: list[Explanation]
    delivery_days: int | None
    time_to_market: list[dict[str, object]]
    screened: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        o = self.order
        return {
            "order": o.id, "buyer": o.buyer_id or o.buyer_name, "buyer_id": o.buyer_id,
            "product": o.product,
            "quantity": o.quantity, "filled": self.filled,
            "fill_rate": round(self.filled / o.quantity, 4),
            "ladder": self.requirement.ladder, "level": self.requirement.level,
            "segment": self.requirement.segment, "order_date": o.order_date.isoformat(),
            "due_date": o.due_date.isoformat(), "destination": o.destination,
            "producers": len({a["firm_id"] for a in self.allocations}),
            "allocations": self.allocations,
            "explanations": [{"code": e.code, "params": e.params, "firm_id": e.firm_id}
                             for e in self.explanations],
            "delivery_days": self.delivery_days,
            "delivery_weeks": (None if self.delivery_days is None
                               else round(self.delivery_days / 7, 1)),
            "time_to_market": self.time_to_market, "screened": self.screened,
        }


@dataclass(frozen=True)
class RunView:
    """A saved allocation run."""

    id: str
    on: dt.date
    state: str
    weights: dict[str, float]
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    greedy_objective: float
    time_limit: float
    orders: list[dict[str, Any]]
    whole: bool = True  # False: one buyer's part, without the solver's figures

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values (``escalera match run --json``); the quantity and units placed
        are those of the orders shown, and a buyer's part has no solver figures."""
        filled = sum(o["filled"] for o in self.orders)
        wanted = sum(o["quantity"] for o in self.orders)
        whole = self.whole
        return {"run": self.id, "on": self.on.isoformat(), "state": self.state,
                "weights": self.weights, "status": self.status,
                "objective": self.objective if whole else None,
                "bound": self.bound if whole else None, "gap": self.gap if whole else None,
                "seconds": self.seconds,
                "greedy_objective": self.greedy_objective if whole else None,
                "time_limit": self.time_limit, "quantity": wanted, "filled": filled,
                "orders": self.orders}

    def seen_by(self, who: Principal) -> RunView | None:
        """The run as ``who`` may see it (``domain.permissions.may_see_run``): all of it, a
        buyer's own orders in it without the solver's figures, or None (not theirs)."""
        buyers = [_buyer(o) for o in self.orders]
        if not may_see_run(who, buyers):
            return None
        if sees_whole_run(who):
            return self
        return replace(self, whole=False, orders=[
            o for o, b in zip(self.orders, buyers, strict=True) if may_see_order(who, b)])


def _buyer(summary: dict[str, Any]) -> str | None:
    """The buyer firm of an order in a stored run (runs saved before ``buyer_id`` was kept
    name it in ``buyer``)."""
    return summary["buyer_id"] if "buyer_id" in summary else summary.get("buyer")


# --- inputs ---------------------------------------------------------------------------------

def _places() -> pl.DataFrame:
    rows = [(state, "", lat, lon) for state, (lat, lon) in STATE_CENTROIDS.items()]
    rows += [(state, town, lat, lon) for (state, town), (lat, lon) in MUNICIPALITY_POINTS.items()]
    return pl.DataFrame(rows, schema={"state": pl.String, "municipality": pl.String,
                                      "lat": pl.Float64, "lon": pl.Float64}, orient="row")


def producers_frame(session: Session) -> pl.DataFrame:
    """Producers with what the screening needs that does not depend on a date."""
    registry = firms_frame(session)
    producer = pl.col("roles").list.eval(
        pl.element().is_in(sorted(str(r) for r in PRODUCER_ROLES))).list.any().fill_null(False)
    firms = registry.filter(producer)
    capital = rows_frame(session.execute(select(FirmRow.public_id, FirmRow.working_capital)),
                         {"firm_id": pl.String, "working_capital": pl.Float64})
    states = {s: canonical_state(s) or s for s in firms["state"].unique().to_list()}
    places = _places()
    located = (firms.with_columns(state_key=pl.col("state").replace_strict(states,
                                                                            default=None))
               .join(places.rename({"municipality": "town", "lat": "tlat", "lon": "tlon"}),
                     left_on=["state_key", "municipality"], right_on=["state", "town"],
                     how="left")
               .join(places.filter(pl.col("municipality") == "").drop("municipality"),
                     left_on="state_key", right_on="state", how="left")
               .with_columns(lat=pl.coalesce("tlat", "lat"), lon=pl.coalesce("tlon", "lon")))
    return located.join(capital, on="firm_id", how="left").select(
        "firm_id", "name", "state", "municipality", "products", "employees",
        "monthly_capacity", "working_capital", "lat", "lon")


def _profiles(session: Session, catalog: Catalog, producers: pl.DataFrame, on: dt.date,
              stale_after_days: int) -> pl.DataFrame:
    """Producers with their attained level rank on every ladder and fresh lead time,
    production cycle and efficiency on ``on`` (the one evaluator, column-wise)."""
    wide = latest_evidence_frame(observations_frame(session, until=on), on)
    frame = producers.select("firm_id", CAPACITY_COLUMN).join(wide, on="firm_id", how="left",
                                                              maintain_order="left")
    judged = evaluate_bulk(catalog, frame, on, stale_after_days)
    cutoff = on - dt.timedelta(days=stale_after_days)
    extra = []
    for name, metric in EVIDENCE.items():
        value, seen = value_column(ItemKind.METRIC, metric), date_column(ItemKind.METRIC, metric)
        if value in frame.columns:
            extra.append(pl.when(pl.col(seen) >= cutoff).then(pl.col(value))
                         .otherwise(None).cast(pl.Float64).alias(name))
        else:
            extra.append(pl.lit(None, pl.Float64).alias(name))
    ranks = []
    for ladder in catalog.ladders:
        mapping = {lv.id: i + 1 for i, lv in enumerate(ladder.levels)}
        ranks.append(pl.col(level_column(ladder.id)).replace_strict(
            mapping, default=0, return_dtype=pl.Int64).fill_null(0)
            .alias(f"rank:{ladder.id}"))
    # with_columns, not select: where no producer has one of the metrics its column is a
    # literal, which select would give one row instead of one per producer.
    return pl.concat([producers, frame.with_columns(extra).select([e.meta.output_name()
                                                                   for e in extra]),
                      judged.select(ranks)], how="horizontal")


def pools_frame(session: Session, on: dt.date) -> pl.DataFrame:
    """Integradoras and jobber networks active on ``on`` (a link ends the day before its end
    date, as ``Link.active_on`` says): pool_id, kind, producer_id."""
    source, target = FirmRow.__table__.alias("s"), FirmRow.__table__.alias("t")
    stmt = (select(LinkRow.type, source.c.public_id, target.c.public_id)
            .join(source, source.c.id == LinkRow.source_id)
            .join(target, target.c.id == LinkRow.target_id)
            .where(LinkRow.type.in_([str(LinkType.INTEGRADORA_MEMBERSHIP),
                                     str(LinkType.JOBBER_NETWORK)]),
                   LinkRow.start <= on, (LinkRow.end.is_(None)) | (LinkRow.end > on)))
    rows = []
    for kind, src, dst in session.execute(stmt):
        if kind == str(LinkType.INTEGRADORA_MEMBERSHIP):  # member -> integradora
            rows.append((dst, "integradora", src))
        else:  # jobber -> producer it places work with
            rows.append((src, "jobber_network", dst))
    return pl.DataFrame(rows, schema={"pool_id": pl.String, "kind": pl.String,
                                      "producer_id": pl.String}, orient="row").unique()


def add_orders(session: Session, catalog: Catalog, orders: Sequence[Order],
               today: dt.date) -> int:
    """Store new orders after checking all of them (nothing is written when one is bad):
    at most ``MAX_ORDERS_PER_REQUEST`` of them, each within the bounds
    (``domain.orders.new_order_breaches``: the due date neither past nor beyond the horizon,
    ...), a known product, a requirement the catalog defines, a new id, a registered
    buyer."""
    if len(orders) > MAX_ORDERS_PER_REQUEST:
        raise OrderError(N_("{count} orders at once; at most {most} may be added together"),
                         count=len(orders), most=MAX_ORDERS_PER_REQUEST)
    for order in orders:
        check_new_order(order, today)
        requirement(order, catalog)
        if order.product not in KNOWN_PRODUCTS:
            raise OrderError(N_("order {order}: unknown product {product!r}; use one of "
                                "{valid}"), order=order.id, product=order.product,
                             valid=", ".join(sorted(KNOWN_PRODUCTS)))
        if destination_point(order.destination)[0] is None:
            raise OrderError(N_("order {order}: unknown destination {destination!r}; give a "
                                "Mexican state or one of {hubs}"), order=order.id,
                             destination=order.destination, hubs=", ".join(HUBS))
    clash = repo.existing_ids(session, [o.id for o in orders])
    if clash:
        raise OrderError(N_("order {id} is already in the database; give new ids or run "
                            "over the stored orders"), id=sorted(clash)[0])
    return repo.insert_orders(session, orders)


# --- the run --------------------------------------------------------------------------------

def run(session: Session, catalog: Catalog, *, orders: Sequence[Order] | None = None,
        on: dt.date, weights: Weights = Weights(), time_limit: float = 30.0,
        stale_after_days: int = 730, now: dt.datetime | None = None) -> RunView:
    """Allocate ``orders`` (default: the open orders in the database) and save the run as
    proposed. Orders given from a file are stored first (their ids must be new)."""
    if orders is None:
        stored = [o for _row, o in repo.orders(session)]
    else:
        add_orders(session, catalog, orders, today=on)
        stored = list(orders)
    if not stored:
        raise MatchRefused(N_("there are no open orders to allocate"))
    needs = {o.id: requirement(o, catalog) for o in stored}
    # Orders outside the bounds (an old database may hold one) are explained, not planned.
    breaches = {o.id: run_breaches(o, on) for o in stored}
    planned = [o for o in stored if not breaches[o.id]]
    producers = producers_frame(session)
    load = order_loads(planned, on)
    held = committed_load(repo.committed_frame(session), load["bucket"].unique().to_list())
    profiles = {d: _profiles(session, catalog, producers, d, stale_after_days)
                for d in sorted({o.order_date for o in planned})}
    screened: dict[str, pl.DataFrame] = {}
    for order in planned:
        need = needs[order.id]
        ladder = catalog.ladder(need.ladder)
        frame = profiles[order.order_date].with_columns(rank=pl.col(f"rank:{need.ladder}"))
        screened[order.id] = screen(order, level_rank(catalog, need.ladder, need.level),
                                    len(ladder.levels), allowed_days(order, need), frame, held)
    problem = _problem(planned, screened, producers, held, load, weights,
                       pools_frame(session, on))
    result = allocate(problem, time_limit)
    outcomes = [_outcome(session, catalog, order, needs[order.id], screened[order.id],
                         result.assignments, problem.pools, result.status, result.gap,
                         weights, stale_after_days)
                if order.id in screened else _left_out(order, needs[order.id],
                                                       breaches[order.id])
                for order in stored]
    header = repo.add_run(
        session, created_at=now or dt.datetime.now(dt.UTC).replace(tzinfo=None), on=on,
        weights=weights.__dict__, time_limit=time_limit, solver_status=result.status,
        objective=result.objective, bound=result.bound, gap=result.gap,
        seconds=result.seconds, greedy_objective=result.greedy_objective, state="proposed",
        summary=[o.as_dict() for o in outcomes])
    _save_allocations(session, header.id, outcomes)
    return _view(header, catalog)


def order_loads(orders: Sequence[Order], on: dt.date) -> pl.DataFrame:
    """The share of each order's units made in each month of its window (order_id, bucket,
    fraction), the window clipped to the horizon of ``on``: at most a row per order and
    month it spans, however far a date lies."""
    windows = pl.DataFrame({"key": [o.id for o in orders],
                            "start": [o.order_date for o in orders],
                            "end": [o.due_date for o in orders]},
                           schema={"key": pl.String, "start": pl.Date, "end": pl.Date})
    first = min((o.order_date for o in orders), default=on)
    return month_loads(windows, first, horizon_end(on)).select(
        pl.col("key").alias("order_id"), "bucket", pl.col("share").alias("fraction"))


def _problem(orders: Sequence[Order], screened: dict[str, pl.DataFrame],
             producers: pl.DataFrame, held: pl.DataFrame, load: pl.DataFrame,
             weights: Weights, pools: pl.DataFrame) -> AllocationProblem:
    specs = tuple(OrderSpec(order_id=o.id, quantity=o.quantity, min_units=o.min_units,
                            max_producers=o.max_producers, splittable=o.splittable,
                            max_pool_members=o.max_pool_members, unit_price=o.unit_price)
                  for o in orders)
    columns = ["unit_cost", "margin", "small", "free_units", "adhoc_ok"]
    frames = [f.filter(pl.col("eligible")).select(
        pl.lit(oid).alias("order_id"), pl.col("firm_id").alias("producer_id"), *columns)
        for oid, f in screened.items() if f.height]
    candidates = (pl.concat(frames) if frames else pl.DataFrame(
        schema={"order_id": pl.String, "producer_id": pl.String, **dict.fromkeys(
            columns, pl.Float64)})).rename({"free_units": "max_units"})
    # Capacity only where it binds: each candidate's producer in its order's months.
    needed = candidates.select("order_id", "producer_id").join(load, on="order_id")
    capacity = bucket_capacity(producers, held, needed)
    return AllocationProblem(orders=specs, candidates=candidates, capacity=capacity,
                             load=load, pools=pools, weights=weights)


def _left_out(order: Order, need: Requirement, breaches: list[Breach]) -> OrderOutcome:
    """An order the run does not plan, with the bounds it breaks as its explanations."""
    reasons = [Explanation("not_allocable", {})]
    reasons += [Explanation(b.code, dict(b.params)) for b in breaches]
    return OrderOutcome(order=order, requirement=need, filled=0, allocations=[],
                        explanations=reasons, delivery_days=None, time_to_market=[])


def _outcome(session: Session, catalog: Catalog, order: Order, need: Requirement,
             screened: pl.DataFrame, assignments: pl.DataFrame, pools: pl.DataFrame,
             status: str, gap: float, weights: Weights,
             stale_after_days: int) -> OrderOutcome:
    mine = assignments.filter(pl.col("order_id") == order.id)
    info = screened.select("firm_id", "name", "state", "unit_cost", "delivery_days",
                           "transit_days", "measured", "working_capital")
    rows = mine.join(info, left_on="producer_id", right_on="firm_id", how="left")
    allocations = []
    for r in rows.sort("channel", "producer_id").iter_rows(named=True):
        money = financing(int(r["units"]), order.unit_materials_cost, order.window_days,
                          order.payment_days, r["working_capital"])
        allocations.append({
            "firm_id": r["producer_id"], "name": r["name"], "state": r["state"],
            "channel": r["channel"], "units": int(r["units"]),
            "unit_cost": r["unit_cost"], "delivery_days": r["delivery_days"],
            "delivery_measured": r["measured"], "transit_days": r["transit_days"],
            "financing_need": money.need, "financing_days": money.days,
            "financing_cost": money.cost, "working_capital": money.working_capital,
            "credit_candidate": money.credit_candidate})
    filled = sum(a["units"] for a in allocations)
    days = max((a["delivery_days"] for a in allocations), default=None)
    counts = _counts(screened)
    explanations = explain(
        _shortfall(order, need, screened, pools, filled, status, gap, weights),
        product=order.product,
        ladder=need.ladder, level=need.level or "-", on=order.order_date.isoformat(),
        start=order.order_date.isoformat(), due=order.due_date.isoformat(),
        blockers=(_blockers(session, catalog, order, need, screened, stale_after_days)
                  if filled < order.quantity else []))
    return OrderOutcome(order=order, requirement=need, filled=filled, allocations=allocations,
                        explanations=explanations, delivery_days=days,
                        time_to_market=[] if days is None else compare(days, catalog.sourcing),
                        screened=counts)


def _counts(screened: pl.DataFrame) -> dict[str, int]:
    if screened.is_empty():
        return {"makers": 0, "eligible": 0}
    reasons = screened.group_by("reason").len()
    out = {"makers": screened.height,
           "eligible": int(screened["eligible"].sum())}
    for reason, count in reasons.iter_rows():
        if reason is not None:
            out[f"blocked_{reason}"] = int(count)
    return out


def _shortfall(order: Order, need: Requirement, screened: pl.DataFrame, pools: pl.DataFrame,
               filled: int, status: str, gap: float, weights: Weights) -> Shortfall:
    eligible = screened.filter(pl.col("eligible")) if screened.height else screened
    free = sorted((min(max(int(v), 0), order.quantity)
                   for v in eligible["free_units"].to_list()), reverse=True) \
        if eligible.height else []
    largest = free[0] if free else 0
    if eligible.height and pools.height:
        pooled = (pools.join(eligible.select("firm_id", "free_units"), left_on="producer_id",
                             right_on="firm_id").group_by("pool_id")
                  .agg(pl.col("free_units").sort(descending=True).head(order.max_producers)
                       .sum()))
        if pooled.height:
            largest = max([largest, *(int(v) for v in pooled["free_units"].to_list())])
    top = sum(free[: order.max_producers])
    return Shortfall(
        quantity=order.quantity, filled=filled, makers=screened.height,
        at_level=int(screened["level_ok"].sum()) if screened.height else 0,
        in_time=(int((screened["level_ok"] & screened["lead_ok"]).sum())
                 if screened.height else 0),
        allowed_days=allowed_days(order, need),
        eligible=eligible.height,
        capacity_unknown=(int((screened["reason"] == "capacity_unknown").sum())
                          if screened.height else 0),
        eligible_units=sum(free),
        largest_supplier=min(largest, order.quantity), split_units=min(top, order.quantity),
        splittable=order.splittable, max_producers=order.max_producers, solver_status=status,
        gap=gap, fill_weight=weights.fill)


def _blockers(session: Session, catalog: Catalog, order: Order, need: Requirement,
              screened: pl.DataFrame, stale_after_days: int) -> list[Explanation]:
    """The nearest candidates' reasons: unmet requirements (the per-firm evaluator) of those
    closest to the level, and lead times of those that meet it but deliver too late."""
    if screened.is_empty() or need.level is None:
        return []
    out: list[Explanation] = []
    near = (screened.filter(~pl.col("level_ok"))
            .sort(["rank", "firm_id"], descending=[True, False]).head(NEAR_FIRMS))
    wanted = catalog.ladder(need.ladder).level_index(need.level)
    for firm_id, name in near.select("firm_id", "name").iter_rows():
        evidence = latest_evidence(firm_observations(session, firm_id), order.order_date)
        result = evaluate_firm(catalog, firm_id, evidence, order.order_date,
                               stale_after_days).ladder(need.ladder)
        unmet = [req for level in result.levels[: wanted + 1]
                 for req in level.requirements if req.status is not Status.MET]
        for req in unmet[:REASONS_PER_FIRM]:
            base = {"name": name, "firm": firm_id, "kind": str(req.kind), "item": req.item,
                    "ladder": need.ladder, "level": need.level}
            if req.status is Status.NOT_ASSESSED:
                out.append(Explanation("not_assessed", base, firm_id))
                continue
            out.append(Explanation("requirement", {
                **base, "current": float(req.current or 0.0), "required": req.required,
                "direction": str(req.direction)}, firm_id))
    late = (screened.filter(pl.col("level_ok") & ~pl.col("lead_ok"))
            .sort(["delivery_days", "firm_id"]).head(REASONS_PER_FIRM))
    allowed = allowed_days(order, need)
    for firm_id, name, days in late.select("firm_id", "name", "delivery_days").iter_rows():
        out.append(Explanation("lead_time", {"name": name, "firm": firm_id, "days": days,
                                             "allowed": allowed}, firm_id))
    return out


def describe(code: str, params: dict[str, Any], catalog: Catalog) -> str:
    """An explanation in the interface language: products, ladders, levels and items by
    their names, values with their units."""
    lang = current_language()
    shown = dict(params)
    if "product" in shown:
        shown["product"] = product_label(str(shown["product"]), lang)
    if shown.get("ladder") in {ld.id for ld in catalog.ladders}:
        ladder = catalog.ladder(str(shown["ladder"]))
        shown["ladder"] = ladder.name.get(lang)
        if shown.get("level") in {lv.id for lv in ladder.levels}:
            level = ladder.levels[ladder.level_index(str(params["level"]))]
            shown["level"] = level.name.get(lang)
    if "item" in shown and "kind" in shown:
        label, unit = item_label(catalog, ItemKind(str(shown["kind"])), str(shown["item"]))
        shown["item"] = label
        for key in ("current", "required"):
            if key in shown:
                shown[key] = f"{number(float(shown[key]))} {unit}".strip()
        shown["relation"] = "<" if shown.get("direction") == Direction.HIGHER else ">"
    return gettext(TEMPLATES[code]).format(**shown)


def _save_allocations(session: Session, run_row: int, outcomes: list[OrderOutcome]) -> None:
    firm_ids = sorted({a["firm_id"] for o in outcomes for a in o.allocations})
    firms = row_ids(session, firm_ids) if firm_ids else {}
    orders = {o.public_id: o.id for o, _ in repo.orders(
        session, status=None, ids=[x.order.id for x in outcomes])}
    repo.add_allocations(session, [
        {"run_id": run_row, "order_id": orders[o.order.id], "firm_id": firms[a["firm_id"]],
         "channel": a["channel"], "units": a["units"], "unit_cost": a["unit_cost"],
         "delivery_days": a["delivery_days"], "financing_need": a["financing_need"],
         "financing_cost": a["financing_cost"], "credit_candidate": a["credit_candidate"]}
        for o in outcomes for a in o.allocations])


def _view(row: Any, catalog: Catalog) -> RunView:
    """A run as stored, its explanations worded in the interface language."""
    orders = [{**o, "explanations": [{**e, "text": describe(e["code"], e["params"], catalog)}
                                     for e in o["explanations"]]}
              for o in row.summary]
    return RunView(id=repo.run_public_id(row.id), on=row.on, state=row.state,
                   weights=dict(row.weights), status=row.solver_status,
                   objective=row.objective, bound=row.bound, gap=row.gap,
                   seconds=row.seconds, greedy_objective=row.greedy_objective,
                   time_limit=row.time_limit, orders=orders)


def show(session: Session, catalog: Catalog, run_id: str) -> RunView:
    """A saved run."""
    return _view(repo.load_run(session, run_id), catalog)


def accept(session: Session, catalog: Catalog, run_id: str) -> RunView:
    """Accept a proposed run: its allocations now hold producers' capacity and its orders
    with any units placed are marked allocated."""
    row = repo.load_run(session, run_id)
    if row.state != "proposed":
        raise MatchRefused(N_("run {id} is {state}; only a proposed run can be accepted"),
                           id=run_id, state=row.state)
    placed = [o["order"] for o in row.summary if o["filled"] > 0]
    taken = [o.id for _r, o in repo.orders(session, status="allocated", ids=placed)]
    if taken:
        raise MatchRefused(N_("order {order} was already allocated by another run; run the "
                              "allocation again"), order=taken[0])
    row.state = "accepted"
    repo.set_order_status(session, placed, "allocated")
    session.flush()
    return _view(row, catalog)
