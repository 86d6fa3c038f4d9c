"""``escalera bench``: peer-group benchmarks, a firm's position, transitions and trends.

Every table, JSON document and export shows only what the service returns, which has already
been through the confidentiality rule (groups under ``ESCALERA_MIN_GROUP_SIZE`` firms left
out); the footer says how many groups were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from openpyxl import Workbook
from rich.table import Table

from escalera.analytics.confidentiality import percentile_min_group_size
from escalera.cli.common import app_context, console, json_option, on_option, parse_day, print_json
from escalera.domain.products import product_label
from escalera.errors import N_, EscaleraError
from escalera.i18n import _, current_language
from escalera.ingest import csvsafe
from escalera.services import benchmarks as service
from escalera.services.context import AppContext

PERCENTILES = ("p10", "p25", "median", "p75", "p90")
TABLE_COLUMNS = ("n", *PERCENTILES, "best", "gap")  # prevailing practice is the median


class ExportError(EscaleraError):
    """An export file name that is neither .csv nor .xlsx."""


def _headers() -> dict[str, str]:
    """Column headers in the interface language."""
    return {
        "region": _("Region"), "product": _("Product"), "role": _("Role"),
        "size_band": _("Size band"), "period": _("Period"), "n": _("Firms"),
        "p10": "p10", "p25": "p25", "median": _("Median (prevailing)"), "p75": "p75", "p90": "p90",
        "best": _("Best practice"), "prevailing": _("Prevailing practice"), "gap": _("Gap"),
        "share_0": _("0 absent"), "share_1": _("1 informal"), "share_2": _("2 documented"),
        "share_3": _("3 continuous improvement"), "change": _("Change"),
        "from": _("From"), "to": _("To"), "share": _("Share"),
        "median_months": _("Median months"),
    }


def _label(column: str, value: Any) -> str:
    """A cell as text: group keys in words, numbers with one decimal."""
    if column == "product":
        return product_label(value, current_language()) if value else _("(no product)")
    if column == "size_band":
        return {"micro": _("micro"), "small": _("small"), "medium": _("medium"),
                "large": _("large"), "unknown": _("unknown size")}.get(value, str(value))
    if value is None:
        return "—"
    if column.startswith("share"):
        return f"{100 * value:.0f} %"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def export_rows(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Write rows to ``path``: CSV (UTF-8 with BOM, for Excel) or XLSX, by its suffix."""
    suffix = path.suffix.lower()
    columns = list(rows[0]) if rows else []
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csvsafe.writer(handle)  # no cell starts a formula
            writer.writerow(columns)
            writer.writerows([[row[c] for c in columns] for row in rows])
    elif suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(columns)
        for row in rows:
            sheet.append(csvsafe.xlsx_row(sheet, [row[c] for c in columns]))
        book.save(path)
    else:
        raise ExportError(N_("export to a .csv or .xlsx file, not {name!r}"), name=path.name)


def _table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Table:
    headers = _headers()
    table = Table(title=title, pad_edge=False)
    for column in columns:
        numeric = column not in ("region", "product", "role", "size_band", "period", "from",
                                 "to")
        table.add_column(headers.get(column, column), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*[_label(c, row[c]) for c in columns])
    return table


def _footer(result: dict[str, Any], key: str = "suppressed") -> None:
    hidden = result[key]
    if hidden["groups"]:
        console.print(_("{groups} groups are not shown ({firms} firms): those of fewer than "
                        "{size} firms and those that would give them away.").format(
            groups=hidden["groups"], size=result["min_group_size"], firms=hidden["firms"]))
    if key == "suppressed" and any(r.get("p10", 0) is None for r in result["rows"]):
        console.print(_("p10-p90 are shown for groups of {q} firms or more whose figures "
                        "cannot pin down a firm; — where they are not.").format(
            q=percentile_min_group_size(result["min_group_size"])))


def _emit(result: dict[str, Any], json_out: bool, export: Path | None,
          render: Any) -> None:
    if export is not None:
        export_rows(result["rows"], export)
        console.print(_("{rows} rows written to {path}").format(rows=len(result["rows"]),
                                                                 path=export))
    if json_out:
        print_json(result)
    elif export is None:
        render()


def _export_option() -> Any:
    return typer.Option(None, "--export",
                        help=_("Also write the rows shown to a .csv or .xlsx file."))


def _by_option(default: str) -> Any:
    return typer.Option(default, "--by", help=_("Peer groups: a comma-separated list of "
                                                "region, product, role, size_band, period."))


def _period_option() -> Any:
    return typer.Option("latest", "--period",
                        help=_("latest (each firm's latest fresh value) or a quarter such "
                               "as 2026Q3."))


def _period(result: dict[str, Any]) -> str:
    """The window of a table in words: a quarter, or "latest values"."""
    label = str(result["window"]["period"])
    return _("latest values") if label == "latest" else label


def _metric_name(context: AppContext, metric: str) -> str:
    return context.catalog.metric(metric).name.get(current_language())


def register(app: typer.Typer) -> None:
    """Add the ``bench`` group to ``app``."""
    group = typer.Typer(help=_("Benchmarks: how firms compare with their peers, and trends."),
                        invoke_without_command=True)
    app.add_typer(group, name="bench")

    @group.callback(invoke_without_command=True)
    def metric_benchmark(
        ctx: typer.Context,
        metric: str = typer.Option(None, "--metric", help=_("Metric id, e.g. "
                                                            "on_time_delivery_pct.")),
        by: str = _by_option("region"),
        period: str = _period_option(),
        on: str = on_option(),
        json_out: bool = json_option(),
        export: Path = _export_option(),
    ) -> None:
        """A metric per peer group: firms, percentiles, best and prevailing practice, gap."""
        if ctx.invoked_subcommand is not None:
            return
        if metric is None:
            console.print(ctx.get_help())
            raise typer.Exit(0)
        context = app_context(ctx)
        with context.transaction() as session:
            result = service.metric_table(session, context.catalog, metric, by, period,
                                          parse_day(on), context.settings.stale_after_days,
                                          context.settings.min_group_size)

        def render() -> None:
            title = (f"{_metric_name(context, result['metric'])} ({result['unit']}) · "
                     f"{_period(result)}")
            console.print(_table(title, result["rows"], [*result["by"], *TABLE_COLUMNS]))
            _footer(result)

        _emit(result, json_out, export, render)

    @group.command("practices", help=_("A practice per peer group: the share of firms at "
                                       "each maturity 0-3."))
    def practices(
        ctx: typer.Context,
        practice: str = typer.Option(..., "--practice", help=_("Practice id, e.g. "
                                                               "final_inspection.")),
        by: str = _by_option("region"),
        period: str = _period_option(),
        on: str = on_option(),
        json_out: bool = json_option(),
        export: Path = _export_option(),
    ) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            result = service.practice_table(session, context.catalog, practice, by, period,
                                            parse_day(on), context.settings.stale_after_days,
                                            context.settings.min_group_size)

        def render() -> None:
            name = context.catalog.practice(result["practice"]).name.get(current_language())
            columns = [*result["by"], "n", "share_0", "share_1", "share_2", "share_3"]
            console.print(_table(f"{name} · {_period(result)}", result["rows"],
                                 columns))
            _footer(result)

        _emit(result, json_out, export, render)

    @group.command("firm", help=_("A firm's position on every metric among its peers "
                                  "(same state, main product and size band)."))
    def firm(
        ctx: typer.Context,
        firm_id: str = typer.Argument(..., help=_("Firm id, e.g. F-XXXX-XXXX-C.")),
        on: str = on_option(),
        json_out: bool = json_option(),
    ) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            result = service.firm_benchmark(
                session, context.catalog, firm_id, parse_day(on),
                stale_after_days=context.settings.stale_after_days,
                min_group_size=context.settings.min_group_size)
        if json_out:
            print_json(result)
            return
        peers = result["peer_group"]
        described = ", ".join(_label(k, v) for k, v in peers.items()) if peers else "—"
        table = Table(title=_("{firm} among its peers ({peers})").format(
            firm=result["firm_id"], peers=described))
        for header in (_("Metric"), _("Value"), _("Percentile rank"), _("Firms"),
                       _("Median"), _("Best practice")):
            table.add_column(header, justify="left" if header == _("Metric") else "right")
        for row in result["metrics"]:
            group = row["group"] or {}
            rank = (_label("x", row["percentile_rank"]) if row["status"] == "ranked"
                    else _("suppressed") if row["status"] == "suppressed" else "—")
            table.add_row(_metric_name(context, row["metric"]), _label("x", row["value"]),
                          rank, _label("n", group.get("n")), _label("x", group.get("median")),
                          _label("x", group.get("best")))
        console.print(table)
        if any(r["status"] == "suppressed" for r in result["metrics"]):
            console.print(_("suppressed: fewer than {size} peers have a value; no statistics "
                            "are shown.").format(size=result["min_group_size"]))

    @group.command("transitions", help=_("How firms moved between the levels of a ladder "
                                         "from one date to another, and the median months "
                                         "to climb each step."))
    def transitions(
        ctx: typer.Context,
        ladder: str = typer.Option(..., "--ladder", help=_("Ladder id, e.g. buyer_tiers.")),
        start: str = typer.Option(..., "--from", help=_("First date (YYYY-MM-DD).")),
        end: str = typer.Option(None, "--to", help=_("Second date (YYYY-MM-DD); default "
                                                     "today.")),
        by: str = _by_option(""),
        json_out: bool = json_option(),
        export: Path = _export_option(),
    ) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            result = service.transitions(session, context.catalog, ladder, parse_day(start),
                                         parse_day(end), by, context.settings.stale_after_days,
                                         context.settings.min_group_size)

        def render() -> None:
            lang = current_language()
            lad = context.catalog.ladder(result["ladder"])
            names = {lv.id: lv.name.get(lang) for lv in lad.levels}
            names |= {"below_first_level": _("Below the first level"),
                      "not_assessed": _("Not assessed")}
            rows = [{**r, "from": names[r["from"]], "to": names[r["to"]]}
                    for r in result["rows"]]
            title = f"{lad.name.get(lang)} · {result['from']} → {result['to']}"
            console.print(_table(title, rows, [*result["by"], "from", "to", "firms",
                                               "share"]))
            _footer(result)
            climbs = [{**r, "from": names[r["from"]], "to": names[r["to"]]}
                      for r in result["climb"]]
            console.print(_table(_("Months to climb each step"), climbs,
                                 ["from", "to", "n", "median_months"]))
            _footer(result, "climb_suppressed")

        _emit(result, json_out, export, render)

    @group.command("trend", help=_("A metric per peer group and quarter, with the change "
                                   "of the median: continuous improvement."))
    def trend(
        ctx: typer.Context,
        metric: str = typer.Option(..., "--metric", help=_("Metric id, e.g. "
                                                           "on_time_delivery_pct.")),
        by: str = _by_option("region"),
        on: str = on_option(),
        json_out: bool = json_option(),
        export: Path = _export_option(),
    ) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            result = service.metric_trend(session, context.catalog, metric, by,
                                          parse_day(on), context.settings.min_group_size)

        def render() -> None:
            title = f"{_metric_name(context, result['metric'])} ({result['unit']})"
            console.print(_table(title, result["rows"],
                                 [*result["by"], "period", "n", "median", "best", "change"]))
            _footer(result)

        _emit(result, json_out, export, render)
