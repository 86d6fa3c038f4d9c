"""``escalera demo``: seed a believable garment network and show its level distribution."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from escalera.cli.common import (
    app_context,
    console,
    err_console,
    json_option,
    parse_day,
    print_json,
)
from escalera.cli.serve_cmd import serve
from escalera.demo.accounts import seed_accounts
from escalera.demo.generator import generate_network
from escalera.demo.inspections import seed_inspections
from escalera.demo.orders import seed_orders
from escalera.demo.programs import seed_programs
from escalera.demo.workflow import seed_workflow
from escalera.demo.writer import WriteSummary, write_parquet
from escalera.domain.catalog_model import Catalog
from escalera.errors import EscaleraError
from escalera.i18n import _, current_language
from escalera.services.certificates import certificate_counts
from escalera.services.demo import RegistryNotEmpty, seed_demo
from escalera.services.ladder_stats import ladder_stats
from escalera.web.templating import role_name


class DemoRefused(EscaleraError):
    """The demo was asked to seed a production installation."""


DEFAULT_FIRMS = 2000
DEFAULT_SEED = 42


class RichProgress:
    """One progress bar per table, on stderr so ``--json`` output stays clean."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, Any] = {}

    def start(self, table: str, total: int) -> None:
        """Add a bar for ``table``."""
        labels = {"firms": _("Firms"), "links": _("Links"), "assessments": _("Assessments"),
                  "observations": _("Observations")}
        self._tasks[table] = self._progress.add_task(labels.get(table, table), total=total)

    def advance(self, table: str, rows: int) -> None:
        """Move the bar of ``table``."""
        self._progress.advance(self._tasks[table], rows)


def _progress_bar() -> Progress:
    return Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True)


def _summary_line(summary: WriteSummary, seconds: float) -> str:
    return _("{firms} firms, {links} links, {assessments} assessments, {observations} "
             "observations in {seconds:.1f} s.").format(seconds=seconds, **summary.as_dict())


def _render_stats(stats: dict[str, Any], catalog: Catalog) -> None:
    lang = current_language()
    firms = stats["firms"]
    console.print(_("{producers} producers on the ladders; {others} buyers, agencies and "
                    "consultants are not rated.").format(
                        producers=firms, others=stats["excluded_non_producers"]))
    for ladder in catalog.ladders:
        counts = stats["ladders"][ladder.id]
        console.print(f"[bold]{ladder.name.get(lang)}[/bold]", highlight=False)
        table = Table()
        table.add_column(_("Level"))
        table.add_column(_("Firms"), justify="right")
        table.add_column("%", justify="right")
        rows: list[tuple[str, int]] = [
            (_("Not assessed"), counts["not_assessed"]),
            (_("Below the first level"), counts["below_first_level"]),
        ] + [(level.name.get(lang), counts["levels"][level.id]) for level in ladder.levels]
        for label, count in rows:
            share = 100.0 * count / firms if firms else 0.0
            table.add_row(label, f"{count:,}", f"{share:.1f}")
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo", help=_("Seed a synthetic but believable network of Mexican garment "
                                 "producers."))
    def demo(
        ctx: typer.Context,
        firms: int = typer.Option(DEFAULT_FIRMS, "--firms", min=50, max=5_000_000,
                                  help=_("How many firms to generate.")),
        seed: int = typer.Option(DEFAULT_SEED, "--seed", min=0,
                                 help=_("Random seed: the same seed gives the same network.")),
        on: str = typer.Option(None, "--on", help=_("Reference date (YYYY-MM-DD): assessments "
                                 "cover the three years up to it; default today.")),
        no_serve: bool = typer.Option(False, "--no-serve", help=_("Seed and exit.")),
        parquet: Path | None = typer.Option(None, "--parquet", help=_("Write Parquet files "
                                              "(firms, links, assessments, observations) to "
                                              "this folder instead of the database.")),
        reset: bool = typer.Option(False, "--reset", help=_("Delete the firms already in the "
                                     "database (and their links and assessments) first.")),
        host: str = typer.Option("127.0.0.1", "--host", help=_("Address to serve on.")),
        port: int = typer.Option(8000, "--port", min=1, max=65535,
                                 help=_("Port to serve on.")),
        json_out: bool = json_option(),
    ) -> None:
        """Seed a synthetic but believable network of Mexican garment producers."""
        context = app_context(ctx)
        if context.settings.env == "production":  # before anything is read or written
            raise DemoRefused(_("escalera demo seeds invented firms and demo accounts with "
                                "known passwords; it refuses to run with "
                                "ESCALERA_ENV=production (use a development database)"))
        reference = parse_day(on)
        started = time.perf_counter()
        result: dict[str, Any] = {"firms_requested": firms, "seed": seed,
                                  "reference_date": reference.isoformat()}
        with _progress_bar() as bar:
            progress = RichProgress(bar)
            if parquet is not None:
                network = generate_network(firms, seed, reference)
                summary = write_parquet(network, parquet, progress)
                result["parquet"] = str(parquet)
            else:
                try:
                    with context.transaction() as session:
                        summary = seed_demo(session, firms=firms, seed=seed,
                                            reference_date=reference, reset=reset,
                                            progress=progress)
                        flow = seed_workflow(session, context.catalog, seed=seed,
                                             reference_date=reference, firms=firms,
                                             window_days=context.settings.dispute_window_days)
                        inspected = seed_inspections(session, seed=seed,
                                                     reference_date=reference, firms=firms)
                        matched = seed_orders(session, context.catalog,
                                              reference_date=reference)
                        result["accounts"] = seed_accounts(session)
                        result["programs"] = seed_programs(
                            session, context.catalog, seed=seed, reference_date=reference,
                            stale_after_days=context.settings.stale_after_days)
                    result["workflow"] = flow.as_dict()
                    result["inspections"] = inspected.as_dict()
                    result["matchmaking"] = matched
                except RegistryNotEmpty as exc:
                    if no_serve:
                        raise EscaleraError(
                            _("the database already has {firms} firms; run again with "
                              "--reset to replace them.").format(firms=exc.firms)) from None
                    # Already seeded: serve what is there.
                    console.print(_("The database already has {firms} firms: serving them "
                                    "(--reset seeds a new demo).").format(firms=exc.firms))
                    bar.stop()
                    serve(ctx, host, port)
                    return
                url = context.engine.url.render_as_string(hide_password=True)
                result["database"] = url
        seconds = time.perf_counter() - started
        result.update(written=summary.as_dict(), seconds=round(seconds, 2))
        stats: dict[str, Any] | None = None
        if parquet is None:
            with context.transaction() as session:
                stats = ladder_stats(session, context.catalog, reference,
                                     context.settings.stale_after_days)
                certificates = certificate_counts(session, context.catalog, reference,
                                                  context.settings.stale_after_days)
            result["certificates"] = {
                "valid": int(certificates["valid"].sum()),
                "expired": int(certificates["expired"].sum())}
            result["ladders"] = stats["ladders"]
            result["producers"] = stats["firms"]
            result["excluded_non_producers"] = stats["excluded_non_producers"]
        serving = parquet is None and not no_serve
        if json_out:
            if serving:
                result["serve"] = f"http://{host}:{port}/"
            print_json(result)
            if serving:
                serve(ctx, host, port)
            return
        if parquet is not None:
            console.print(_("Parquet files written to {path}.").format(path=parquet))
        else:
            console.print(_("Demo network seeded into {url} (seed {seed}, reference date "
                            "{on}).").format(url=result["database"], seed=seed,
                                             on=reference.isoformat()))
        if stats is not None:
            _render_stats(stats, context.catalog)
        console.print(_summary_line(summary, seconds))
        if "certificates" in result:
            console.print(_("Level certificates: {valid} valid, {expired} expired.").format(
                **result["certificates"]))
        if "workflow" in result:
            console.print(_("Assessment workflow: {disputes_open} open disputes, "
                            "{disputes_upheld} upheld and corrected, {disputes_rejected} "
                            "rejected; {in_progress} visits in progress; {screenings} "
                            "screenings.").format(**result["workflow"]))
        if "inspections" in result:
            shown = result["inspections"]
            ends = shown["by_severity"]
            console.print(_("Lot inspections: {lots} lots of {streams} producers, {not_accepted} "
                            "not accepted; now {tightened} on tightened, {reduced} on reduced "
                            "and {discontinued} discontinued inspection.").format(
                lots=shown["lots"], streams=shown["streams"],
                not_accepted=shown["not_accepted"], tightened=ends.get("tightened", 0),
                reduced=ends.get("reduced", 0), discontinued=ends.get("discontinued", 0)))
        if "matchmaking" in result:
            console.print(_("Matchmaking: {orders} buyers' orders, run {run} places {filled} of "
                            "{quantity} units; {unfilled_orders} orders are explained "
                            "(escalera match show {run}).").format(**result["matchmaking"]))
        if "programs" in result:
            console.print(_("Development programs: {programs}, {admitted} participants admitted "
                            "and {refused} refused (escalera program list).").format(
                                **result["programs"]))
            console.print(_("The consultant program added a furniture cluster of {n} firms "
                            "in Ciudad Hidalgo, Michoacán, to the registry.").format(
                                n=result["programs"]["furniture_firms"]))
        if "accounts" in result:
            console.print(_("Demo accounts (development only): {accounts}").format(
                accounts=", ".join(f"{a['username']} / {a['password']} ({role_name(a['role'])})"
                                   for a in result["accounts"])), highlight=False)
        if serving:
            serve(ctx, host, port)
