"""Buyers' orders from a CSV or XLSX file (Spanish or English headers).

Every problem names the file, the spreadsheet row, the column and the reason; when any row
is bad nothing is returned (the caller stores nothing). Each order keeps the bounds of
``domain.orders`` (due date horizon, window, quantity, text and list lengths), and a file
holds at most ``MAX_ORDERS_PER_REQUEST`` orders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from escalera.domain.orders import MAX_ORDERS_PER_REQUEST, Order, new_order_breaches
from escalera.errors import N_, EscaleraError
from escalera.i18n import _
from escalera.ingest.cells import parse_bool, parse_date, split_list
from escalera.ingest.numbers import CellError, parse_integer, parse_number
from escalera.ingest.reading import RawTable, read_table
from escalera.ingest.text import fold

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("pedido", "id", "order", "order id", "folio", "numero de pedido"),
    "buyer_id": ("comprador id", "buyer id", "id comprador"),
    "buyer_name": ("comprador", "buyer", "cliente", "buyer name"),
    "product": ("producto", "product"),
    "quantity": ("cantidad", "piezas", "quantity", "units"),
    "segment": ("segmento", "segment", "segmento de mercado", "market segment"),
    "ladder": ("escalera", "ladder"),
    "level": ("nivel", "level", "nivel requerido", "required level"),
    "order_date": ("fecha de pedido", "fecha pedido", "order date"),
    "due_date": ("fecha de entrega", "fecha entrega", "entrega", "due date", "due"),
    "unit_price": ("precio unitario", "precio", "unit price", "price"),
    "materials_cost": ("costo de materiales", "costo materiales", "materials cost"),
    "payment_days": ("dias de pago", "plazo de pago", "payment days", "payment terms"),
    "splittable": ("divisible", "se puede dividir", "splittable", "may split"),
    "max_producers": ("maximo de productores", "max productores", "max producers"),
    "min_share": ("participacion minima", "parte minima", "min share", "minimum share"),
    "max_pool_members": ("maximo por grupo", "max miembros grupo", "max pool members"),
    "pool_regions": ("regiones del grupo", "regiones grupo", "pool regions"),
    "destination": ("destino", "destination", "entregar en"),
}
REQUIRED = ("id", "product", "quantity", "order_date", "due_date", "unit_price")
_LOOKUP = {fold(alias): name for name, aliases in COLUMNS.items()
           for alias in (name, name.replace("_", " "), *aliases)}


class OrderFileError(EscaleraError):
    """An orders file with problems; the message lists them (file, row, column, reason)."""

    def __str__(self) -> str:
        return str(self.params.get("text", ""))


def _cell(kind: str) -> Callable[[str], Any]:
    def number(text: str) -> float:
        return parse_number(text).value

    def ratio(text: str) -> float:
        written = parse_number(text)
        return written.value / 100 if written.percent_sign or written.value > 1 else \
            written.value

    return {"int": parse_integer, "float": number, "date": parse_date, "bool": parse_bool,
            "list": lambda t: tuple(split_list(t)), "ratio": ratio,
            "text": str.strip}[kind]


KINDS = {"quantity": "int", "payment_days": "int", "max_producers": "int",
         "max_pool_members": "int", "unit_price": "float", "materials_cost": "float",
         "min_share": "ratio", "order_date": "date", "due_date": "date",
         "splittable": "bool", "pool_regions": "list"}


def read_orders(path: Path, today: dt.date | None = None) -> list[Order]:
    """The orders of ``path`` as new orders on ``today`` (default: today); raises
    OrderFileError listing every
    problem."""
    today = today or dt.date.today()
    table = read_table(path)
    columns, problems = _columns(table)
    headers = {name: table.headers[index] for index, name in columns.items()}
    if len(table.rows) > MAX_ORDERS_PER_REQUEST:
        raise OrderFileError(N_("{text}"), text=_(
            "{file}: {count} orders; at most {most} may be imported at once").format(
            file=table.file, count=len(table.rows), most=MAX_ORDERS_PER_REQUEST))
    orders: list[Order] = []
    for row in table.rows:
        values: dict[str, Any] = {}
        unreadable = len(problems)
        for index, name in columns.items():
            text = row.cells[index].strip() if index < len(row.cells) else ""
            if not text:
                continue
            try:
                values[name] = _cell(KINDS.get(name, "text"))(text)
            except (CellError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, CellError) else str(exc)
                problems.append(f"{table.file}:{row.number}: {table.headers[index]}: "
                                f"{text!r}: {reason}")
        if len(problems) > unreadable:
            continue  # a cell could not be read: its reason is given, not a knock-on one
        try:
            order = Order(**values)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "row"
                problems.append(f"{table.file}:{row.number}: {where}: {err['msg']}")
            continue
        breaches = new_order_breaches(order, today)
        problems.extend(f"{table.file}:{row.number}: "
                        f"{headers.get(b.field.split('.')[0], b.field)}: {b.text()}"
                        for b in breaches)
        if not breaches:
            orders.append(order)
    seen: set[str] = set()
    for order in orders:
        if order.id in seen:
            problems.append(_("{file}: order {order} appears twice").format(
                file=table.file, order=order.id))
        seen.add(order.id)
    if problems:
        shown = problems[:20] + ([_("... and {more} more").format(more=len(problems) - 20)]
                                 if len(problems) > 20 else [])
        raise OrderFileError(N_("{text}"), text="\n".join(shown))
    return orders


def _columns(table: RawTable) -> tuple[dict[int, str], list[str]]:
    found: dict[int, str] = {}
    problems: list[str] = []
    for index, header in enumerate(table.headers):
        name = _LOOKUP.get(fold(header))
        if name is None:
            problems.append(_("{file}: unknown column {header!r}").format(
                file=table.file, header=header))
        elif name in found.values():
            problems.append(_("{file}: column {header!r} given twice").format(
                file=table.file, header=header))
        else:
            found[index] = name
    missing = [n for n in REQUIRED if n not in found.values()]
    problems.extend(_("{file}: missing column {name!r}").format(file=table.file, name=n)
                    for n in missing)
    if not {"segment", "level"} & set(found.values()):
        problems.append(_("{file}: give a 'segment' column, or 'ladder' and 'level'").format(
            file=table.file))
    return found, problems
