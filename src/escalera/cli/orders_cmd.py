"""``escalera order import|add|list`` and ``escalera match run|show|accept``: buyers' orders
and their allocation to producers or pooled groups, with explanations, working capital and
time to market."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.table import Table

from escalera.cli.common import app_context, console, json_option, parse_day, print_json
from escalera.domain.orders import Order, OrderError
from escalera.domain.products import product_label
from escalera.errors import N_
from escalera.i18n import _, current_language
from escalera.ingest.orders import read_orders
from escalera.presentation import number
from escalera.services import matching
from escalera.services.match_export import check_export, export_run
from escalera.solve.allocation import Weights
from escalera.store import orders as order_repo


def parse_weights(items: list[str]) -> Weights:
    """``name=value`` pairs over the default weights."""
    values = dict(Weights().__dict__)
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in values:
            raise OrderError(N_("{text!r}: expected a weight as name=value with name one of "
                                "{valid}"), text=item, valid=", ".join(values))
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            raise OrderError(N_("weight {name}: {value!r} is not a number"), name=key,
                             value=text) from None
        if value < 0:
            raise OrderError(N_("weight {name} cannot be negative"), name=key)
        values[key] = value
    return Weights(**values)


def render_run(view: matching.RunView) -> None:
    """A run as tables: orders with fill and explanations, then allocations."""
    console.print(_("Allocation run {id} ({state}) on {on}: {status}, objective {objective}, "
                    "bound {bound}, gap {gap}, {seconds} s (greedy baseline {greedy}).")
                  .format(id=view.id, state=view.state, on=view.on.isoformat(),
                          status=view.status, objective=number(view.objective),
                          bound=number(view.bound), gap=f"{view.gap:.2%}",
                          seconds=number(view.seconds), greedy=number(view.greedy_objective)),
                  highlight=False)
    lang = current_language()
    for o in view.orders:
        console.print()
        console.print(_("Order {order} · {product} · {buyer}: {filled} of {quantity} placed "
                        "with {producers} producers").format(
            order=o["order"], product=product_label(o["product"], lang), buyer=o["buyer"],
            filled=f"{o['filled']:,}", quantity=f"{o['quantity']:,}",
            producers=o["producers"]), highlight=False)
        if o["allocations"]:
            table = Table(_("Firm"), _("Name"), _("Channel"), _("Units"), _("Unit cost"),
                          _("Days to deliver"), _("Financing need"), _("Credit?"))
            for a in o["allocations"]:
                credit = {True: _("yes"), False: _("no"), None: _("unknown")}[
                    a["credit_candidate"]]
                table.add_row(a["firm_id"], a["name"], a["channel"], f"{a['units']:,}",
                              number(a["unit_cost"]), str(a["delivery_days"]),
                              f"{a['financing_need']:,.0f}", credit)
            console.print(table)
        if o["delivery_days"] is not None:
            faster = [t["origin"] for t in o["time_to_market"] if t["verdict"] == "faster"]
            console.print("  " + _("Time to market: {weeks} weeks; faster than {origins}.")
                          .format(weeks=o["delivery_weeks"], origins=", ".join(faster) or "—"),
                          highlight=False)
        for e in o["explanations"]:
            console.print(f"  - {e['text']}", highlight=False)


def register(app: typer.Typer, match_group: typer.Typer) -> None:
    """Add the ``order`` group to ``app`` and ``run``/``show``/``accept`` to ``match``."""
    group = typer.Typer(help=_("Buyers' orders: import, add and list them."),
                        no_args_is_help=True)
    app.add_typer(group, name="order")

    @group.command("import", help=_("Store the orders of a CSV or XLSX file (all or none; "
                                    "every problem is named with its row and column)."))
    def import_cmd(ctx: typer.Context,
                   path: Path = typer.Argument(..., help=_("CSV or XLSX file of orders.")),
                   json_out: bool = json_option()) -> None:
        """Import orders."""
        context = app_context(ctx)
        orders = read_orders(path, dt.date.today())
        with context.transaction() as session:
            matching.add_orders(session, context.catalog, orders, dt.date.today())
        if json_out:
            print_json({"imported": len(orders), "orders": [o.id for o in orders]})
        else:
            console.print(_("{count} orders imported.").format(count=len(orders)))

    @group.command("add", help=_("Add one order."))
    def add_cmd(
        ctx: typer.Context,
        order_id: str = typer.Option(..., "--id", help=_("The order's reference.")),
        product: str = typer.Option(..., "--product", help=_("Product, e.g. jeans.")),
        quantity: int = typer.Option(..., "--quantity", help=_("Units ordered.")),
        segment: str = typer.Option(None, "--segment", help=_(
            "Market segment (implies the ladder, level and lead time).")),
        ladder: str = typer.Option(None, "--ladder", help=_("Ladder of the required level.")),
        level: str = typer.Option(None, "--level", help=_("Required level.")),
        order_date: str = typer.Option(None, "--order-date", help=_(
            "Order date (YYYY-MM-DD); default today.")),
        due_date: str = typer.Option(..., "--due-date", help=_("Due date (YYYY-MM-DD).")),
        price: float = typer.Option(..., "--price", help=_("Unit price paid by the buyer.")),
        buyer: str = typer.Option("", "--buyer", help=_("Buyer's name.")),
        no_split: bool = typer.Option(False, "--no-split", help=_(
            "One supplier only: a producer alone or one pool.")),
        max_producers: int = typer.Option(5, "--max-producers", help=_(
            "Most producers the order may be split over.")),
        min_share: float = typer.Option(0.0, "--min-share", help=_(
            "Smallest share of the quantity one producer may take (0-1).")),
        max_pool: int = typer.Option(0, "--max-pool", help=_(
            "Largest ad-hoc pool the allocation may form (0: none).")),
        pool_region: list[str] = typer.Option([], "--pool-region", help=_(
            "State an ad-hoc pool may draw from (repeatable; none: any).")),
        destination: str = typer.Option("Texas", "--destination", help=_(
            "Where the goods are delivered: a state or Texas, California, Arizona.")),
        materials_cost: float = typer.Option(None, "--materials-cost", help=_(
            "Materials cost per unit; default 55 % of the price.")),
        payment_days: int = typer.Option(60, "--payment-days", help=_(
            "Days after delivery the buyer pays.")),
        json_out: bool = json_option(),
    ) -> None:
        """Add one order."""
        context = app_context(ctx)
        try:
            order = Order(id=order_id, buyer_name=buyer, product=product, quantity=quantity,
                          segment=segment, ladder=ladder, level=level,
                          order_date=parse_day(order_date), due_date=parse_day(due_date),
                          unit_price=price, splittable=not no_split,
                          max_producers=max_producers, min_share=min_share,
                          max_pool_members=max_pool, pool_regions=tuple(pool_region),
                          destination=destination, materials_cost=materials_cost,
                          payment_days=payment_days)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'order'}: {e['msg']}"
                for e in exc.errors())
            raise OrderError(N_("order {order}: {reason}"), order=order_id,
                             reason=reasons) from None
        with context.transaction() as session:
            matching.add_orders(session, context.catalog, [order], dt.date.today())
        if json_out:
            print_json(order.model_dump(mode="json"))
        else:
            console.print(_("Order {id} added.").format(id=order.id))

    @group.command("list", help=_("Orders in the database."))
    def list_cmd(ctx: typer.Context,
                 status: str = typer.Option("open", "--status", help=_(
                     "open, allocated or all.")),
                 json_out: bool = json_option()) -> None:
        """List orders."""
        context = app_context(ctx)
        with context.transaction() as session:
            rows = order_repo.orders(session, None if status == "all" else status)
        if json_out:
            print_json([{**o.model_dump(mode="json"), "status": r.status} for r, o in rows])
            return
        table = Table(_("Order"), _("Buyer"), _("Product"), _("Quantity"), _("Requirement"),
                      _("Due"), _("Status"))
        for row, o in rows:
            need = o.segment or f"{o.ladder}/{o.level}"
            table.add_row(o.id, o.buyer_name or (o.buyer_id or ""),
                          product_label(o.product, current_language()), f"{o.quantity:,}",
                          need, o.due_date.isoformat(), row.status)
        console.print(table)

    @match_group.command("run", help=_(
        "Allocate the open orders (or those of a file) to producers and pools: an optimal "
        "mixed-integer allocation with its proven gap, the greedy baseline, explanations for "
        "what could not be placed, working capital and time to market. Saved as a proposed "
        "run."))
    def run_cmd(
        ctx: typer.Context,
        orders_file: Path = typer.Option(None, "--orders", help=_(
            "CSV or XLSX file of orders to store and allocate (default: the open orders).")),
        on: str = typer.Option(None, "--on", help=_("Date of the run (YYYY-MM-DD); default "
                                                     "today.")),
        weight: list[str] = typer.Option([], "--weight", help=_(
            "Objective weight as name=value (repeatable): fill, cost, margin, small, "
            "fewest.")),
        time_limit: float = typer.Option(30.0, "--time-limit", min=0.1, help=_(
            "Seconds the solver may take.")),
        export: Path = typer.Option(None, "--export", help=_(
            "Also write the result to a .csv, .xlsx or .json file.")),
        json_out: bool = json_option(),
    ) -> None:
        """Allocate orders."""
        context = app_context(ctx)
        weights = parse_weights(weight)
        if export is not None:
            check_export(export)  # before anything is stored
        day = parse_day(on)
        orders = read_orders(orders_file, day) if orders_file is not None else None
        with context.transaction() as session:
            view = matching.run(session, context.catalog, orders=orders, on=day,
                                weights=weights, time_limit=time_limit,
                                stale_after_days=context.settings.stale_after_days,
                                now=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        _finish(view, export, json_out)

    @match_group.command("show", help=_("A saved allocation run."))
    def show_cmd(ctx: typer.Context,
                 run_id: str = typer.Argument(..., help=_("Run id, e.g. M-000001.")),
                 export: Path = typer.Option(None, "--export", help=_(
                     "Also write the result to a .csv, .xlsx or .json file.")),
                 json_out: bool = json_option()) -> None:
        """Show a run."""
        context = app_context(ctx)
        with context.transaction() as session:
            view = matching.show(session, context.catalog, run_id)
        _finish(view, export, json_out)

    @match_group.command("accept", help=_(
        "Accept a proposed run: its allocations hold the producers' capacity in later runs "
        "and its orders are marked allocated."))
    def accept_cmd(ctx: typer.Context,
                   run_id: str = typer.Argument(..., help=_("Run id, e.g. M-000001.")),
                   json_out: bool = json_option()) -> None:
        """Accept a run."""
        context = app_context(ctx)
        with context.transaction() as session:
            view = matching.accept(session, context.catalog, run_id)
        if json_out:
            print_json(view.as_dict())
        else:
            console.print(_("Run {id} accepted.").format(id=view.id))


def _finish(view: matching.RunView, export: Path | None, json_out: bool) -> None:
    written = export_run(view, export) if export is not None else []
    if json_out:
        print_json({**view.as_dict(), "exported": [str(p) for p in written]})
        return
    render_run(view)
    for path in written:
        console.print(_("Written: {path}").format(path=path), highlight=False)
