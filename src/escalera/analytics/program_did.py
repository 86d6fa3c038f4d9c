"""Two-stage difference-in-differences (Gardner 2021) for programs that admit firms in waves.

Plain two-way fixed effects compares late entrants with firms already treated and weighs
some effects negatively when effects grow with time in the program or differ between
cohorts; the two-stage estimator does not (ADR 0007):

1. **First stage.** Firm effects ``α_i`` and period effects ``λ_t`` are fitted on the
   *untreated* firm-periods only: never-treated firms and participants before they entered.
2. **Second stage.** Each treated firm-period's outcome minus ``α_i + λ_t`` is that
   firm-period's effect; the program effect is their mean (the average effect on the
   treated, every treated firm-period weighing the same), and the event-time profile the
   mean per period since entry.

Pre-trends follow Borusyak, Jaravel & Spiess (2024): on the untreated firm-periods alone,
dummies for the last ``leads`` periods before entry are added to the fixed effects; under
parallel trends and no anticipation their coefficients are zero. They are tested jointly
(Wald, bootstrap covariance, χ² with one degree per lead) and shown one by one.

Confidence intervals come from a bootstrap that draws whole firms with replacement, within
each cohort and among never-treated firms (so group sizes stay as observed), and repeats
both stages; intervals are estimate ± z·(bootstrap standard error). Seeded: the same data
give the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from escalera.analytics.program_panel import (
    BoolArray,
    FloatArray,
    PanelArrays,
    ProgramEvaluationError,
)
from escalera.errors import N_

PARALLEL_TRENDS, NO_ANTICIPATION = "parallel_trends", "no_anticipation"
TWO_STAGE_DID = "two_stage_did"


class AssumptionStatus(StrEnum):
    """What the data say about an identifying assumption (it can never be proven)."""

    NOT_REJECTED = "not_rejected"
    REJECTED = "rejected"
    UNTESTABLE = "untestable"


@dataclass(frozen=True)
class Assumption:
    """An assumption the estimate rests on (``code``) and what the pre-trends say of it."""

    code: str
    status: AssumptionStatus


@dataclass(frozen=True)
class EventTimeEffect:
    """The effect ``event_time`` periods after entry (negative: a lead, a pre-trend check)."""

    event_time: int
    estimate: float
    ci_low: float
    ci_high: float
    n_firms: int


@dataclass(frozen=True)
class PreTrendTest:
    """Joint Wald test that every lead is zero; ``None`` fields when no lead is observed."""

    leads: int
    statistic: float | None
    p_value: float | None
    rejected: bool | None


@dataclass(frozen=True)
class ProgramEffect:
    """A program's effect on one metric, with its groups, its profile and its caveats.

    ``n_treated``: participants with an outcome both before and after entry;
    ``n_control``: never-treated firms with an outcome (participants' periods before entry
    serve as comparisons too); ``n_missing``: firm-periods whose outcome was missing and
    were dropped, never filled in; ``n_excluded_firms``: participants with no outcome before
    entry, who cannot be compared; ``n_uncompared``: treated firm-periods in a period where
    no untreated firm was observed.
    """

    metric: str
    estimate: float
    ci_low: float
    ci_high: float
    n_treated: int
    n_control: int
    n_observations: int
    n_missing: int
    n_excluded_firms: int
    n_uncompared: int
    event_profile: tuple[EventTimeEffect, ...]
    pre_trends: PreTrendTest
    assumptions: tuple[Assumption, ...]
    method: str = TWO_STAGE_DID

    def to_dict(self) -> dict[str, object]:
        """Plain values for JSON output."""
        return {
            "metric": self.metric, "method": self.method, "estimate": self.estimate,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "n_treated": self.n_treated,
            "n_control": self.n_control, "n_observations": self.n_observations,
            "n_missing": self.n_missing, "n_excluded_firms": self.n_excluded_firms,
            "n_uncompared": self.n_uncompared,
            "event_profile": [vars(e) for e in self.event_profile],
            "pre_trends": vars(self.pre_trends),
            "assumptions": [{"code": a.code, "status": str(a.status)} for a in self.assumptions],
        }


@dataclass(frozen=True)
class _FixedEffects:
    alpha: FloatArray  # (K, N), NaN for a firm with no observation in the sample
    lam: FloatArray  # (K, T), NaN for a period with no observation in the sample


def two_way_fixed_effects(sample: BoolArray, firm_weight: FloatArray,
                          values: FloatArray) -> _FixedEffects:
    """Least-squares ``α_i + λ_t`` of each of ``values`` (K × N × T) over ``sample``.

    Firm effects are eliminated exactly (within-firm means) and the period effects solved
    from the remaining T × T system, so the cost is O(N·T²) with no iteration. Firm weights
    are bootstrap multiplicities. The normalisation of ``λ`` is arbitrary; ``α + λ`` is not.
    """
    w = sample * firm_weight[:, None]
    n_firm, n_period = w.sum(axis=1), w.sum(axis=0)
    firm_ok, period_ok = n_firm > 0, n_period > 0
    inv = np.divide(1.0, n_firm, out=np.zeros_like(n_firm), where=firm_ok)
    v = np.where(sample, values, 0.0) * w
    firm_sums = v.sum(axis=2)
    a = np.diag(n_period) - (w * inv[:, None]).T @ w
    b = v.sum(axis=1) - (firm_sums * inv) @ w
    lam = np.full((values.shape[0], n_period.size), np.nan)
    lam[:, period_ok] = _solve_periods(a[np.ix_(period_ok, period_ok)], b[:, period_ok])
    alpha = (firm_sums - np.nan_to_num(lam) @ w.T) * inv
    alpha[:, ~firm_ok] = np.nan
    return _FixedEffects(alpha, lam)


def _solve_periods(a: FloatArray, b: FloatArray) -> FloatArray:
    """Period effects from the singular T × T system, the first period's pinned at zero."""
    out = np.zeros_like(b)
    if a.shape[0] > 1:
        try:
            out[:, 1:] = np.linalg.solve(a[1:, 1:], b[:, 1:].T).T
        except np.linalg.LinAlgError:  # a bootstrap draw that cut the periods apart
            out[:, 1:] = np.nan
    return out


def connected(sample: BoolArray) -> bool:
    """Whether the firms and periods of ``sample`` form one linked set (else λ is unknown)."""
    w = sample.astype(float)
    n_firm, n_period = w.sum(axis=1), w.sum(axis=0)
    keep = n_period > 0
    inv = np.divide(1.0, n_firm, out=np.zeros_like(n_firm), where=n_firm > 0)
    a = (np.diag(n_period) - (w * inv[:, None]).T @ w)[np.ix_(keep, keep)]
    return bool(np.linalg.matrix_rank(a) == keep.sum() - 1)


@dataclass(frozen=True)
class _Design:
    """What one estimation needs, fixed before the bootstrap."""

    panel: PanelArrays
    use: BoolArray  # treated firm-periods that enter the second stage
    lags: tuple[int, ...]
    lag_index: npt.NDArray[np.int64]  # position in ``lags`` of each ``use`` firm-period
    leads: tuple[int, ...]
    lead_dummies: FloatArray  # (L, N, T): 1 where the firm-period is that lead


@dataclass(frozen=True)
class _Estimates:
    overall: float
    lags: FloatArray
    leads: FloatArray


def _estimate(design: _Design, w: FloatArray) -> _Estimates:
    """Both stages and the lead regression for firm weights ``w``.

    One fixed-effects fit on the untreated firm-periods serves both: its first slice is the
    first stage, the other slices residualise the lead dummies for the pre-trend regression.
    """
    p = design.panel
    values = np.concatenate([p.outcome[None], design.lead_dummies])
    fe = two_way_fixed_effects(p.untreated, w, values)
    resid = values - fe.alpha[:, :, None] - fe.lam[:, None, :]
    treated = resid[0][design.use]
    weight = np.broadcast_to(w[:, None], p.outcome.shape)[design.use]
    ok = ~np.isnan(treated)
    wr = np.where(ok, weight * treated, 0.0)
    wk = np.where(ok, weight, 0.0)
    total = wk.sum()
    overall = float(wr.sum() / total) if total > 0 else np.nan
    n_lags = len(design.lags)
    lag_w = np.bincount(design.lag_index, wk, minlength=n_lags)
    lag_sum = np.bincount(design.lag_index, wr, minlength=n_lags)
    lags = np.divide(lag_sum, lag_w, out=np.full(n_lags, np.nan), where=lag_w > 0)
    return _Estimates(overall, lags, _leads(design, resid, w))


def _leads(design: _Design, resid: FloatArray, w: FloatArray) -> FloatArray:
    """Coefficients of the lead dummies, added to the first stage (Borusyak et al.)."""
    n_leads = len(design.leads)
    if not n_leads:
        return np.empty(0)
    sample = design.panel.untreated & ~np.isnan(resid).any(axis=0)
    sw = (sample * w[:, None]).ravel()
    x = np.where(sample, resid[1:], 0.0).reshape(n_leads, -1)
    y = np.where(sample, resid[0], 0.0).ravel()
    present = (design.lead_dummies.reshape(n_leads, -1) * sw).sum(axis=1) > 0
    out = np.full(n_leads, np.nan)
    xs = x[present]
    out[present] = np.linalg.lstsq((xs * sw) @ xs.T, (xs * sw) @ y, rcond=None)[0]
    return out


def _bootstrap_weights(panel: PanelArrays, rng: np.random.Generator) -> FloatArray:
    """Firm multiplicities of one draw of whole firms, within each cohort."""
    w = np.zeros(panel.cohort.size)
    strata = np.nan_to_num(panel.cohort, nan=-np.inf)
    for value in np.unique(strata):
        members = np.flatnonzero(strata == value)
        w[members] = rng.multinomial(members.size, np.full(members.size, 1 / members.size))
    return w


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df > x) for a whole number of degrees of freedom (closed form, no SciPy)."""
    if x <= 0:
        return 1.0
    h = x / 2
    if df % 2:
        q, k = math.erfc(math.sqrt(h)), 1
    else:
        q, k = math.exp(-h), 2
    while k < df:
        q += math.exp((k / 2) * math.log(h) - h - math.lgamma(k / 2 + 1))
        k += 2
    return min(q, 1.0)


def _design(panel: PanelArrays, leads: int, max_event: int | None) -> _Design:
    """The treated firm-periods to estimate on, the event times and the lead dummies."""
    use = panel.treated & (panel.untreated.sum(axis=1) > 0)[:, None]
    if max_event is not None:
        use &= np.nan_to_num(panel.event_time, nan=np.inf) <= max_event
    use &= (panel.untreated.sum(axis=0) > 0)[None, :]
    if not use.any():
        raise ProgramEvaluationError(
            N_("no participant has outcomes both before and after entering the program"))
    if not connected(panel.untreated):
        raise ProgramEvaluationError(
            N_("the comparison firm-periods do not link every period; add never-treated firms"))
    event = panel.event_time
    lags = tuple(int(e) for e in np.unique(event[use]))
    before = panel.untreated & (np.nan_to_num(event, nan=0.0) < 0) & (event >= -leads)
    lead_times = tuple(int(e) for e in np.unique(event[before]))
    dummies = np.stack([(event == k) & before for k in lead_times]).astype(float) \
        if lead_times else np.empty((0, *event.shape))
    lag_index = np.searchsorted(np.array(lags), event[use]).astype(np.int64)
    return _Design(panel, use, lags, lag_index, lead_times, dummies)


def two_stage_did(panel: PanelArrays, metric: str, *, leads: int = 3,
                  max_event: int | None = None, replications: int = 199,
                  alpha: float = 0.05, seed: int = 0) -> ProgramEffect:
    """The program's effect on ``metric`` with bootstrap intervals (see the module)."""
    design = _design(panel, leads, max_event)
    point = _estimate(design, np.ones(panel.cohort.size))
    rng = np.random.default_rng(seed)
    draws = [_estimate(design, _bootstrap_weights(panel, rng)) for _ in range(replications)]
    z = NormalDist().inv_cdf(1 - alpha / 2)

    def interval(estimate: float, draws_: FloatArray) -> tuple[float, float]:
        se = float(np.nanstd(draws_, ddof=1))
        return float(estimate - z * se), float(estimate + z * se)

    def n_firms(at: BoolArray) -> int:
        return int(at.any(axis=1).sum())

    lag_draws = np.array([d.lags for d in draws]).reshape(replications, len(design.lags))
    lead_draws = np.array([d.leads for d in draws]).reshape(replications, len(design.leads))
    profile = [
        EventTimeEffect(k, float(point.leads[j]), *interval(point.leads[j], lead_draws[:, j]),
                        n_firms(design.lead_dummies[j] > 0))
        for j, k in enumerate(design.leads)
    ] + [
        EventTimeEffect(e, float(point.lags[j]), *interval(point.lags[j], lag_draws[:, j]),
                        n_firms(design.use & (panel.event_time == e)))
        for j, e in enumerate(design.lags)
    ]
    pre = _pre_trend_test(point.leads, lead_draws, alpha)
    low, high = interval(point.overall, np.array([d.overall for d in draws]))
    after_entry = panel.treated.any(axis=1)
    comparable = (panel.untreated.sum(axis=0) > 0)[None, :]
    usable = panel.treated & (panel.untreated.sum(axis=1) > 0)[:, None]
    return ProgramEffect(
        metric=metric, estimate=point.overall, ci_low=low, ci_high=high,
        n_treated=n_firms(design.use),
        n_control=n_firms(panel.never_treated[:, None] & panel.observed),
        n_observations=int((panel.untreated | design.use).sum()), n_missing=panel.n_missing,
        n_excluded_firms=int((after_entry & ~panel.untreated.any(axis=1)).sum()),
        n_uncompared=int((usable & ~comparable).sum()),
        event_profile=tuple(profile), pre_trends=pre,
        assumptions=_assumptions(pre, [e for e in profile if e.event_time == -1]))


def _pre_trend_test(leads: FloatArray, draws: FloatArray, alpha: float) -> PreTrendTest:
    keep = ~np.isnan(leads)
    draws = draws[:, keep][~np.isnan(draws[:, keep]).any(axis=1)]
    if not keep.any() or draws.shape[0] < 2:
        return PreTrendTest(0, None, None, None)
    cov = np.atleast_2d(np.cov(draws, rowvar=False))
    gamma = leads[keep]
    statistic = float(gamma @ np.linalg.pinv(cov) @ gamma)
    p_value = chi2_sf(statistic, int(keep.sum()))
    return PreTrendTest(int(keep.sum()), statistic, p_value, p_value < alpha)


def _assumptions(pre: PreTrendTest, last_lead: list[EventTimeEffect]) -> tuple[Assumption, ...]:
    if pre.rejected is None:
        trends = AssumptionStatus.UNTESTABLE
    else:
        trends = AssumptionStatus.REJECTED if pre.rejected else AssumptionStatus.NOT_REJECTED
    if not last_lead:
        anticipation = AssumptionStatus.UNTESTABLE
    else:
        lead = last_lead[0]
        covers = lead.ci_low <= 0 <= lead.ci_high
        anticipation = AssumptionStatus.NOT_REJECTED if covers else AssumptionStatus.REJECTED
    return (Assumption(PARALLEL_TRENDS, trends), Assumption(NO_ANTICIPATION, anticipation))


def twfe_estimate(panel: PanelArrays) -> float:
    """Plain two-way fixed effects (outcome on a treated dummy, firm and period effects).

    Shown for comparison only: biased when effects differ by cohort or grow over time.
    """
    sample = panel.observed
    values = np.stack([panel.outcome, panel.treated.astype(float)])
    fe = two_way_fixed_effects(sample, np.ones(panel.cohort.size), values)
    resid = np.where(sample, values - fe.alpha[:, :, None] - fe.lam[:, None, :], 0.0)
    return float((resid[0] * resid[1]).sum() / (resid[1] ** 2).sum())
