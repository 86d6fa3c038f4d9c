"""``escalera inspect record|stream|resume|approve-reduced|schedule|defects``: lot
inspections by attribute sampling (ISO 2859-1:1999), switching rules per producer stream,
and the random inspection schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import typer
from rich.table import Table

from escalera.cli.common import app_context, console, firm_id_argument, json_option, parse_day
from escalera.cli.common import print_json as emit
from escalera.domain.defects import CLASS_LABELS, DEFECTS, DefectClass, defect, defect_class
from escalera.domain.inspections import DEFAULT_AQLS, count_defects
from escalera.domain.products import product_label
from escalera.domain.sampling import Basis, SamplingError, Severity, normalize_basis
from escalera.domain.switching import SEVERITY_LABELS
from escalera.errors import N_
from escalera.i18n import _, current_language
from escalera.presentation import number
from escalera.services import inspections as svc


def _pairs(items: list[str], what: str) -> list[tuple[str, str]]:
    found = []
    for text in items:
        key, sep, value = text.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise SamplingError(N_("{text!r}: expected {what}"), text=text, what=what)
        found.append((key.strip(), value.strip()))
    return found


def parse_aqls(items: list[str]) -> dict[DefectClass, str]:
    """``class=AQL`` pairs over the defaults (critical 0, major 2.5, minor 4.0); ``class=-``
    leaves a class out."""
    aqls = dict(DEFAULT_AQLS)
    for key, value in _pairs(items, "class=AQL"):
        cls = defect_class(key)
        if value in {"-", "none", "ninguno"}:
            aqls.pop(cls, None)
        else:
            aqls[cls] = value
    return aqls


def parse_defects(items: list[str]) -> tuple[Any, ...]:
    """``code=count`` or ``code:class=count`` pairs -> catalog counts."""
    counts: dict[str, int] = {}
    classes: dict[str, str] = {}
    for key, value in _pairs(items, "defect=count"):
        code, _sep, cls = key.partition(":")
        entry = defect(code)
        if not value.isdigit():
            raise SamplingError(N_("defect {code}: the count must be a whole number of at "
                                   "least 0, got {count}"), code=entry.code, count=value)
        counts[entry.code] = counts.get(entry.code, 0) + int(value)
        if cls:
            classes[entry.code] = cls
    return count_defects(counts, classes)


def _severity(value: str) -> str:
    return _(SEVERITY_LABELS[Severity(value)])


def _print_recorded(rec: svc.Recorded) -> None:
    j = rec.judgement
    verdict = _("ACCEPTED") if j.accepted else _("NOT ACCEPTED")
    console.print(_("{id}: lot {lot} of {product} at {firm}, {on} ({severity}): {verdict}")
                  .format(id=rec.id, lot=rec.lot_ref,
                          product=product_label(rec.product, current_language()),
                          firm=rec.firm_id, on=rec.inspected_on.isoformat(),
                          severity=_severity(str(j.severity)), verdict=verdict),
                  highlight=False)
    table = Table(_("Class"), _("AQL"), _("Letter"), _("Sample"), _("Ac"), _("Re"),
                  _("Found"), _("Decision"))
    for c in j.classes:
        table.add_row(_(CLASS_LABELS[c.defect_class]),
                      c.aql if c.plan else _("0 (zero tolerance)"),
                      c.plan.code_letter if c.plan else "", str(c.sample_size), str(c.ac),
                      str(c.re), str(c.found),
                      _("accept") if str(c.decision) == "accept" else _("reject"))
    console.print(table)
    if j.full_inspection:
        console.print(_("The sample is as large as the lot: inspect all {n} units.")
                      .format(n=rec.lot_size), highlight=False)
    if rec.transition is not None:
        console.print(_("Switching: {before} -> {after}, because {reason}.").format(
            before=_severity(str(rec.transition.from_severity)),
            after=_severity(str(rec.transition.to_severity)), reason=str(rec.transition.reason)),
            highlight=False)
    else:
        console.print(_("Next lot: {severity}.").format(
            severity=_severity(str(rec.severity_after))), highlight=False)
    shown = ", ".join(f"{k} = {number(v)}" for k, v in sorted(rec.metrics.items()))
    console.print(_("Quality metrics of the last 12 months ({assessment}): {metrics}")
                  .format(assessment=rec.assessment_id, metrics=shown), highlight=False)


def _print_stream(view: svc.StreamView) -> None:
    console.print(_("{firm} · {product}: {severity}, switching score {score}")
                  .format(firm=view.firm_id,
                          product=product_label(view.product, current_language()),
                          severity=_severity(str(view.severity)), score=view.score),
                  highlight=False)
    if view.reduced_approved:
        console.print(_("  Reduced inspection approved by the responsible authority."))
    for move in view.transitions:
        console.print(f"  {move['on']}: {_severity(str(move['from']))} -> "
                      f"{_severity(str(move['to']))} — {move['reason']}", highlight=False)
    if view.recent_lots:
        table = Table(_("Inspection"), _("Lot"), _("Date"), _("Severity"), _("Sample"),
                      _("Found"), _("Decision"))
        for lot in view.recent_lots:
            table.add_row(str(lot["id"]), str(lot["lot"]), str(lot["on"]),
                          _severity(str(lot["severity"])), str(lot["sample_size"]),
                          str(lot["defects_found"]),
                          _("accept") if lot["decision"] == "accept" else _("reject"))
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``inspect`` group to ``app``."""
    group = typer.Typer(help=_("Lot inspections by attribute sampling (ISO 2859-1:1999), "
                               "switching rules per producer and product, and the random "
                               "inspection schedule."), no_args_is_help=True)
    app.add_typer(group, name="inspect")
    product_help = _("Product of the lot (e.g. jeans, shirts, uniforms).")

    @group.command("record", help=_("Record a lot's inspection: the plan for each defect "
                                    "class at the stream's current severity, the defects "
                                    "found, the decision, the switching rules and the "
                                    "quality metrics it updates."))
    def record(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        product: str = typer.Option(..., "--product", help=product_help),
        lot: str = typer.Option(..., "--lot", help=_("The lot's reference.")),
        lot_size: int = typer.Option(..., "--lot-size", help=_("Number of units in the lot.")),
        level: str = typer.Option("II", "--level", help=_("Inspection level: S-1, S-2, S-3, "
                                                          "S-4, I, II or III.")),
        aql: list[str] = typer.Option([], "--aql", help=_(
            "AQL of a defect class as class=AQL (repeatable); defaults critical=0 (zero "
            "tolerance), major=2.5, minor=4.0; class=- leaves a class out.")),
        defects: list[str] = typer.Option([], "--defect", help=_(
            "Defects found as code=count or code:class=count (repeatable); see `escalera "
            "inspect defects`.")),
        basis: str = typer.Option("units", "--basis", help=_(
            "What the counts are: units (nonconforming units, each in its most serious "
            "class) or nonconformities (per hundred units).")),
        order: str = typer.Option("", "--order", help=_("The buyer's order, when known.")),
        inspector: str = typer.Option("", "--inspector", help=_("Who inspected the lot.")),
        on: str = typer.Option(None, "--on", help=_("Inspection date (YYYY-MM-DD); default "
                                                     "today.")),
        resubmitted: bool = typer.Option(False, "--resubmitted", help=_(
            "The lot was resubmitted after rejection (does not count for switching).")),
        irregular: bool = typer.Option(False, "--irregular", help=_(
            "Production is irregular or delayed (ends reduced inspection).")),
        normal_warranted: bool = typer.Option(False, "--normal-warranted", help=_(
            "The responsible authority judges that normal inspection is warranted.")),
        json_out: bool = json_option(),
    ) -> None:
        """Record a lot's inspection."""
        context = app_context(ctx)
        how: Basis = normalize_basis(basis)
        lot_input = svc.LotInput(
            firm_id=firm_id, product=product, lot_ref=lot, lot_size=lot_size, level=level,
            aqls=parse_aqls(aql), defects=parse_defects(defects), inspected_on=parse_day(on),
            inspector=inspector, order_ref=order, basis=how, resubmitted=resubmitted,
            steady_production=not irregular, normal_warranted=normal_warranted)
        with context.transaction() as session:
            recorded = svc.record(session, lot_input)
        if json_out:
            emit(recorded.as_dict())
        else:
            _print_recorded(recorded)

    @group.command("stream", help=_("Where a producer's streams stand: severity, switching "
                                    "score, transitions with their reasons, latest lots."))
    def stream(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        product: str = typer.Option(None, "--product", help=product_help),
        lots: int = typer.Option(10, "--lots", min=0, help=_("How many recent lots to show.")),
        json_out: bool = json_option(),
    ) -> None:
        """A producer's inspection streams."""
        context = app_context(ctx)
        with context.transaction() as session:
            views = svc.streams(session, firm_id, product, lots)
        if json_out:
            emit([v.as_dict() for v in views])
            return
        if not views:
            console.print(_("No inspections recorded for this producer yet."))
        for view in views:
            _print_stream(view)

    @group.command("resume", help=_("Resume a discontinued stream on tightened inspection "
                                    "after corrective action."))
    def resume(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        product: str = typer.Option(..., "--product", help=product_help),
        action: str = typer.Option(..., "--action", help=_("The corrective action taken.")),
        on: str = typer.Option(None, "--on", help=_("Date of the decision (YYYY-MM-DD); "
                                                     "default today.")),
        json_out: bool = json_option(),
    ) -> None:
        """Resume a discontinued stream."""
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.resume(session, firm_id, product, action, parse_day(on))
        emit(view.as_dict()) if json_out else _print_stream(view)

    @group.command("approve-reduced", help=_(
        "Record the responsible authority's approval of reduced inspection for a stream (it "
        "starts when the switching score reaches 30), or withdraw it."))
    def approve_reduced(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        product: str = typer.Option(..., "--product", help=product_help),
        withdraw: bool = typer.Option(False, "--withdraw", help=_("Withdraw the approval.")),
        json_out: bool = json_option(),
    ) -> None:
        """Approve (or withdraw approval of) reduced inspection."""
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.approve_reduced(session, firm_id, product, not withdraw)
        emit(view.as_dict()) if json_out else _print_stream(view)

    @group.command("schedule", help=_(
        "Which producers and products to inspect next: a weighted random draw that leans on "
        "tightened inspection, recent lots not accepted and time since the last visit; the "
        "same seed gives the same list."))
    def schedule(
        ctx: typer.Context,
        count: int = typer.Option(10, "--count", help=_("How many inspections to plan.")),
        seed: int = typer.Option(None, "--seed", help=_(
            "Seed of the draw; default the date's day number, so a day's list repeats.")),
        on: str = typer.Option(None, "--on", help=_("Date of the plan (YYYY-MM-DD); default "
                                                     "today.")),
        region: str = typer.Option(None, "--region", help=_("Only producers of this state.")),
        product: str = typer.Option(None, "--product", help=product_help),
        json_out: bool = json_option(),
    ) -> None:
        """The random inspection schedule."""
        context = app_context(ctx)
        day = parse_day(on)
        used = day.toordinal() if seed is None else seed
        with context.transaction() as session:
            picked = svc.schedule(session, on=day, count=count, seed=used, region=region,
                                  product=product)
            waiting = svc.discontinued(session)
        if json_out:
            emit({"on": day.isoformat(), "seed": used, "count": count,
                  "picks": _rows(picked), "discontinued": _rows(waiting)})
            return
        _print_schedule(picked, waiting, day, used)

    @group.command("defects", help=_("The garment defect catalog and the class each defect "
                                     "is counted in by default."))
    def defects_cmd(json_out: bool = json_option()) -> None:
        """The defect catalog."""
        if json_out:
            emit([{"code": d.code, "label": _(d.label), "class": str(d.default_class)}
                  for d in DEFECTS])
            return
        table = Table(_("Code"), _("Defect"), _("Class"))
        for d in DEFECTS:
            table.add_row(d.code, _(d.label), _(CLASS_LABELS[d.default_class]))
        console.print(table)


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
            for row in frame.to_dicts()]


def _print_schedule(picked: pl.DataFrame, waiting: pl.DataFrame, day: dt.date,
                    seed: int) -> None:
    console.print(_("Inspections to make from {on} (seed {seed}):").format(
        on=day.isoformat(), seed=seed), highlight=False)
    table = Table("#", _("Firm"), _("Name"), _("State"), _("Product"), _("Severity"),
                  _("Not accepted (180 days)"), _("Last inspection"), _("Weight"))
    for index, row in enumerate(picked.iter_rows(named=True), start=1):
        last = row["last_inspected"]
        table.add_row(str(index), row["firm_id"], row["name"], row["state"],
                      product_label(row["product"], current_language()),
                      _severity(row["severity"]), str(row["recent_not_accepted"]),
                      last.isoformat() if last else _("never"), number(row["weight"]))
    console.print(table)
    if waiting.height:
        console.print(_("Discontinued, waiting for corrective action: {streams}").format(
            streams=", ".join(f"{r['firm_id']} ({r['product']})"
                              for r in waiting.iter_rows(named=True))), highlight=False)
