"""``escalera program create|admit|record|list|evaluate|report|cases``: development programs
with admission and target standards, their records and follow-ups, their evaluation, and the
case seminar kit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from escalera.cli.common import app_context, console, json_option, parse_day
from escalera.cli.common import print_json as emit
from escalera.domain.programs import (
    Activity,
    ActivityKind,
    Program,
    ProgramError,
    ProgramType,
    parse_standard,
)
from escalera.errors import N_
from escalera.i18n import _
from escalera.presentation import number
from escalera.reports.program_report import (
    ACTIVITY_LABELS,
    FOLLOW_UP_LABELS,
    TYPE_LABELS,
    label,
    metric_name,
    shortfall_text,
)
from escalera.services import program_cases as cases_svc
from escalera.services import program_evaluation as evaluation_svc
from escalera.services import programs as svc
from escalera.store.programs import get_program


def _choice(value: str, kinds: type[ProgramType] | type[ActivityKind], field: str) -> Any:
    try:
        return kinds(value)
    except ValueError:
        raise ProgramError(N_("{field}: {value!r} is not one of {choices}"), field=field,
                           value=value, choices=", ".join(k.value for k in kinds)) from None


def _print_decisions(context: Any, program_id: str, admissions: list[Any],
                     ladder: str | None) -> None:
    for a in admissions:
        if a.admitted:
            console.print(_("{firm}: admitted on {on}").format(firm=a.firm_id,
                                                               on=a.on.isoformat()),
                          highlight=False)
        else:
            reasons = "; ".join(shortfall_text(context.catalog, s, ladder)
                                for s in a.shortfalls)
            console.print(_("{firm}: refused — {reasons}").format(firm=a.firm_id,
                                                                   reasons=reasons),
                          highlight=False)


def _print_evaluation(context: Any, data: dict[str, Any]) -> None:
    console.print(_("{program}: {admitted} admitted, {refused} refused; {controls} comparison "
                    "firms.").format(program=data["program"], admitted=data["admitted"],
                                     refused=data["refused"],
                                     controls=data["comparison"]["controls"]),
                  highlight=False)
    table = Table(_("Metric"), _("Effect"), _("95 % interval"), _("Participants"),
                  _("Comparison firms"), _("Minimum detectable effect"))
    for e in data["effects"]:
        table.add_row(metric_name(context.catalog, e["metric"]), f"{e['estimate']:+.2f}",
                      f"{e['ci_low']:.2f} … {e['ci_high']:.2f}", str(e["n_treated"]),
                      str(e["n_control"]), number(e.get("mde")))
    console.print(table)
    if data["funnel"][0]["pairs"]:
        console.print(" -> ".join(f"{label(ACTIVITY_LABELS, s['stage'])} {s['pairs']}"
                                  for s in data["funnel"]), highlight=False)
    if "target" in data:
        t = data["target"]
        console.print(_("Reached the target: {reached} of {n}.").format(
            reached=t["reached"], n=t["participants"]), highlight=False)
    for f in data["follow_ups"]:
        console.print(f"  {f['due_on']} {label(FOLLOW_UP_LABELS, f['status'])}: "
                      f"{f['firm_id']} {label(FOLLOW_UP_LABELS, f['kind'])} {f['buyer']}",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``program`` group to ``app``."""
    group = typer.Typer(help=_("Development programs: admission and target standards, "
                               "participants, activities, follow-ups and evaluation."),
                        no_args_is_help=True)
    app.add_typer(group, name="program")

    @group.command("create", help=_("Create a program with its admission and target "
                                    "standards."))
    def create(
        ctx: typer.Context,
        program_id: str = typer.Argument(..., help=_("The program's id, e.g. PRG-2026-01.")),
        name: str = typer.Option(..., "--name", help=_("The program's name.")),
        kind: str = typer.Option(..., "--type", help=_(
            "matchmaking_event, consultant_program, tutelage_partnership, credit_pilot, "
            "benchmarking_club or best_practice_visits.")),
        sponsor: str = typer.Option("", "--sponsor", help=_("Who funds or runs it.")),
        start: str = typer.Option(..., "--start", help=_("First day (YYYY-MM-DD).")),
        end: str = typer.Option(..., "--end", help=_("Last day (YYYY-MM-DD).")),
        target_date: str = typer.Option(..., "--target-date", help=_(
            "When participants should meet the target standard (YYYY-MM-DD).")),
        budget: float = typer.Option(0.0, "--budget", help=_("Budget.")),
        currency: str = typer.Option("MXN", "--currency", help=_("Currency of the budget.")),
        admission: str = typer.Option(None, "--admission", help=_(
            "Admission standard as LADDER:LEVEL, e.g. buyer_tiers:tier_3.")),
        admission_threshold: list[str] = typer.Option([], "--admission-threshold", help=_(
            "A custom admission threshold as ITEM=VALUE (repeatable).")),
        target: str = typer.Option(None, "--target", help=_(
            "Target standard as LADDER:LEVEL.")),
        target_threshold: list[str] = typer.Option([], "--target-threshold", help=_(
            "A custom target threshold as ITEM=VALUE (repeatable).")),
        entry_segment: str = typer.Option(None, "--entry-segment", help=_(
            "Market segment participants serve at entry.")),
        target_segment: str = typer.Option(None, "--target-segment", help=_(
            "Market segment the program aims at.")),
        description: str = typer.Option("", "--description", help=_("What it does.")),
    ) -> None:
        """Create a program."""
        context = app_context(ctx)
        program = Program(
            id=program_id.strip(), name=name, type=_choice(kind, ProgramType, "type"),
            sponsor=sponsor, starts_on=parse_day(start), ends_on=parse_day(end),
            target_date=parse_day(target_date), budget=budget, currency=currency,
            admission=parse_standard(admission, admission_threshold, "admission",
                                     context.catalog),
            target=parse_standard(target, target_threshold, "target", context.catalog),
            description=description, entry_segment=entry_segment,
            target_segment=target_segment)
        with context.transaction() as session:
            svc.create(session, context.catalog, program)
        console.print(_("Program {id} created: {type}.").format(
            id=program.id, type=label(TYPE_LABELS, program.type)), highlight=False)

    @group.command("admit", help=_("Judge firms against the admission standard on a date: "
                                   "admitted, or refused with the reasons."))
    def admit(
        ctx: typer.Context,
        program_id: str = typer.Argument(..., help=_("The program's id.")),
        firms: list[str] = typer.Argument(..., help=_("Public firm ids.")),
        on: str = typer.Option(None, "--on", help=_("Admission date (YYYY-MM-DD); default "
                                                     "today.")),
        json_out: bool = json_option(),
    ) -> None:
        """Admit firms."""
        context = app_context(ctx)
        with context.transaction() as session:
            decided = svc.admit(session, context.catalog, program_id, firms, parse_day(on),
                                context.settings.stale_after_days)
            ladder = get_program(session, program_id).admission.ladder
        if json_out:
            emit([{"firm_id": a.firm_id, "on": a.on.isoformat(), "admitted": a.admitted,
                   "level": a.level, "shortfalls": [s.as_dict() for s in a.shortfalls],
                   "reasons": [shortfall_text(context.catalog, s, ladder)
                               for s in a.shortfalls]} for a in decided])
        else:
            _print_decisions(context, program_id, decided, ladder)

    @group.command("record", help=_("Record an activity or a funnel stage: buyer_team_trip, "
                                    "return_visit, best_practice_visit, consultant_session, "
                                    "matchmaking_meeting, sample, quote, order, "
                                    "on_time_delivery, repeat_order, no_deal, "
                                    "credit_disbursement, credit_repayment."))
    def record(
        ctx: typer.Context,
        program_id: str = typer.Argument(..., help=_("The program's id.")),
        kind: str = typer.Argument(..., help=_("What happened.")),
        on: str = typer.Option(None, "--on", help=_("Date (YYYY-MM-DD); default today.")),
        firm: str = typer.Option(None, "--firm", help=_("The participating firm.")),
        buyer: str = typer.Option("", "--buyer", help=_("The buyer (funnel records).")),
        amount: float = typer.Option(None, "--amount", help=_("Amount (credit).")),
        units: int = typer.Option(None, "--units", help=_("Units (samples, orders).")),
        note: str = typer.Option("", "--note", help=_("A note.")),
    ) -> None:
        """Record an activity."""
        context = app_context(ctx)
        activity = Activity(kind=_choice(kind, ActivityKind, "kind"), on=parse_day(on),
                            firm_id=firm, buyer=buyer, amount=amount, units=units, note=note)
        with context.transaction() as session:
            svc.record(session, program_id, [activity])
        console.print(_("Recorded: {kind} on {on}.").format(
            kind=label(ACTIVITY_LABELS, activity.kind), on=activity.on.isoformat()),
            highlight=False)

    @group.command("list", help=_("Programs with their participants."))
    def list_(ctx: typer.Context, json_out: bool = json_option()) -> None:
        """List programs."""
        context = app_context(ctx)
        with context.transaction() as session:
            rows = svc.list_programs(session)
        if json_out:
            emit(rows)
            return
        table = Table(_("Program"), _("Name"), _("Type"), _("Dates"), _("Admitted"),
                      _("Refused"))
        for r in rows:
            table.add_row(r["id"], r["name"], label(TYPE_LABELS, r["type"]),
                          f"{r['starts_on']} – {r['ends_on']}", str(r["admitted"]),
                          str(r["refused"]))
        console.print(table)

    @group.command("evaluate", help=_("Evaluate a program: effects against a matched "
                                      "comparison group, minimum detectable effect, funnel, "
                                      "target reached, transitions, follow-ups due."))
    def evaluate(
        ctx: typer.Context,
        program_id: str = typer.Argument(..., help=_("The program's id.")),
        on: str = typer.Option(None, "--on", help=_("Evaluation date (YYYY-MM-DD); default "
                                                     "today.")),
        json_out: bool = json_option(),
    ) -> None:
        """Evaluate a program."""
        context = app_context(ctx)
        with context.transaction() as session:
            data = evaluation_svc.evaluate(session, context.catalog, program_id,
                                           parse_day(on),
                                           stale_after_days=context.settings.stale_after_days)
        if json_out:
            emit(data)
        else:
            _print_evaluation(context, data)

    @group.command("report", help=_("Write a program's evaluation report as HTML (or PDF with "
                                    "--format pdf); without an id, one report per program "
                                    "into the --out folder."))
    def report(
        ctx: typer.Context,
        program_id: str = typer.Argument(None, help=_("The program's id (default: every "
                                                       "program).")),
        out: Path = typer.Option(None, "--out", help=_("File to write (default <id>.html); "
                                                        "a folder when no id is given.")),
        on: str = typer.Option(None, "--on", help=_("Evaluation date (YYYY-MM-DD); default "
                                                     "today.")),
        fmt: str = typer.Option("html", "--format", help=_("html or pdf.")),
    ) -> None:
        """Write the evaluation report."""
        context = app_context(ctx)
        day = parse_day(on)
        ext = _format(fmt)
        with context.transaction() as session:
            ids = [program_id] if program_id else [p["id"] for p in svc.list_programs(session)]
            pages = {pid: evaluation_svc.report(
                session, context.catalog, pid, day,
                stale_after_days=context.settings.stale_after_days) for pid in ids}
        documents = {pid: _document(html, ext) for pid, html in pages.items()}
        folder = (out or Path(".")) if not program_id else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for pid, data in documents.items():
            target = (folder / f"{pid}.{ext}" if folder is not None
                      else out or Path(f"{pid}.{ext}"))
            target.write_bytes(data)
            console.print(_("Report written to {path}.").format(path=target), highlight=False)

    @group.command("cases", help=_(
        "Case seminar kit: pick one success and one failure among a program's participants "
        "by their trajectory (the rule is printed) and write a case document for each "
        "(<id>-success and <id>-failure, HTML or PDF, in the language of the run)."))
    def cases(
        ctx: typer.Context,
        program_id: str = typer.Argument(..., help=_("The program's id.")),
        on: str = typer.Option(None, "--on", help=_("Date of the picture (YYYY-MM-DD); "
                                                     "default today.")),
        firm: str = typer.Option(None, "--firm", help=_(
            "A participant to write up instead of the rule's pick (with --which).")),
        which: str = typer.Option(None, "--which", help=_(
            "success or failure: write only that case.")),
        fmt: str = typer.Option("html", "--format", help=_("html or pdf.")),
        out: Path = typer.Option(Path("."), "--out", help=_("Folder to write into.")),
        json_out: bool = json_option(),
    ) -> None:
        """Pick the cases and write their documents."""
        context = app_context(ctx)
        day, ext = parse_day(on), _format(fmt)
        if which is not None and which not in cases_svc.WHICH:
            raise ProgramError(N_("which: {value!r} is not one of {choices}"), value=which,
                               choices=", ".join(cases_svc.WHICH))
        if firm and which is None:
            raise ProgramError(N_("which: say whether --firm {firm} is the success or the "
                                  "failure case (--which success|failure)"), firm=firm)
        stale = context.settings.stale_after_days
        with context.transaction() as session:
            picks = cases_svc.pick_cases(session, context.catalog, program_id, day,
                                         stale_after_days=stale)
            if json_out:
                emit(picks)
                return
            wanted = [which] if which else [w for w in cases_svc.WHICH if picks[w]]
            pages = {w: cases_svc.case_document(session, context.catalog, program_id, w, day,
                                                stale_after_days=stale, firm_id=firm)
                     for w in wanted}
        documents = {w: _document(html, ext) for w, html in pages.items()}
        console.print(picks["rule"], highlight=False)
        for w in cases_svc.WHICH:
            title = _("Success") if w == "success" else _("Failure")
            if picks[w]:
                console.print(f"{title}: {picks[w]['firm_id']} {picks[w]['name']} — "
                              f"{picks[w]['why']}", highlight=False)
            else:
                console.print(_("{case}: none — {reason}").format(
                    case=title, reason=picks["none_reason"][w]), highlight=False)
        if documents:
            out.mkdir(parents=True, exist_ok=True)
        for w, data in documents.items():
            target = out / f"{program_id}-{w}.{ext}"
            target.write_bytes(data)
            console.print(_("Case document written to {path}.").format(path=target),
                          highlight=False)


def _format(value: str) -> str:
    """``--format``: html or pdf."""
    if value not in ("html", "pdf"):
        raise ProgramError(N_("format: {value!r} is not one of html, pdf"), value=value)
    return value


def _document(html: str, ext: str) -> bytes:
    """A page as the bytes of the file asked for."""
    from escalera.reports.render import html_to_pdf

    return html_to_pdf(html) if ext == "pdf" else html.encode("utf-8")
