"""Learning visits (visitas de aprendizaje): whom a firm should visit to close its largest gaps.

The study's bootstrapping asks laggard firms to learn "in light of visits to best-practice
facilities". Rules:

1. **Gaps** come from the evaluator: every *unmet* requirement of the next level on each
   ladder (not-assessed ones have no size). An item in the gap of several ladders counts
   once, with its largest shortfall.
2. **Largest first**, comparable across units: a metric's shortfall is its direction-aware
   distance as a fraction of the threshold (86 % on time against 95 % = 0.09; a 6 % defect
   rate against 2 % = 2.0); a practice's is the missing maturity steps over the 0-3 scale
   (one step = 0.33). A zero threshold uses the plain distance.
3. **Margin**: a host covers a gap when its fresh evidence (same stale window as the
   evaluator) beats the requirement with margin — metrics by 10 % of the threshold, but no
   more than halfway to the metric's best possible value (95 % on time needs 97.5 %; a 2 %
   defect rate needs 1.8 %); practices by one maturity step (a 3 needs a 3).
4. **Hosts**: firms that agreed to host visits (``hosts_visits``), other than the firm,
   sharing at least one product with it, covering at least one gap.
5. **Choice**: round by round, for each gap from the largest, the nearest host not chosen
   yet that covers it (ties: more gaps covered, more shared products, firm id), until
   ``limit`` hosts (5). Unknown places rank last. Each recommendation says which gap chose
   it and every gap it covers, the host's value against the requirement, the shared
   products and the distance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, FirmEvaluation, Status
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind
from escalera.domain.measures import Direction, Maturity, Metric
from escalera.domain.regions import distance_km

DEFAULT_VISIT_LIMIT = 5
METRIC_MARGIN = 0.10  # of the threshold
MAX_MARGIN_SHARE = 0.5  # of the room between the threshold and the best possible value
TOP_MATURITY = float(max(Maturity))


class VisitGap(BaseModel):
    """One unmet requirement a learning visit could help close."""

    model_config = ConfigDict(frozen=True)

    ladder: str
    level: str
    kind: ItemKind
    item: str
    direction: Direction
    required: float
    current: float
    shortfall: float  # comparable size, larger = further behind (rule 2)
    host_needs: float  # the value a host must reach: the requirement with margin (rule 3)


class HostCandidate(BaseModel):
    """A firm that might host a visit, with its latest evidence."""

    model_config = ConfigDict(frozen=True)

    firm_id: str
    name: str
    state: str
    municipality: str = ""
    products: tuple[str, ...] = ()
    hosts_visits: bool = False
    evidence: Evidence = Evidence()


class GapCovered(BaseModel):
    """A gap a host covers: the host's value against what the firm needs."""

    model_config = ConfigDict(frozen=True)

    gap: VisitGap
    host_value: float
    observed_on: dt.date
    assessment_id: str


class VisitRecommendation(BaseModel):
    """One host to visit, and why."""

    model_config = ConfigDict(frozen=True)

    rank: int  # 1 = first choice
    host_id: str
    host_name: str
    state: str
    municipality: str
    distance_km: float | None  # None when either place is unknown
    shared_products: tuple[str, ...]
    chosen_for: GapCovered  # the gap whose round chose this host
    covers: tuple[GapCovered, ...]  # every gap it covers, largest first


def shortfall(kind: ItemKind, current: float, required: float, direction: Direction) -> float:
    """How far behind, comparable across metrics and practices (rule 2); > 0 = short."""
    if kind is ItemKind.PRACTICE:
        return (required - current) / TOP_MATURITY
    short = required - current if direction is Direction.HIGHER else current - required
    return short / abs(required) if required else short


def host_needs(kind: ItemKind, required: float, direction: Direction,
               metric: Metric | None = None) -> float:
    """The value a host must reach to cover a requirement with margin (rule 3)."""
    if kind is ItemKind.PRACTICE:
        return min(TOP_MATURITY, required + 1)
    margin = METRIC_MARGIN * abs(required)
    if direction is Direction.HIGHER:
        best = None if metric is None else metric.maximum
        if best is not None:
            margin = min(margin, MAX_MARGIN_SHARE * max(0.0, best - required))
        return required + margin
    best = None if metric is None else metric.minimum
    if best is not None:
        margin = min(margin, MAX_MARGIN_SHARE * max(0.0, required - best))
    return required - margin


def beats(value: float, needs: float, kind: ItemKind, direction: Direction) -> bool:
    """On the good side of ``needs``, ties included (practices: higher is better)."""
    if kind is ItemKind.PRACTICE or direction is Direction.HIGHER:
        return value >= needs
    return value <= needs


def largest_gaps(catalog: Catalog, evaluation: FirmEvaluation) -> tuple[VisitGap, ...]:
    """The firm's unmet requirements on every ladder, largest shortfall first (rules 1-2)."""
    found: dict[tuple[ItemKind, str], VisitGap] = {}
    for result in evaluation.ladders:
        for req in result.gap:
            if req.status is not Status.UNMET or req.current is None or result.next_level is None:
                continue
            metric = catalog.metric(req.item) if req.kind is ItemKind.METRIC else None
            gap = VisitGap(ladder=result.ladder, level=result.next_level, kind=req.kind,
                           item=req.item, direction=req.direction, required=req.required,
                           current=req.current,
                           shortfall=shortfall(req.kind, req.current, req.required,
                                               req.direction),
                           host_needs=host_needs(req.kind, req.required, req.direction, metric))
            known = found.get((req.kind, req.item))
            if known is None or gap.shortfall > known.shortfall:
                found[(req.kind, req.item)] = gap
    return tuple(sorted(found.values(), key=lambda g: -g.shortfall))


def _fresh(item: EvidenceItem, on: dt.date, stale_after_days: int) -> bool:
    # The evaluator's rule (ADR 0002): older than the stale window is not evidence.
    return item.observed_on <= on and (on - item.observed_on).days <= stale_after_days


def covered(gap: VisitGap, evidence: Evidence, on: dt.date,
            stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> GapCovered | None:
    """How a host covers ``gap`` with margin, or None when its fresh evidence does not."""
    source = evidence.metrics if gap.kind is ItemKind.METRIC else evidence.practices
    item = source.get(gap.item)
    if item is None or not _fresh(item, on, stale_after_days):
        return None
    if not beats(item.value, gap.host_needs, gap.kind, gap.direction):
        return None
    return GapCovered(gap=gap, host_value=item.value, observed_on=item.observed_on,
                      assessment_id=item.assessment_id)


def recommend_hosts(firm_id: str, state: str, municipality: str, products: Sequence[str],
                    gaps: Sequence[VisitGap], candidates: Iterable[HostCandidate],
                    on: dt.date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                    limit: int = DEFAULT_VISIT_LIMIT) -> tuple[VisitRecommendation, ...]:
    """Up to ``limit`` hosts for the firm's ``gaps`` (largest first), nearest first (rules 3-5)."""
    wanted = set(products)
    eligible: list[tuple[HostCandidate, tuple[str, ...], tuple[GapCovered, ...],
                         float | None]] = []
    for host in candidates:
        shared = tuple(p for p in host.products if p in wanted)
        if not host.hosts_visits or host.firm_id == firm_id or not shared:
            continue
        covers = tuple(c for c in (covered(g, host.evidence, on, stale_after_days)
                                   for g in gaps) if c is not None)
        if covers:
            km = distance_km(state, municipality, host.state, host.municipality)
            eligible.append((host, shared, covers, km))

    def order(entry: tuple[HostCandidate, tuple[str, ...], tuple[GapCovered, ...],
                           float | None]) -> tuple[bool, float, int, int, str]:
        host, shared, covers, km = entry
        return (km is None, km or 0.0, -len(covers), -len(shared), host.firm_id)

    eligible.sort(key=order)
    chosen: list[VisitRecommendation] = []
    taken: set[str] = set()
    progress = True
    while len(chosen) < limit and progress:
        progress = False
        for gap in gaps:
            if len(chosen) >= limit:
                break
            pick = next(((h, s, c, km) for h, s, c, km in eligible
                         if h.firm_id not in taken and any(x.gap == gap for x in c)), None)
            if pick is None:
                continue
            host, shared, covers, km = pick
            taken.add(host.firm_id)
            progress = True
            chosen.append(VisitRecommendation(
                rank=len(chosen) + 1, host_id=host.firm_id, host_name=host.name,
                state=host.state, municipality=host.municipality,
                distance_km=None if km is None else round(km, 1), shared_products=shared,
                chosen_for=next(x for x in covers if x.gap == gap), covers=covers))
    return tuple(chosen)
