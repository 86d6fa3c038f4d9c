"""Orders, allocation runs and allocations: rows to domain records and back; no commits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.domain.orders import Order
from escalera.errors import N_, NotFound
from escalera.store.evidence import rows_frame
from escalera.store.firms import row_ids
from escalera.store.tables import AllocationRow, FirmRow, MatchRunRow, OrderRow

RUN_PREFIX = "M-"
RUN_ID_PATTERN = r"^M-[0-9]{6,9}$"  # ASCII digits only; nine at most keeps within a row id
_RUN_ID = re.compile(RUN_ID_PATTERN)


def run_public_id(row_id: int) -> str:
    """``M-000007``: how a run is known outside."""
    return f"{RUN_PREFIX}{row_id:06d}"


def run_row_id(text: str) -> int:
    """The row id of ``M-000007``: ``M-`` and six to nine ASCII digits, nothing else (not
    ``str.isdigit``, which takes superscripts and other scripts' digits)."""
    if not _RUN_ID.fullmatch(text):
        raise NotFound(N_("no allocation run {id}"), id=text)
    return int(text.removeprefix(RUN_PREFIX))


def order_to_row(order: Order, buyer_row: int | None) -> dict[str, Any]:
    """Column values of an order."""
    data = order.model_dump(exclude={"id", "buyer_id"})
    data["pool_regions"] = list(order.pool_regions)
    return {"public_id": order.id, "buyer_id": buyer_row, **data}


def row_to_order(row: OrderRow, buyer: str | None) -> Order:
    """The domain order of a row."""
    return Order(id=row.public_id, buyer_id=buyer, buyer_name=row.buyer_name,
                 product=row.product, quantity=row.quantity, ladder=row.ladder,
                 level=row.level, segment=row.segment, order_date=row.order_date,
                 due_date=row.due_date, unit_price=row.unit_price,
                 materials_cost=row.materials_cost, payment_days=row.payment_days,
                 splittable=row.splittable, max_producers=row.max_producers,
                 min_share=row.min_share, max_pool_members=row.max_pool_members,
                 pool_regions=tuple(row.pool_regions or ()), destination=row.destination)


def insert_orders(session: Session, orders: Iterable[Order]) -> int:
    """Store new orders (ids must be new); returns how many."""
    items = list(orders)
    buyers = row_ids(session, sorted({o.buyer_id for o in items if o.buyer_id}))
    session.add_all(OrderRow(**order_to_row(o, buyers.get(o.buyer_id or ""))) for o in items)
    session.flush()
    return len(items)


def existing_ids(session: Session, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are already orders."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 900):
        found.update(session.scalars(select(OrderRow.public_id)
                                     .where(OrderRow.public_id.in_(wanted[start:start + 900]))))
    return found


def orders(session: Session, status: str | None = "open",
           ids: Iterable[str] | None = None) -> list[tuple[OrderRow, Order]]:
    """Orders (open ones by default; or these ids), by order date and id."""
    stmt = (select(OrderRow, FirmRow.public_id)
            .outerjoin(FirmRow, FirmRow.id == OrderRow.buyer_id)
            .order_by(OrderRow.order_date, OrderRow.public_id))
    if status is not None:
        stmt = stmt.where(OrderRow.status == status)
    if ids is not None:
        stmt = stmt.where(OrderRow.public_id.in_(sorted(set(ids))))
    return [(row, row_to_order(row, buyer)) for row, buyer in session.execute(stmt)]


def committed_frame(session: Session) -> pl.DataFrame:
    """Units of accepted runs per producer and order window: firm_id, units, order_date,
    due_date, delivery_days (what holds producers' capacity)."""
    stmt = (select(FirmRow.public_id, AllocationRow.units, OrderRow.order_date,
                   OrderRow.due_date, AllocationRow.delivery_days)
            .join(FirmRow, FirmRow.id == AllocationRow.firm_id)
            .join(OrderRow, OrderRow.id == AllocationRow.order_id)
            .join(MatchRunRow, MatchRunRow.id == AllocationRow.run_id)
            .where(MatchRunRow.state == "accepted"))
    return rows_frame(session.execute(stmt), {"firm_id": pl.String, "units": pl.Int64,
                                              "order_date": pl.Date, "due_date": pl.Date,
                                              "delivery_days": pl.Int64})


def add_run(session: Session, **values: Any) -> MatchRunRow:
    """Store a run's header."""
    row = MatchRunRow(**values)
    session.add(row)
    session.flush()
    return row


def add_allocations(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store a run's allocations (firm and order as row ids)."""
    session.add_all(AllocationRow(**r) for r in rows)
    session.flush()


def load_run(session: Session, text: str) -> MatchRunRow:
    """The run ``M-...``."""
    row = session.get(MatchRunRow, run_row_id(text))
    if row is None:
        raise NotFound(N_("no allocation run {id}"), id=text)
    return row


def run_allocations(session: Session, run_row: int) -> list[dict[str, Any]]:
    """A run's allocations with public ids."""
    stmt = (select(AllocationRow, FirmRow.public_id, FirmRow.name, OrderRow.public_id)
            .join(FirmRow, FirmRow.id == AllocationRow.firm_id)
            .join(OrderRow, OrderRow.id == AllocationRow.order_id)
            .where(AllocationRow.run_id == run_row)
            .order_by(OrderRow.public_id, FirmRow.public_id))
    return [{"order": order, "firm_id": firm, "name": name, "channel": a.channel,
             "units": a.units, "unit_cost": a.unit_cost, "delivery_days": a.delivery_days,
             "financing_need": a.financing_need, "financing_cost": a.financing_cost,
             "credit_candidate": a.credit_candidate}
            for a, firm, name, order in session.execute(stmt)]


def set_order_status(session: Session, public_ids: Iterable[str], status: str) -> None:
    """Mark orders open, allocated or cancelled."""
    for row in session.scalars(select(OrderRow).where(OrderRow.public_id.in_(
            sorted(set(public_ids))))):
        row.status = status


def today_runs(session: Session, since: dt.date) -> list[MatchRunRow]:
    """Runs made on or after ``since``, newest first."""
    return list(session.scalars(select(MatchRunRow).where(MatchRunRow.on >= since)
                                .order_by(MatchRunRow.id.desc())))
