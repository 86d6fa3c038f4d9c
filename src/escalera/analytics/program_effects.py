"""Program effects: did the firms that took part in a program do better than comparable
firms that did not?

The study's complaint is that nobody evaluated the programs; this module is the statistical
core of that evaluation, pure functions over Polars frames:

* :func:`estimate_effects` — for each ladder metric, the program's average effect on its
  participants with a 95 % confidence interval, the event-time profile (leads included, as
  pre-trend checks), the assumptions and what the data say about them, the size of both
  groups and how many outcomes were missing (two-stage difference-in-differences, valid when
  cohorts enter at different dates; :mod:`escalera.analytics.program_did`).
* :func:`match_comparison_group` — non-participants matched to participants on the baseline,
  with a balance table (:mod:`escalera.analytics.program_matching`).
* :func:`minimum_detectable_effect` and :func:`judge_program_size` — whether a program has
  enough firms to see the effects published upgrading programs report
  (:mod:`escalera.analytics.program_power`).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from escalera.analytics.program_did import (
    NO_ANTICIPATION,
    PARALLEL_TRENDS,
    Assumption,
    AssumptionStatus,
    EventTimeEffect,
    PreTrendTest,
    ProgramEffect,
    twfe_estimate,
    two_stage_did,
)
from escalera.analytics.program_matching import (
    BALANCE_COLUMNS,
    MatchedGroups,
    match_comparison_group,
)
from escalera.analytics.program_panel import (
    COHORT,
    FIRM_ID,
    PERIOD,
    ProgramEvaluationError,
    check_panel,
    panel_arrays,
)
from escalera.analytics.program_power import (
    PUBLISHED_EFFECTS,
    ProgramSize,
    SizeVerdict,
    judge_program_size,
    minimum_detectable_effect,
)

__all__ = [
    "BALANCE_COLUMNS",
    "COHORT",
    "FIRM_ID",
    "NO_ANTICIPATION",
    "PARALLEL_TRENDS",
    "PERIOD",
    "PUBLISHED_EFFECTS",
    "Assumption",
    "AssumptionStatus",
    "EventTimeEffect",
    "MatchedGroups",
    "PreTrendTest",
    "ProgramEffect",
    "ProgramEvaluationError",
    "ProgramSize",
    "SizeVerdict",
    "estimate_effect",
    "estimate_effects",
    "judge_program_size",
    "match_comparison_group",
    "minimum_detectable_effect",
    "naive_twfe_effect",
]


def estimate_effect(panel: pl.DataFrame, metric: str, *, leads: int = 3,
                    max_event: int | None = None, replications: int = 199,
                    seed: int = 0) -> ProgramEffect:
    """The program's effect on one metric column of ``panel`` (see :mod:`program_panel`).

    ``leads``: periods before entry checked for pre-trends; ``max_event``: the last period
    after entry counted (all by default); ``replications``: bootstrap draws for the 95 %
    intervals, seeded by ``seed``.
    """
    check_panel(panel, [metric])
    return two_stage_did(panel_arrays(panel, metric), metric, leads=leads,
                         max_event=max_event, replications=replications, seed=seed)


def estimate_effects(panel: pl.DataFrame, metrics: Sequence[str], *, leads: int = 3,
                     max_event: int | None = None, replications: int = 199,
                     seed: int = 0) -> list[ProgramEffect]:
    """:func:`estimate_effect` for each of ``metrics``, in order."""
    check_panel(panel, metrics)
    return [two_stage_did(panel_arrays(panel, m), m, leads=leads, max_event=max_event,
                          replications=replications, seed=seed) for m in metrics]


def naive_twfe_effect(panel: pl.DataFrame, metric: str) -> float:
    """What plain two-way fixed effects would say; for comparison only (biased in waves)."""
    check_panel(panel, [metric])
    return twfe_estimate(panel_arrays(panel, metric))
