"""``escalera firm show ID``: level per ladder, gap table, segments now and next."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from escalera.cli.common import app_context, console, print_json
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import LadderResult, RequirementResult, Status
from escalera.i18n import _, current_language
from escalera.services.firm_view import FirmView, show_firm


def register(app: typer.Typer) -> None:
    """Add the ``firm`` group to ``app``."""
    group = typer.Typer(help=_("Firms in the registry."), no_args_is_help=True)
    app.add_typer(group, name="firm")

    @group.command("show", help=_("A firm's level on each ladder, its gap to the next level, "
                                    "and its market segments."))
    def show(
        ctx: typer.Context,
        firm_id: str = typer.Argument(..., help=_("Public firm id, e.g. F-00R2-WZY4-6.")),
        on: str = typer.Option(None, "--on",
                               help=_("Evaluation date (YYYY-MM-DD); default today.")),
        json_out: bool = typer.Option(False, "--json", help=_("Print JSON.")),
    ) -> None:
        """A firm's level on each ladder, its gap to the next level, and its market segments."""
        context = app_context(ctx)
        day = parse_day(on)
        with context.transaction() as session:
            view = show_firm(session, context.catalog, firm_id, day,
                             context.settings.stale_after_days)
        if json_out:
            print_json(view_to_json(view, context.catalog))
        else:
            render(view, context.catalog)


def parse_day(text: str | None) -> dt.date:
    """A date typed on the command line, or today."""
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(_("expected a date as YYYY-MM-DD, got {value!r}")
                                 .format(value=text)) from None


def _item_label(catalog: Catalog, req: RequirementResult) -> tuple[str, str]:
    lang = current_language()
    if req.kind == "metric":
        metric = catalog.metric(req.item)
        return metric.name.get(lang), metric.unit_label(lang)
    return catalog.practice(req.item).name.get(lang), _("maturity 0-3")


def _requirement_json(catalog: Catalog, req: RequirementResult) -> dict[str, Any]:
    name, unit = _item_label(catalog, req)
    return {
        "kind": str(req.kind), "item": req.item, "name": name, "unit": unit,
        "direction": str(req.direction), "current": req.current, "required": req.required,
        "distance": req.distance, "status": str(req.status), "stale": req.stale,
        "observed_on": req.observed_on, "assessment_id": req.assessment_id,
    }


def _ladder_json(catalog: Catalog, result: LadderResult) -> dict[str, Any]:
    ladder = catalog.ladder(result.ladder)
    levels = {lv.id: lv for lv in ladder.levels}
    lang = current_language()
    return {
        "status": str(result.status),
        "level": result.attained,
        "level_name": levels[result.attained].name.get(lang) if result.attained else None,
        "next_level": result.next_level,
        "standard_versions": {lv.level: lv.standard_version for lv in result.levels},
        "gap": [_requirement_json(catalog, r) for r in result.gap],
    }


def view_to_json(view: FirmView, catalog: Catalog) -> dict[str, Any]:
    """The ``--json`` shape of ``firm show``."""
    ev = view.evaluation
    nxt = ev.next_segment
    return {
        "firm": view.firm.model_dump(mode="json"),
        "on": ev.on.isoformat(),
        "ladders": {r.ladder: _ladder_json(catalog, r) for r in ev.ladders},
        "segments": {
            "now": ev.reachable_segments,
            "next": None if nxt is None else {
                "segment": nxt.segment, "status": str(nxt.status),
                "checks": [c.model_dump(mode="json") for c in nxt.checks],
            },
        },
        "links": [link.model_dump(mode="json") for link in view.links],
    }


_STATUS_STYLE = {Status.MET: "green", Status.UNMET: "red", Status.NOT_ASSESSED: "yellow"}


def _status_text(status: Status) -> str:
    labels = {Status.MET: _("met"), Status.UNMET: _("unmet"),
              Status.NOT_ASSESSED: _("not assessed")}
    return f"[{_STATUS_STYLE[status]}]{labels[status]}[/]"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.4g}"


def render(view: FirmView, catalog: Catalog) -> None:
    """Rich rendering of a firm's evaluation."""
    lang = current_language()
    firm, ev = view.firm, view.evaluation
    console.print(f"[bold]{firm.name}[/bold]  {firm.id}  ·  {firm.municipality}, {firm.state}")
    console.print(_("Evaluated on {day}").format(day=ev.on.isoformat()))
    for result in ev.ladders:
        ladder = catalog.ladder(result.ladder)
        names = {lv.id: lv.name.get(lang) for lv in ladder.levels}
        level = names[result.attained] if result.attained else (
            _("below the first level") if result.status == "below_first_level"
            else _("not assessed"))
        console.print(f"\n[bold]{ladder.name.get(lang)}[/bold]: {level}")
        if result.next_level is None:
            console.print(_("Top of the ladder reached."))
            continue
        table = Table(title=_("Gap to {level}").format(level=names[result.next_level]))
        for header in (_("Requirement"), _("Current"), _("Required"), _("Distance"),
                       _("Status")):
            table.add_column(header)
        for req in result.gap:
            name, unit = _item_label(catalog, req)
            table.add_row(f"{name} ({unit})", _fmt(req.current), _fmt(req.required),
                          _fmt(req.distance), _status_text(req.status))
        console.print(table)
    seg_names = {s.id: s.name.get(lang) for s in catalog.segments}
    now = ", ".join(seg_names[s] for s in ev.reachable_segments) or _("none yet")
    reachable_label = _("Segments reachable now")
    console.print(f"\n[bold]{reachable_label}:[/bold] {now}")
    nxt = ev.next_segment
    if nxt is not None:
        conditions = {"level": _("level"), "capacity": _("capacity"),
                      "lead_time": _("lead time")}
        blockers = ", ".join(f"{conditions[c.condition]} ({_status_text(c.status)})"
                             for c in nxt.checks if c.status is not Status.MET)
        next_label = _("Next segment to target")
        console.print(f"[bold]{next_label}:[/bold] {seg_names[nxt.segment]} — {blockers}")
