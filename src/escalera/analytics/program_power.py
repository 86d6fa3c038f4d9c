"""How large an effect a program of a given size could detect, and whether that is enough.

Published evaluations of supplier-upgrading programs report effects of roughly 5-17 % on
sales or productivity, often 1-3 years after entry (:data:`PUBLISHED_EFFECTS`). A program
whose minimum detectable effect is larger than that cannot tell success from failure, and
a manager should know it before reading its estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from escalera.analytics.program_panel import ProgramEvaluationError
from escalera.errors import N_

PUBLISHED_EFFECTS = (0.05, 0.17)
"""Smallest and largest relative effects that published upgrading programs report."""


def _z_sum(alpha: float, power: float) -> float:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ProgramEvaluationError(N_("alpha and power must lie strictly between 0 and 1"))
    normal = NormalDist()
    return normal.inv_cdf(1 - alpha / 2) + normal.inv_cdf(power)


def _variance_factor(sd: float, rho: float, pre_periods: int, post_periods: int) -> float:
    """σ²(1 − ρ)(1/m + 1/r): the variance of one firm's after-minus-before mean change."""
    if not sd > 0:
        raise ProgramEvaluationError(N_("the outcome standard deviation must be positive"))
    if not 0 <= rho < 1:
        raise ProgramEvaluationError(
            N_("the within-firm correlation must be at least 0 and below 1"))
    if pre_periods < 1 or post_periods < 1:
        raise ProgramEvaluationError(
            N_("there must be at least one period before and one after entry"))
    return sd**2 * (1 - rho) * (1 / pre_periods + 1 / post_periods)


def minimum_detectable_effect(n_treated: int, n_control: int, sd: float, *, rho: float,
                              pre_periods: int, post_periods: int, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """The smallest true effect a difference-in-differences detects with ``power``.

    With ``m`` periods before and ``r`` after entry, outcome standard deviation ``σ``, a
    constant correlation ``ρ`` between any two periods of the same firm, ``n_T``
    participants and ``n_C`` comparison firms (McKenzie 2012, "Beyond baseline and
    follow-up", the difference-in-differences case)::

        MDE = (z_{1−α/2} + z_{power}) · σ · √[(1 − ρ) · (1/m + 1/r) · (1/n_T + 1/n_C)]

    Each firm's change, mean after minus mean before, has variance σ²(1 − ρ)(1/m + 1/r);
    the estimate is the difference of the two groups' mean changes. ``ρ`` is what makes
    more periods help less: with ρ near 1 firms barely move, so little noise is left.
    In the outcome's units (points of on-time delivery %, days, ...).
    """
    if n_treated < 1 or n_control < 1:
        raise ProgramEvaluationError(N_("group sizes must be at least one firm each"))
    variance = _variance_factor(sd, rho, pre_periods, post_periods)
    return _z_sum(alpha, power) * math.sqrt(variance * (1 / n_treated + 1 / n_control))


class SizeVerdict(StrEnum):
    """What a program's size lets it see, against the published 5-17 % effects."""

    DETECTS_SMALL_EFFECTS = "detects_small_effects"
    """It would detect even a 5 % effect."""
    DETECTS_LARGE_EFFECTS_ONLY = "detects_large_effects_only"
    """It would detect a 17 % effect but not a 5 % one."""
    TOO_SMALL = "too_small"
    """It would miss even a 17 % effect: its estimate cannot judge the program."""


@dataclass(frozen=True)
class ProgramSize:
    """A program's minimum detectable effect, absolute and as a share of the baseline mean,
    and the participants it would need (same comparison ratio) for a 5 % and a 17 % effect.
    """

    mde: float
    mde_relative: float
    verdict: SizeVerdict
    participants_for_smallest: int
    participants_for_largest: int


def judge_program_size(n_treated: int, n_control: int, sd: float, baseline_mean: float, *,
                       rho: float, pre_periods: int, post_periods: int, alpha: float = 0.05,
                       power: float = 0.8) -> ProgramSize:
    """Whether a program is large enough to detect the published 5-17 % effects.

    ``baseline_mean`` is the participants' mean outcome before entry: a relative effect is
    a share of it. Participants needed for a relative effect ``δ`` keep the comparison
    ratio ``k = n_C/n_T``: ``n_T = (z_{1−α/2} + z_{power})² σ²(1 − ρ)(1/m + 1/r)(1 + 1/k)
    / (δ · baseline_mean)²``.
    """
    if not baseline_mean > 0:
        raise ProgramEvaluationError(
            N_("the baseline mean must be positive to express effects as a share of it"))
    mde = minimum_detectable_effect(n_treated, n_control, sd, rho=rho,
                                    pre_periods=pre_periods, post_periods=post_periods,
                                    alpha=alpha, power=power)
    relative = mde / baseline_mean
    smallest, largest = PUBLISHED_EFFECTS
    if relative <= smallest:
        verdict = SizeVerdict.DETECTS_SMALL_EFFECTS
    elif relative <= largest:
        verdict = SizeVerdict.DETECTS_LARGE_EFFECTS_ONLY
    else:
        verdict = SizeVerdict.TOO_SMALL
    base = (_z_sum(alpha, power) ** 2 * _variance_factor(sd, rho, pre_periods, post_periods)
            * (1 + n_treated / n_control))

    def needed(share: float) -> int:
        return math.ceil(base / (share * baseline_mean) ** 2)

    return ProgramSize(mde, relative, verdict, needed(smallest), needed(largest))
