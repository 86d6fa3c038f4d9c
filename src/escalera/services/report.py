"""Use case "the firm report": gather a firm's evaluation and word it for one language."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from escalera.analytics.confidentiality import MIN_GROUP_SIZE, percentile_min_group_size
from escalera.catalog import catalog_digest
from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import LadderCertification
from escalera.domain.evaluation import (
    FirmEvaluation,
    LadderResult,
    LadderStatus,
    RequirementResult,
    SegmentResult,
    Status,
)
from escalera.domain.products import product_label
from escalera.domain.visits import VisitRecommendation
from escalera.i18n import _, current_language
from escalera.presentation import (
    item_label,
    number,
    role_label,
    status_label,
    visit_reason,
)
from escalera.reports.charts import Distribution, position_svg
from escalera.reports.model import (
    BenchmarkRow,
    CertificateView,
    FirmReport,
    GapRow,
    LadderSection,
    VisitView,
)
from escalera.services.benchmarks import firm_benchmark
from escalera.services.firm_view import FirmView, show_firm


def _gap_row(catalog: Catalog, req: RequirementResult) -> GapRow:
    name, unit = item_label(catalog, req.kind, req.item)
    evidence = "" if req.assessment_id is None else f"{req.assessment_id} ({req.observed_on})"
    return GapRow(requirement=name, unit=unit, current=number(req.current),
                  required=number(req.required), distance=number(req.distance),
                  status=str(req.status), status_text=status_label(req.status),
                  evidence=evidence)


def _ladder_section(catalog: Catalog, result: LadderResult,
                    certification: LadderCertification | None) -> LadderSection:
    lang = current_language()
    ladder = catalog.ladder(result.ladder)
    names = {lv.id: lv.name.get(lang) for lv in ladder.levels}
    level = (names[result.attained] if result.attained
             else _("below the first level") if result.status is LadderStatus.BELOW_FIRST_LEVEL
             else _("not assessed"))
    if certification is not None and certification.expired_levels:
        expired = ", ".join(names[lv] for lv in certification.expired_levels)
        level += " · " + _("expired: {levels}").format(levels=expired)
    certificates = [] if certification is None else [
        CertificateView(level=names[c.level], issued_on=c.issued_on, valid_until=c.valid_until,
                        valid=c.is_valid_on(certification.on))
        for c in certification.certificates
    ]
    return LadderSection(
        name=ladder.name.get(lang), level=level, status=str(result.status),
        next_level=names[result.next_level] if result.next_level else None,
        gap=[_gap_row(catalog, r) for r in result.gap], certificates=certificates,
    )


def _visit_view(catalog: Catalog, visit: VisitRecommendation) -> VisitView:
    lang = current_language()
    reasons = [visit_reason(catalog, covered) for covered in visit.covers]
    if visit.shared_products:
        reasons.append(_("makes the same products: {products}").format(
            products=", ".join(product_label(p, lang) for p in visit.shared_products)))
    return VisitView(host=visit.host_name,
                     place=", ".join(p for p in (visit.municipality, visit.state) if p),
                     distance_km=visit.distance_km, reasons=reasons)


def _plain(value: float | str | None) -> str:
    return value if isinstance(value, str) else number(value)


def _blockers(segment: SegmentResult) -> list[str]:
    labels = {"level": _("level"), "capacity": _("capacity"), "lead_time": _("lead time")}
    out = []
    for check in segment.checks:
        if check.status is Status.MET:
            continue
        out.append(_("{condition}: {current} now, {required} required ({status})").format(
            condition=labels[check.condition], current=_plain(check.current),
            required=_plain(check.required), status=status_label(check.status)))
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
    certified = {c.ladder: c for c in view.certificates}
    return FirmReport(
        lang=lang, on=ev.on, firm_id=firm.id, firm_name=firm.name,
        place=", ".join(p for p in (firm.municipality, firm.state) if p),
        roles=", ".join(role_label(r) for r in firm.roles),
        products=", ".join(product_label(p, lang) for p in firm.products),
        ladders=[_ladder_section(catalog, r, certified.get(r.ladder)) for r in ev.ladders],
        segments_now=[seg_names[s] for s in ev.reachable_segments],
        next_segment=seg_names[nxt.segment] if nxt else None,
        next_segment_blockers=_blockers(nxt) if nxt else [],
        visits=[] if view.visits is None else [_visit_view(catalog, v)
                                               for v in view.visits.visits],
        sources=_sources(ev), catalog_digest=catalog_digest(catalog),
    )


def _size_label(band: str) -> str:
    return {"micro": _("micro (up to 10 employees)"), "small": _("small (11-50 employees)"),
            "medium": _("medium (51-250 employees)"), "large": _("large (over 250 employees)"),
            }.get(band, _("size unknown"))


def _peer_group_text(position: dict[str, Any]) -> str:
    group = position["peer_group"]
    if group is None:
        return _("Only producers are compared with peers.")
    lang = current_language()
    parts = [group.get("region") or "—", product_label(group.get("product") or "—", lang),
             _size_label(group.get("size_band") or "unknown")]
    window = position["window"]
    return _("Peers: producers in {group}; latest values from {start} to {end}. Groups of "
             "fewer than {k} firms are never shown.").format(
        group=" · ".join(parts), start=window["from"], end=window["to"],
        k=position["min_group_size"])


def _benchmark_row(catalog: Catalog, entry: dict[str, Any], k: int) -> BenchmarkRow:
    lang = current_language()
    metric = catalog.metric(entry["metric"])
    group, value = entry["group"], entry["value"]
    chart, note = None, ""
    if group is not None and group["p10"] is None:  # percentiles withheld for the group
        note = _("the group's spread is shown for groups of {q} firms or more").format(
            q=percentile_min_group_size(k))
    elif group is not None:
        chart = position_svg(Distribution(p10=group["p10"], p25=group["p25"],
                                          median=group["median"], p75=group["p75"],
                                          p90=group["p90"], best=group["best"]), value)
    elif entry["status"] == "suppressed":
        note = _("group too small to show (fewer than {k} firms)").format(k=k)
    else:
        note = _("no current value")
    rank = entry["percentile_rank"]
    return BenchmarkRow(metric=metric.name.get(lang), unit=metric.unit_label(lang),
                        value=number(value),
                        n=None if group is None else int(group["n"]),
                        percentile="—" if rank is None else f"{rank:.0f}",
                        chart_svg=chart, note=note)


def build_firm_report(session: Session, catalog: Catalog, firm_id: str, on: dt.date,
                      stale_after_days: int, min_group_size: int = MIN_GROUP_SIZE
                      ) -> FirmReport:
    """Everything the firm report shows, worded in the current language."""
    view = show_firm(session, catalog, firm_id, on, stale_after_days)
    report = firm_report_from_view(view, catalog)
    position = firm_benchmark(session, catalog, view.firm.id, on,
                              stale_after_days=stale_after_days,
                              min_group_size=min_group_size)
    rows = [] if position["peer_group"] is None else [
        _benchmark_row(catalog, entry, min_group_size) for entry in position["metrics"]]
    return replace(report, benchmarks=rows, benchmark_group=_peer_group_text(position))
