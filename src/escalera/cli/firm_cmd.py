"""``escalera firm show|certificates|visits ID``: level per ladder, gap table, segments now and
next, certificates (constancias de nivel) and learning visits (visitas de aprendizaje)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from escalera.cli.common import (
    app_context,
    console,
    firm_id_argument,
    json_option,
    on_option,
    parse_day,
    print_json,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import Certificate, CertificateStatus, LadderCertification
from escalera.domain.evaluation import LadderResult, RequirementResult, Status
from escalera.domain.firms import Firm
from escalera.domain.products import product_label
from escalera.domain.visits import DEFAULT_VISIT_LIMIT, GapCovered, VisitGap, VisitRecommendation
from escalera.i18n import _, current_language
from escalera.presentation import item_label, number, status_label, visit_reason
from escalera.services.certificates import firm_certificates
from escalera.services.firm_view import FirmView, show_firm
from escalera.services.visits import VisitPlan, recommend_visits
from escalera.store.firms import get_firm


def register(app: typer.Typer) -> None:
    """Add the ``firm`` group to ``app``."""
    group = typer.Typer(help=_("Firms in the registry."), no_args_is_help=True)
    app.add_typer(group, name="firm")

    @group.command("show", help=_("A firm's level on each ladder, its gap to the next level, "
                                    "and its market segments."))
    def show(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        on: str = on_option(),
        json_out: bool = json_option(),
    ) -> None:
        """A firm's level, gap, segments, certificates and learning visits."""
        context = app_context(ctx)
        day = parse_day(on)
        with context.transaction() as session:
            view = show_firm(session, context.catalog, firm_id, day,
                             context.settings.stale_after_days)
        if json_out:
            print_json(view_to_json(view, context.catalog))
        else:
            render(view, context.catalog)

    @group.command("certificates", help=_("A firm's level certificates (constancias de nivel) "
                                            "on each ladder: issued, valid until, valid or "
                                            "expired."))
    def certificates(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        on: str = on_option(),
        json_out: bool = json_option(),
    ) -> None:
        """A firm's level certificates on each ladder."""
        context = app_context(ctx)
        day = parse_day(on)
        with context.transaction() as session:
            firm = get_firm(session, firm_id)
            ladders = firm_certificates(session, context.catalog, firm.id, day,
                                        context.settings.stale_after_days)
        if json_out:
            print_json({"firm_id": firm.id, "on": day.isoformat(),
                        "certificates": certificates_json(ladders, context.catalog)})
            return
        _firm_header(firm)
        console.print(_("Evaluated on {day}").format(day=day.isoformat()))
        for certification in ladders:
            ladder = context.catalog.ladder(certification.ladder)
            console.print(f"\n[bold]{ladder.name.get(current_language())}[/bold]")
            render_certificates(certification, context.catalog)

    @group.command("visits", help=_("Learning visits: host firms that meet the firm's largest "
                                      "gaps with margin, make the same products and are "
                                      "nearest."))
    def visits(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        on: str = on_option(),
        limit: int = typer.Option(DEFAULT_VISIT_LIMIT, "--limit", min=1, max=20,
                                  help=_("At most this many host firms.")),
        json_out: bool = json_option(),
    ) -> None:
        """Learning visits recommended to a firm."""
        context = app_context(ctx)
        day = parse_day(on)
        with context.transaction() as session:
            firm = get_firm(session, firm_id)
            plan = recommend_visits(session, context.catalog, firm.id, day,
                                    context.settings.stale_after_days, limit)
        if json_out:
            print_json(visit_plan_json(plan, context.catalog))
            return
        _firm_header(firm)
        console.print(_("Evaluated on {day}").format(day=day.isoformat()))
        render_visits(plan, context.catalog)


def _item_label(catalog: Catalog, req: RequirementResult) -> tuple[str, str]:
    return item_label(catalog, req.kind, req.item)


def _gap_label(catalog: Catalog, gap: VisitGap) -> tuple[str, str]:
    return item_label(catalog, gap.kind, gap.item)


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


def _level_name(catalog: Catalog, ladder_id: str, level_id: str | None) -> str | None:
    if level_id is None:
        return None
    ladder = catalog.ladder(ladder_id)
    return ladder.levels[ladder.level_index(level_id)].name.get(current_language())


def _certificate_json(catalog: Catalog, cert: Certificate, on: dt.date) -> dict[str, Any]:
    return {
        "level": cert.level, "level_name": _level_name(catalog, cert.ladder, cert.level),
        "status": str(cert.status_on(on)), "issued_on": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat(), "months": cert.months,
        "assessment_id": cert.assessment_id, "standard_version": cert.standard_version,
        "earnings": [e.model_dump(mode="json") for e in cert.earnings],
    }


def certificates_json(ladders: tuple[LadderCertification, ...],
                      catalog: Catalog) -> dict[str, Any]:
    """Per ladder: certified level, expired levels and every certificate with its status."""
    return {c.ladder: {
        "certified_level": c.certified_level,
        "certified_level_name": _level_name(catalog, c.ladder, c.certified_level),
        "expired_levels": list(c.expired_levels),
        "certificates": [_certificate_json(catalog, cert, c.on) for cert in c.certificates],
    } for c in ladders}


def _gap_json(catalog: Catalog, gap: VisitGap) -> dict[str, Any]:
    name, unit = _gap_label(catalog, gap)
    return {"ladder": gap.ladder, "level": gap.level, "kind": str(gap.kind), "item": gap.item,
            "name": name, "unit": unit, "direction": str(gap.direction),
            "required": gap.required, "current": gap.current, "shortfall": gap.shortfall,
            "host_needs": gap.host_needs}


def _covered_json(catalog: Catalog, covered: GapCovered) -> dict[str, Any]:
    return {**_gap_json(catalog, covered.gap), "host_value": covered.host_value,
            "observed_on": covered.observed_on.isoformat(),
            "assessment_id": covered.assessment_id}


def visits_json(visits: tuple[VisitRecommendation, ...], catalog: Catalog) -> list[Any]:
    """Recommended hosts, each with the gap that chose it and every gap it covers."""
    lang = current_language()
    return [{
        "rank": v.rank, "host_id": v.host_id, "host_name": v.host_name, "state": v.state,
        "municipality": v.municipality, "distance_km": v.distance_km,
        "shared_products": list(v.shared_products),
        "shared_product_names": [product_label(p, lang) for p in v.shared_products],
        "chosen_for": _covered_json(catalog, v.chosen_for),
        "covers": [_covered_json(catalog, c) for c in v.covers],
    } for v in visits]


def visit_plan_json(plan: VisitPlan, catalog: Catalog) -> dict[str, Any]:
    """The ``--json`` shape of ``firm visits``: the gaps considered and the hosts."""
    return {"firm_id": plan.firm_id, "on": plan.on.isoformat(),
            "gaps": [_gap_json(catalog, g) for g in plan.gaps],
            "visits": visits_json(plan.visits, catalog)}


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
        "certificates": certificates_json(view.certificates, catalog),
        "visits": [] if view.visits is None else visits_json(view.visits.visits, catalog),
    }


_STATUS_STYLE = {Status.MET: "green", Status.UNMET: "red", Status.NOT_ASSESSED: "yellow"}


def _status_text(status: Status) -> str:
    return f"[{_STATUS_STYLE[status]}]{status_label(status)}[/]"


def _firm_header(firm: Firm) -> None:
    console.print(f"[bold]{firm.name}[/bold]  {firm.id}  ·  {firm.municipality}, {firm.state}")


_CERT_STYLE = {CertificateStatus.VALID: "green", CertificateStatus.EXPIRED: "red"}


def render_certificates(certification: LadderCertification, catalog: Catalog) -> None:
    """The certified level and a table of a ladder's certificates (valid / expired)."""
    names = {lv.id: lv.name.get(current_language())
             for lv in catalog.ladder(certification.ladder).levels}
    if not certification.certificates:
        console.print(_("No level certificates yet."))
        return
    certified = (names[certification.certified_level] if certification.certified_level
                 else _("none"))
    console.print(_("Certified level: {level}").format(level=certified))
    labels = {CertificateStatus.VALID: _("valid"), CertificateStatus.EXPIRED: _("expired")}
    table = Table(title=_("Level certificates"))
    for header in (_("Level"), _("Issued"), _("Valid until"), _("Status"), _("Assessment")):
        table.add_column(header)
    for cert in certification.certificates:
        status = cert.status_on(certification.on)
        table.add_row(names[cert.level], cert.issued_on.isoformat(),
                      cert.valid_until.isoformat(),
                      f"[{_CERT_STYLE[status]}]{labels[status]}[/]",
                      f"{cert.earnings[-1].assessment_id} ({cert.earnings[-1].standard_version})")
    console.print(table)


def render_visits(plan: VisitPlan, catalog: Catalog) -> None:
    """A table of recommended learning visits, each with its reasons."""
    title = _("Recommended learning visits")
    console.print(f"\n[bold]{title}[/bold]")
    if not plan.gaps:
        console.print(_("No unmet requirement to learn from yet."))
        return
    if not plan.visits:
        console.print(_("No host firm covers your largest gaps with margin yet."))
        return
    lang = current_language()
    table = Table()
    for header in ("#", _("Host firm"), _("Place"), _("Distance (km)"), _("Why")):
        table.add_column(header)
    for visit in plan.visits:
        products = ", ".join(product_label(p, lang) for p in visit.shared_products)
        reasons = [visit_reason(catalog, c) for c in visit.covers]
        reasons.append(_("shared products: {products}").format(products=products))
        table.add_row(str(visit.rank), f"{visit.host_name}\n{visit.host_id}",
                      ", ".join(p for p in (visit.municipality, visit.state) if p),
                      "—" if visit.distance_km is None else f"{visit.distance_km:,.0f}",
                      "\n".join(reasons))
    console.print(table)


def render(view: FirmView, catalog: Catalog) -> None:
    """Rich rendering of a firm's evaluation, certificates and learning visits."""
    lang = current_language()
    firm, ev = view.firm, view.evaluation
    certification = {c.ladder: c for c in view.certificates}
    _firm_header(firm)
    console.print(_("Evaluated on {day}").format(day=ev.on.isoformat()))
    for result in ev.ladders:
        ladder = catalog.ladder(result.ladder)
        names = {lv.id: lv.name.get(lang) for lv in ladder.levels}
        level = names[result.attained] if result.attained else (
            _("below the first level") if result.status == "below_first_level"
            else _("not assessed"))
        held = certification.get(result.ladder)
        if held is not None and result.attained in held.expired_levels:
            expired = _("certificate expired")
            level += f" [red]({expired})[/]"
        console.print(f"\n[bold]{ladder.name.get(lang)}[/bold]: {level}")
        if held is not None:
            render_certificates(held, catalog)
        if result.next_level is None:
            console.print(_("Top of the ladder reached."))
            continue
        table = Table(title=_("Gap to {level}").format(level=names[result.next_level]))
        for header in (_("Requirement"), _("Current"), _("Required"), _("Distance"),
                       _("Status")):
            table.add_column(header)
        for req in result.gap:
            name, unit = _item_label(catalog, req)
            table.add_row(f"{name} ({unit})", number(req.current), number(req.required),
                          number(req.distance), _status_text(req.status))
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
    if view.visits is not None:
        render_visits(view.visits, catalog)
