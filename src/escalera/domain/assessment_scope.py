"""Which metrics and practices each kind of visit must measure.

- diagnostic: every metric and practice a ladder's standard in force asks for (for a visit
  dated before any version, the first version);
- follow_up: the requirements left unmet at the firm's previous final assessment, judged by
  the evaluator as of that assessment's date;
- random_inspection: the quality metrics buyers' inspectors check on a lot;
- screening: no metrics or practices (the screening checklist instead).
"""

from __future__ import annotations

import datetime as dt

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, Status, evaluate_firm
from escalera.domain.evidence import Evidence, ItemKind, Stage
from escalera.domain.standards import Level, StandardVersion

Item = tuple[ItemKind, str]
QUALITY_METRICS = ("defect_rate_pct", "lot_acceptance_rate_pct", "defects_per_hundred_units")


def diagnostic_items(catalog: Catalog, on: dt.date) -> tuple[Item, ...]:
    """Every item any level of any ladder requires on ``on``, metrics first, catalog order."""
    used: set[Item] = set()
    for ladder in catalog.ladders:
        for level in ladder.levels:
            standard = _version_near(level, on)
            used.update((ItemKind.METRIC, r.metric) for r in standard.metrics)
            used.update((ItemKind.PRACTICE, r.practice) for r in standard.practices)
    return _in_catalog_order(catalog, used)


def unmet_items(catalog: Catalog, evidence: Evidence, on: dt.date,
                stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> tuple[Item, ...]:
    """Items of every requirement the evaluator judges unmet on ``on`` (any ladder, any
    level): what a follow-up visit must measure again."""
    evaluation = evaluate_firm(catalog, "", evidence, on, stale_after_days=stale_after_days)
    unmet = {
        (req.kind, req.item)
        for ladder in evaluation.ladders for level in ladder.levels
        for req in level.requirements if req.status is Status.UNMET
    }
    return _in_catalog_order(catalog, unmet)


def quality_items(catalog: Catalog) -> tuple[Item, ...]:
    """The quality metrics of a random inspection that the catalog defines."""
    known = {m.id for m in catalog.metrics}
    return tuple((ItemKind.METRIC, m) for m in QUALITY_METRICS if m in known)


def scope(catalog: Catalog, stage: Stage, on: dt.date, previous: Evidence | None = None,
          previous_on: dt.date | None = None,
          stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> tuple[Item, ...]:
    """The items a visit of ``stage`` on ``on`` must measure. A follow-up needs the evidence
    as of the previous final assessment (``previous``, ``previous_on``); without one it has
    nothing to follow up."""
    if stage is Stage.DIAGNOSTIC:
        return diagnostic_items(catalog, on)
    if stage is Stage.FOLLOW_UP:
        if previous is None or previous_on is None:
            return ()
        return unmet_items(catalog, previous, previous_on, stale_after_days)
    if stage is Stage.RANDOM_INSPECTION:
        return quality_items(catalog)
    return ()


def _version_near(level: Level, on: dt.date) -> StandardVersion:
    """The version in force on ``on``; for a visit dated outside every version (an old
    visit entered late), the latest version begun by then, else the first one."""
    begun = [v for v in level.versions if v.effective_from <= on]
    in_force = [v for v in begun if v.in_force(on)]
    if in_force:
        return in_force[0]
    if begun:
        return max(begun, key=lambda v: v.effective_from)
    return min(level.versions, key=lambda v: v.effective_from)


def _in_catalog_order(catalog: Catalog, items: set[Item]) -> tuple[Item, ...]:
    order = [(ItemKind.METRIC, m.id) for m in catalog.metrics] + \
        [(ItemKind.PRACTICE, p.id) for p in catalog.practices]
    return tuple(i for i in order if i in items)
