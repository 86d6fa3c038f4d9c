"""Operating characteristic (OC) of a single sampling plan: the probability of accepting a lot
as a function of the quality of the process that made it.

* ``binomial`` (percent nonconforming): a sample of n units from a process making a fraction
  p of nonconforming units holds d ~ Binomial(n, p) of them; Pa(p) = P(d <= Ac).
* ``poisson`` (nonconformities per 100 units): the n units hold d ~ Poisson(n * q / 100)
  nonconformities at q per 100 units; Pa(q) = P(d <= Ac).

Quality is given in percent in both models (2.5 means 2.5 % nonconforming or 2.5
nonconformities per 100 units), as AQLs are. Producer's risk is 1 - Pa(AQL); consumer's risk at
a limiting quality LQ is Pa(LQ). LQ10 and p95 are the qualities at which Pa = 10 % and 95 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from escalera.domain.sampling import SamplingError, SamplingPlan
from escalera.errors import N_

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class Model(StrEnum):
    """How nonconformity is counted."""

    BINOMIAL = "binomial"
    POISSON = "poisson"


MODELS: tuple[str, ...] = tuple(m.value for m in Model)


def normalize_model(model: str | Model) -> Model:
    """``"binomial"`` or ``"poisson"`` as a :class:`Model`."""
    try:
        return Model(str(model).strip().lower())
    except ValueError:
        raise SamplingError(N_("unknown OC model {model!r}; use one of {valid}"),
                            model=model, valid=", ".join(MODELS)) from None


def _check_quality(quality: float, model: Model) -> float:
    q = float(quality)
    upper = 100.0 if model is Model.BINOMIAL else math.inf
    if not (0.0 <= q <= upper) or math.isnan(q):
        raise SamplingError(N_("process quality must be between 0 and {upper} percent, got "
                               "{quality}"), upper=upper, quality=quality)
    return q


def probability_of_acceptance(n: int, ac: int, quality: float,
                              model: str | Model = Model.BINOMIAL) -> float:
    """Pa for a plan (n, Ac) at ``quality`` percent (nonconforming, or per 100 units)."""
    mod = normalize_model(model)
    q = _check_quality(quality, mod)
    if ac >= n and mod is Model.BINOMIAL:
        return 1.0
    if mod is Model.BINOMIAL:
        p = q / 100.0
        if p == 0.0:
            return 1.0
        if p == 1.0:
            return 0.0
        total = math.fsum(math.comb(n, d) * math.exp(d * math.log(p) + (n - d) * math.log1p(-p))
                          for d in range(ac + 1))
    else:
        lam = n * q / 100.0
        if lam == 0.0:
            return 1.0
        total = math.fsum(math.exp(d * math.log(lam) - lam - math.lgamma(d + 1))
                          for d in range(ac + 1))
    return min(1.0, max(0.0, total))


def plan_pa(plan: SamplingPlan, quality: float, model: str | Model = Model.BINOMIAL) -> float:
    """Pa of a :class:`SamplingPlan` at ``quality`` percent."""
    return probability_of_acceptance(plan.sample_size, plan.ac, quality, model)


def quality_at(n: int, ac: int, pa: float, model: str | Model = Model.BINOMIAL) -> float:
    """The quality (percent) at which the plan accepts with probability ``pa`` (bisection;
    Pa falls as quality worsens)."""
    mod = normalize_model(model)
    if not 0.0 < pa < 1.0:
        raise SamplingError(N_("a probability of acceptance must be strictly between 0 and 1, "
                               "got {pa}"), pa=pa)
    low, high = 0.0, 100.0
    if mod is Model.POISSON:
        while probability_of_acceptance(n, ac, high, mod) > pa:
            high *= 2.0
    elif probability_of_acceptance(n, ac, high, mod) > pa:  # pragma: no cover - Ac < n
        return 100.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if probability_of_acceptance(n, ac, mid, mod) > pa:
            low = mid
        else:
            high = mid
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2.0


@dataclass(frozen=True)
class Risks:
    """Read-outs of an OC curve, qualities in percent, probabilities in [0, 1]."""

    model: str
    aql: float
    pa_at_aql: float
    producers_risk: float
    p95: float
    lq10: float
    lq: float | None
    consumers_risk: float | None

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready values."""
        return {"model": self.model, "aql": self.aql, "pa_at_aql": self.pa_at_aql,
                "producers_risk": self.producers_risk, "p95": self.p95, "lq10": self.lq10,
                "lq": self.lq, "consumers_risk": self.consumers_risk}


def risks(plan: SamplingPlan, model: str | Model = Model.BINOMIAL,
          lq: float | None = None) -> Risks:
    """Producer's risk at the plan's AQL, p95, LQ10 and, given ``lq``, the consumer's risk."""
    mod = normalize_model(model)
    aql = float(plan.aql)
    if mod is Model.BINOMIAL:
        aql = min(aql, 100.0)
    pa = plan_pa(plan, aql, mod)
    return Risks(model=mod.value, aql=aql, pa_at_aql=pa, producers_risk=1.0 - pa,
                 p95=quality_at(plan.sample_size, plan.ac, 0.95, mod),
                 lq10=quality_at(plan.sample_size, plan.ac, 0.10, mod),
                 lq=lq, consumers_risk=None if lq is None else plan_pa(plan, lq, mod))


def curve(plan: SamplingPlan, model: str | Model = Model.BINOMIAL,
          points: int = 101) -> list[tuple[float, float]]:
    """(quality %, Pa) pairs from 0 to a little past LQ10, for a plot or a table."""
    mod = normalize_model(model)
    top = quality_at(plan.sample_size, plan.ac, 0.01, mod) * 1.1
    if mod is Model.BINOMIAL:
        top = min(top, 100.0)
    qualities = [top * k / (points - 1) for k in range(points)]
    return [(q, plan_pa(plan, q, mod)) for q in qualities]


def curve_figure(plan: SamplingPlan, model: str | Model = Model.BINOMIAL,
                 title: str = "", xlabel: str = "", ylabel: str = "") -> Figure:
    """The OC curve as a matplotlib Figure (object API, no pyplot state), AQL marked."""
    from matplotlib.figure import Figure  # late: keep the domain import light

    mod = normalize_model(model)
    points = curve(plan, mod)
    fig = Figure(figsize=(6.0, 4.0), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([q for q, _ in points], [pa for _, pa in points], color="#1f4e79", linewidth=2)
    aql = float(plan.aql)
    if aql <= points[-1][0]:
        ax.axvline(aql, color="#c0392b", linestyle="--", linewidth=1)
        ax.annotate(f"AQL {plan.aql}", (aql, plan_pa(plan, aql, mod)),
                    textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlim(0.0, points[-1][0])
    ax.grid(True, alpha=0.3)
    ax.set_title(title or f"n={plan.sample_size}, Ac={plan.ac}, Re={plan.re}", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig
