"""Use case "whom should this firm visit": learning visits to hosts that close its largest gaps.

The firm is judged by the one evaluator; host candidates are read column-wise: the flagged
hosts (``store.hosts``), their products matched and their latest evidence built in Polars
(``latest_evidence_frame``), and only the hosts that beat at least one of the firm's gaps
with margin become Python objects for :func:`escalera.domain.visits.recommend_hosts`, which
makes the choice and the explanations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    FIRM_ID,
    date_column,
    good_side,
    latest_evidence_frame,
    value_column,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import FirmEvaluation, evaluate_firm
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind, latest_evidence
from escalera.domain.firms import Firm
from escalera.domain.measures import Direction
from escalera.domain.visits import (
    DEFAULT_VISIT_LIMIT,
    HostCandidate,
    VisitGap,
    VisitRecommendation,
    largest_gaps,
    recommend_hosts,
)
from escalera.store.evidence import firm_observations, observations_frame
from escalera.store.firms import get_firm
from escalera.store.hosts import visit_hosts_frame


@dataclass(frozen=True)
class VisitPlan:
    """The gaps considered, largest first, and the hosts recommended for them."""

    firm_id: str
    on: dt.date
    gaps: tuple[VisitGap, ...]
    visits: tuple[VisitRecommendation, ...]


def _covers_any(gaps: tuple[VisitGap, ...], columns: set[str], cutoff: dt.date) -> pl.Expr:
    """Rows whose fresh evidence beats at least one gap with margin (domain ``covered``)."""
    tests: list[pl.Expr] = [pl.lit(False)]
    for gap in gaps:
        value, day = value_column(gap.kind, gap.item), date_column(gap.kind, gap.item)
        if value not in columns:
            continue
        direction = Direction.HIGHER if gap.kind is ItemKind.PRACTICE else gap.direction
        tests.append((pl.col(day) >= cutoff)
                     & good_side(pl.col(value), gap.host_needs, direction))
    return pl.any_horizontal(tests).fill_null(False)


def host_candidates(session: Session, firm: Firm, gaps: tuple[VisitGap, ...], on: dt.date,
                    stale_after_days: int) -> list[HostCandidate]:
    """Flagged hosts sharing a product with ``firm`` whose evidence covers one of ``gaps``."""
    if not gaps or not firm.products:
        return []
    hosts = visit_hosts_frame(session).filter(
        (pl.col(FIRM_ID) != firm.id)
        & (pl.col("products").list.set_intersection(list(firm.products)).list.len() > 0))
    if hosts.is_empty():
        return []
    items = {(g.kind, g.item) for g in gaps}
    observations = (observations_frame(session, until=on)
                    .join(hosts.select(FIRM_ID), on=FIRM_ID, how="semi")
                    .filter(pl.concat_str("kind", pl.lit(":"), "item").is_in(
                        [f"{kind}:{item}" for kind, item in items])))
    wide = latest_evidence_frame(observations, on)
    cutoff = on - dt.timedelta(days=stale_after_days)
    wide = wide.filter(_covers_any(gaps, set(wide.columns), cutoff))
    if wide.is_empty():
        return []
    # The assessment behind each value: the largest id observed that day (latest_evidence's tie).
    sources = (observations.join(wide.select(FIRM_ID), on=FIRM_ID, how="semi")
               .group_by(FIRM_ID, "kind", "item", "observed_on")
               .agg(pl.col("assessment_id").max()))
    source_of = {(r[FIRM_ID], r["kind"], r["item"], r["observed_on"]): r["assessment_id"]
                 for r in sources.iter_rows(named=True)}
    places = {r[FIRM_ID]: r for r in hosts.join(wide.select(FIRM_ID), on=FIRM_ID, how="semi")
              .iter_rows(named=True)}
    out: list[HostCandidate] = []
    for row in wide.iter_rows(named=True):
        firm_id = row[FIRM_ID]
        found: dict[ItemKind, dict[str, EvidenceItem]] = {ItemKind.METRIC: {},
                                                          ItemKind.PRACTICE: {}}
        for kind, item in items:
            value, day = row.get(value_column(kind, item)), row.get(date_column(kind, item))
            if value is None or day is None:
                continue
            found[kind][item] = EvidenceItem(
                value=value, observed_on=day,
                assessment_id=source_of[(firm_id, str(kind), item, day)])
        place = places[firm_id]
        out.append(HostCandidate(
            firm_id=firm_id, name=place["name"], state=place["state"],
            municipality=place["municipality"] or "", products=tuple(place["products"]),
            hosts_visits=True,
            evidence=Evidence(metrics=found[ItemKind.METRIC],
                              practices=found[ItemKind.PRACTICE])))
    return out


def plan_visits(session: Session, catalog: Catalog, firm: Firm, evaluation: FirmEvaluation,
                stale_after_days: int, limit: int = DEFAULT_VISIT_LIMIT) -> VisitPlan:
    """Learning visits for a firm already evaluated on ``evaluation.on``."""
    gaps = largest_gaps(catalog, evaluation)
    candidates = host_candidates(session, firm, gaps, evaluation.on, stale_after_days)
    visits = recommend_hosts(firm.id, firm.state, firm.municipality, firm.products, gaps,
                             candidates, evaluation.on, stale_after_days, limit)
    return VisitPlan(firm_id=firm.id, on=evaluation.on, gaps=gaps, visits=visits)


def recommend_visits(session: Session, catalog: Catalog, firm_id: str, on: dt.date,
                     stale_after_days: int, limit: int = DEFAULT_VISIT_LIMIT) -> VisitPlan:
    """Up to ``limit`` learning visits for one firm on ``on`` (NotFound for an unknown firm)."""
    firm = get_firm(session, firm_id)
    evidence = latest_evidence(firm_observations(session, firm.id), on)
    evaluation = evaluate_firm(catalog, firm.id, evidence, on,
                               monthly_capacity=firm.monthly_capacity,
                               stale_after_days=stale_after_days)
    return plan_visits(session, catalog, firm, evaluation, stale_after_days, limit)
