"""OC curves agree with scipy's binomial and Poisson distributions and fall as quality worsens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from escalera.domain import sampling_tables as tables
from escalera.domain.oc_curve import (
    curve,
    curve_figure,
    plan_pa,
    probability_of_acceptance,
    quality_at,
    risks,
)
from escalera.domain.sampling import SamplingError, sampling_plan

PLANS = [(n, ac) for n in (2, 5, 13, 32, 80, 125, 315, 800, 2000) for ac in (0, 1, 3, 5, 10, 21)
         if ac < n]


@pytest.mark.parametrize(("n", "ac"), PLANS)
@pytest.mark.parametrize("quality", [0.0, 0.01, 0.1, 0.65, 1.0, 2.5, 6.5, 10.0, 25.0, 100.0])
def test_binomial_matches_scipy(n: int, ac: int, quality: float) -> None:
    expected = stats.binom.cdf(ac, n, quality / 100.0)
    assert probability_of_acceptance(n, ac, quality) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("n", "ac"), PLANS)
@pytest.mark.parametrize("quality", [0.0, 0.01, 0.1, 1.0, 2.5, 10.0, 65.0, 400.0, 1000.0])
def test_poisson_matches_scipy(n: int, ac: int, quality: float) -> None:
    expected = stats.poisson.cdf(ac, n * quality / 100.0)
    assert probability_of_acceptance(n, ac, quality, "poisson") == pytest.approx(expected,
                                                                                  abs=1e-12)


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
@pytest.mark.parametrize("aql", tables.AQL_SERIES[:16])
def test_every_table_plan_at_its_aql_matches_scipy(aql: str, severity: str) -> None:
    plan = sampling_plan(10**6, "III", aql, severity)
    p = float(aql) / 100
    assert plan_pa(plan, float(aql)) == pytest.approx(
        stats.binom.cdf(plan.ac, plan.sample_size, p), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 3150), ac=st.integers(0, 44),
       q1=st.floats(0, 100, allow_nan=False), q2=st.floats(0, 100, allow_nan=False),
       model=st.sampled_from(["binomial", "poisson"]))
def test_pa_never_rises_as_quality_worsens(n: int, ac: int, q1: float, q2: float,
                                           model: str) -> None:
    low, high = sorted((q1, q2))
    pa_low = probability_of_acceptance(n, ac, low, model)
    pa_high = probability_of_acceptance(n, ac, high, model)
    assert 0.0 <= pa_high <= pa_low + 1e-12 <= 1.0 + 1e-12


@pytest.mark.parametrize("model", ["binomial", "poisson"])
def test_p95_and_lq10_are_where_pa_is_95_and_10_percent(model: str) -> None:
    plan = sampling_plan(1200, "II", "2.5")
    read = risks(plan, model, lq=10.0)
    assert plan_pa(plan, read.p95, model) == pytest.approx(0.95, abs=1e-9)
    assert plan_pa(plan, read.lq10, model) == pytest.approx(0.10, abs=1e-9)
    assert read.p95 < read.lq10
    assert read.producers_risk == pytest.approx(1 - plan_pa(plan, 2.5, model))
    assert read.consumers_risk == pytest.approx(plan_pa(plan, 10.0, model))


def test_known_values_for_n80_ac5() -> None:
    plan = sampling_plan(1200, "II", "2.5")
    read = risks(plan)
    assert read.producers_risk == pytest.approx(1 - stats.binom.cdf(5, 80, 0.025))
    assert read.lq10 == pytest.approx(11.28, abs=0.01)
    assert risks(plan).consumers_risk is None


def test_quality_at_with_ac_zero_has_a_closed_form() -> None:
    # Pa = (1 - p)^n  =>  p = 1 - Pa^(1/n)
    assert quality_at(50, 0, 0.10) == pytest.approx(100 * (1 - 0.10 ** (1 / 50)), rel=1e-9)


def test_curve_runs_from_perfect_quality_down_to_rejection() -> None:
    points = curve(sampling_plan(1200, "II", "2.5"))
    assert points[0] == (0.0, 1.0)
    assert points[-1][1] < 0.01
    assert [pa for _, pa in points] == sorted((pa for _, pa in points), reverse=True)


def test_curve_figure_draws_one_line() -> None:
    fig = curve_figure(sampling_plan(1200, "II", "2.5"), "poisson", xlabel="x", ylabel="y")
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) >= 1


def test_bad_model_quality_and_probability_are_refused() -> None:
    with pytest.raises(SamplingError, match="binomial"):
        probability_of_acceptance(80, 5, 2.5, "normal")
    with pytest.raises(SamplingError, match="101"):
        probability_of_acceptance(80, 5, 101)
    with pytest.raises(SamplingError):
        probability_of_acceptance(80, 5, -1, "poisson")
    with pytest.raises(SamplingError):
        quality_at(80, 5, 1.0)
