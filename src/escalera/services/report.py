"""Use case "the firm report": gather a firm's evaluation and word it for one language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from escalera.catalog import catalog_digest
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import (
    FirmEvaluation,
    LadderResult,
    LadderStatus,
    RequirementResult,
    SegmentResult,
    Status,
)
from escalera.domain.evidence import ItemKind
from escalera.domain.firms import Role
from escalera.domain.products import product_label
from escalera.i18n import _, current_language
from escalera.reports.model import FirmReport, GapRow, LadderSection
from escalera.services.firm_view import FirmView, show_firm


def role_label(role: Role) -> str:
    """A firm role in the current language (glossary words)."""
    return {
        Role.RETAILER: _("retailer"), Role.BRAND: _("brand"),
        Role.BUYING_AGENT: _("buying agent"), Role.JOBBER: _("jobber"),
        Role.MANUFACTURER: _("manufacturer"), Role.CONTRACTOR: _("contractor (taller)"),
        Role.HOME_WORKSHOP: _("home workshop"), Role.INTEGRADORA: _("integradora"),
        Role.CONSULTANT: _("consultant"), Role.AGENCY: _("agency"),
    }[role]


def number(value: float | None) -> str:
    """A value as people read it: thousands separated, at most four significant digits."""
    return "—" if value is None else f"{value:,.4g}"


def status_text(status: Status) -> str:
    """met / unmet / not assessed, in the current language."""
    return {Status.MET: _("met"), Status.UNMET: _("unmet"),
            Status.NOT_ASSESSED: _("not assessed")}[status]


def _requirement_label(catalog: Catalog, req: RequirementResult) -> tuple[str, str]:
    lang = current_language()
    if req.kind is ItemKind.METRIC:
        metric = catalog.metric(req.item)
        return metric.name.get(lang), metric.unit_label(lang)
    return catalog.practice(req.item).name.get(lang), _("maturity 0-3")


def _gap_row(catalog: Catalog, req: RequirementResult) -> GapRow:
    name, unit = _requirement_label(catalog, req)
    evidence = "" if req.assessment_id is None else f"{req.assessment_id} ({req.observed_on})"
    return GapRow(requirement=name, unit=unit, current=number(req.current),
                  required=number(req.required), distance=number(req.distance),
                  status=str(req.status), status_text=status_text(req.status),
                  evidence=evidence)


def _ladder_section(catalog: Catalog, result: LadderResult) -> LadderSection:
    lang = current_language()
    ladder = catalog.ladder(result.ladder)
    names = {lv.id: lv.name.get(lang) for lv in ladder.levels}
    level = (names[result.attained] if result.attained
             else _("below the first level") if result.status is LadderStatus.BELOW_FIRST_LEVEL
             else _("not assessed"))
    return LadderSection(
        name=ladder.name.get(lang), level=level, status=str(result.status),
        next_level=names[result.next_level] if result.next_level else None,
        gap=[_gap_row(catalog, r) for r in result.gap],
    )


def _blockers(segment: SegmentResult) -> list[str]:
    labels = {"level": _("level"), "capacity": _("capacity"), "lead_time": _("lead time")}
    out = []
    for check in segment.checks:
        if check.status is Status.MET:
            continue
        current = "—" if check.current is None else str(check.current)
        out.append(_("{condition}: {current} now, {required} required ({status})").format(
            condition=labels[check.condition], current=current, required=check.required,
            status=status_text(check.status)))
    return out


def _sources(evaluation: FirmEvaluation) -> list[str]:
    used = sorted({(r.observed_on, r.assessment_id) for lr in evaluation.ladders
                   for lv in lr.levels for r in lv.requirements
                   if r.assessment_id is not None and r.observed_on is not None})
    versions = sorted({f"{lr.ladder} {lv.level} {lv.standard_version}"
                       for lr in evaluation.ladders for lv in lr.levels})
    lines = [_("Assessment {id} of {day}").format(id=aid, day=day.isoformat())
             for day, aid in used]
    lines.append(_("Standard versions: {versions}").format(versions=", ".join(versions)))
    return lines


def firm_report_from_view(view: FirmView, catalog: Catalog) -> FirmReport:
    """The report's core (levels, gaps, segments, sources) for an evaluated firm."""
    lang = current_language()
    ev = view.evaluation
    seg_names = {s.id: s.name.get(lang) for s in catalog.segments}
    nxt = ev.next_segment
    firm = view.firm
    return FirmReport(
        lang=lang, on=ev.on, firm_id=firm.id, firm_name=firm.name,
        place=", ".join(p for p in (firm.municipality, firm.state) if p),
        roles=", ".join(role_label(r) for r in firm.roles),
        products=", ".join(product_label(p, lang) for p in firm.products),
        ladders=[_ladder_section(catalog, r) for r in ev.ladders],
        segments_now=[seg_names[s] for s in ev.reachable_segments],
        next_segment=seg_names[nxt.segment] if nxt else None,
        next_segment_blockers=_blockers(nxt) if nxt else [],
        sources=_sources(ev), catalog_digest=catalog_digest(catalog),
    )


def build_firm_report(session: Session, catalog: Catalog, firm_id: str, on: dt.date,
                      stale_after_days: int) -> FirmReport:
    """Everything the firm report shows, worded in the current language."""
    view = show_firm(session, catalog, firm_id, on, stale_after_days)
    return firm_report_from_view(view, catalog)
