"""``escalera match gap``: the allocation solver on generalised assignment problems.

The ``match`` group is where matchmaking lives: ``gap`` runs the solver core on files in the
OR-Library format, the classic benchmark for allocating whole jobs to agents with capacity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from escalera.cli.common import console, err_console, json_option, print_json
from escalera.i18n import _
from escalera.solve.gap import GapResult, solve_gap
from escalera.solve.orlib import GapFormatError, read_gap


def _number(value: float | None) -> float | int | None:
    """Whole values as integers (OR-Library optima are whole), others as they are."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def problem_row(number: int, m: int, n: int, result: GapResult) -> dict[str, Any]:
    """One problem's JSON object; the first six keys are the benchmark's contract."""
    return {"problem": number, "objective": _number(result.objective),
            "bound": _number(result.bound), "seconds": round(result.seconds, 3),
            "gap": None if result.gap is None else round(result.gap, 8),
            "status": result.status.value, "m": m, "n": n,
            "greedy_objective": _number(result.greedy_objective),
            "greedy_seconds": round(result.greedy_seconds, 3)}


def _status_word(status: str) -> str:
    return {"optimal": _("optimal"), "time_limit": _("time limit reached"),
            "infeasible": _("infeasible"), "no_solution": _("no solution found")}.get(status,
                                                                                   status)


def _show(value: object) -> str:
    return "-" if value is None else str(value)


def _table(rows: list[dict[str, Any]], maximize: bool) -> Table:
    table = Table(title=_("Generalised assignment: maximise profit") if maximize
                  else _("Generalised assignment: minimise cost"), pad_edge=False)
    for header in ("#", "m", "n"):  # agents and jobs, as the GAP literature writes them
        table.add_column(header, justify="right")
    table.add_column(_("Status"), no_wrap=True)
    for header in (_("Objective"), _("Bound"), _("Gap"), "s", _("Greedy")):
        table.add_column(header, justify="right")
    for row in rows:
        gap = "-" if row["gap"] is None else f"{100 * row['gap']:.2f}%"
        table.add_row(str(row["problem"]), str(row["m"]), str(row["n"]),
                      _status_word(row["status"]), _show(row["objective"]),
                      _show(row["bound"]), gap, f"{row['seconds']:.2f}",
                      _show(row["greedy_objective"]))
    return table


def register(app: typer.Typer) -> typer.Typer:
    """Add the ``match`` group to ``app``; returns it (``orders_cmd`` adds run/show/accept)."""
    group = typer.Typer(help=_("Matchmaking: allocate work to producers with capacity, and "
                               "the solver's benchmark."), no_args_is_help=True)
    app.add_typer(group, name="match")

    @group.command("gap", help=_("Solve generalised assignment problems from a file in the "
                                 "OR-Library format: objective, proven bound and optimality "
                                 "gap for each problem."))
    def gap_cmd(
        file: Path = typer.Argument(..., help=_("OR-Library GAP file: the number of problems, "
                                                "then for each m n, costs, resources and "
                                                "capacities.")),
        time_limit: float = typer.Option(60.0, "--time-limit", min=0.01,
                                         help=_("Time limit per problem, in seconds.")),
        maximize: bool = typer.Option(False, "--maximize",
                                      help=_("Read the matrix as profits and maximise.")),
        json_out: bool = json_option(),
    ) -> None:
        """Solve every problem of an OR-Library GAP file."""
        try:
            problems = read_gap(file)
        except GapFormatError as exc:  # a bad file is a usage error: one line, exit 2
            err_console.print(f"[red]{_('Error')}:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        rows = []
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err_console, transient=True,
                      disable=json_out or not err_console.is_terminal) as bar:
            task = bar.add_task(_("Problems"), total=len(problems))
            for number, instance in enumerate(problems, start=1):
                result = solve_gap(instance, time_limit=time_limit, maximize=maximize)
                rows.append(problem_row(number, instance.m, instance.n, result))
                bar.advance(task)
        if json_out:
            print_json(rows)
            return
        console.print(_table(rows, maximize))

    return group
