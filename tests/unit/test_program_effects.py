"""Program effects on simulated panels where the truth is known: staggered entry, planted
effects (or none), planted pre-trends, missing outcomes, matching and power."""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from escalera.analytics.program_did import chi2_sf
from escalera.analytics.program_effects import (
    NO_ANTICIPATION,
    PARALLEL_TRENDS,
    AssumptionStatus,
    ProgramEvaluationError,
    SizeVerdict,
    estimate_effect,
    estimate_effects,
    judge_program_size,
    match_comparison_group,
    minimum_detectable_effect,
    naive_twfe_effect,
)

METRIC = "on_time_delivery_pct"
COHORTS = (4, 6, 8)
PERIODS = 12


def simulate(seed: int, *, effect: float = 8.0, heterogeneous: bool = False,
             pretrend: float = 0.0, firms: int = 150, missing: float = 0.0
             ) -> tuple[pl.DataFrame, float]:
    """A firm × quarter panel of on-time delivery % and the true average effect on the
    treated firm-periods. Firm and quarter effects, noise; 40 % never treated, the rest
    entering in quarters 4, 6 or 8. ``heterogeneous``: the first cohort gains twice the
    effect, the others half, and effects grow by half the effect per quarter in the program
    (the design where plain two-way fixed effects goes wrong). ``pretrend``: participants
    drift upwards by that much per quarter over the three quarters before entry."""
    rng = np.random.default_rng(seed)
    firm_effect = rng.normal(75, 6, firms)
    quarter_effect = np.cumsum(rng.normal(0.5, 1.0, PERIODS))
    cohort = np.where(rng.random(firms) < 0.4, np.nan, rng.choice(COHORTS, firms))
    event = np.arange(PERIODS)[None, :] - cohort[:, None]
    after = np.nan_to_num(event, nan=-1) >= 0
    gain = np.full(event.shape, effect)
    if heterogeneous:
        scale = np.where(cohort == COHORTS[0], 2.0, 0.5)[:, None]
        gain = effect * (1 + np.nan_to_num(event) / 2) * scale
    y = (firm_effect[:, None] + quarter_effect[None, :] + rng.normal(0, 4, event.shape)
         + np.where(after, gain, 0.0))
    drifting = (np.nan_to_num(event, nan=-99) < 0) & (np.nan_to_num(event, nan=-99) >= -3)
    y += np.where(drifting, pretrend * (np.nan_to_num(event) + 4), 0.0)
    if missing:
        y[rng.random(y.shape) < missing] = np.nan
    panel = pl.DataFrame({
        "firm_id": np.repeat([f"F-{i:04d}" for i in range(firms)], PERIODS),
        "period": np.tile(np.arange(PERIODS), firms),
        METRIC: y.ravel(),
        "cohort": np.repeat(cohort, PERIODS),
    }).with_columns(pl.col(METRIC).fill_nan(None), pl.col("cohort").fill_nan(None).cast(pl.Int64))
    truth = float(np.nanmean(np.where(after & ~np.isnan(y), gain, np.nan)))
    return panel, truth


def covers(low: float, high: float, value: float) -> bool:
    return low <= value <= high


def test_known_effect_is_recovered_under_staggered_entry() -> None:
    hits, estimates, pre_rejections = 0, [], 0
    for seed in range(20):
        panel, truth = simulate(seed)
        result = estimate_effect(panel, METRIC, replications=99, seed=seed)
        hits += covers(result.ci_low, result.ci_high, truth)
        estimates.append(result.estimate)
        pre_rejections += bool(result.pre_trends.rejected)
    assert hits >= 16, hits
    assert abs(np.mean(estimates) - 8.0) < 0.5
    assert pre_rejections <= 4  # parallel trends hold here: few false alarms


def test_plain_twfe_is_biased_with_heterogeneous_effects_two_stage_is_not() -> None:
    two_stage, twfe, hits = [], [], 0
    for seed in range(10):
        panel, truth = simulate(100 + seed, heterogeneous=True)
        result = estimate_effect(panel, METRIC, replications=99, seed=seed)
        two_stage.append(result.estimate - truth)
        twfe.append(naive_twfe_effect(panel, METRIC) - truth)
        hits += covers(result.ci_low, result.ci_high, truth)
    assert abs(np.mean(two_stage)) < 0.5
    assert abs(np.mean(twfe)) > 3.0, np.mean(twfe)
    assert hits >= 8


def test_no_effect_planted_no_effect_found() -> None:
    hits = 0
    for seed in range(20):
        panel, _ = simulate(200 + seed, effect=0.0)
        result = estimate_effect(panel, METRIC, replications=99, seed=seed)
        hits += covers(result.ci_low, result.ci_high, 0.0)
    assert hits >= 16, hits


def test_planted_pretrend_is_flagged() -> None:
    flagged = 0
    for seed in range(10):
        panel, _ = simulate(300 + seed, pretrend=1.5)
        result = estimate_effect(panel, METRIC, replications=99, seed=seed)
        assert result.pre_trends.leads == 3
        trends = dict((a.code, a.status) for a in result.assumptions)[PARALLEL_TRENDS]
        flagged += trends is AssumptionStatus.REJECTED
    assert flagged >= 8, flagged


def test_event_profile_has_leads_and_lags_with_group_sizes() -> None:
    panel, _ = simulate(7)
    result = estimate_effect(panel, METRIC, replications=99)
    times = [e.event_time for e in result.event_profile]
    assert times == [-3, -2, -1, *range(0, PERIODS - COHORTS[0])]
    lags = [e for e in result.event_profile if e.event_time >= 0]
    assert sum(covers(e.ci_low, e.ci_high, 8.0) for e in lags) >= len(lags) - 2
    leads = [e for e in result.event_profile if e.event_time < 0]
    assert all(e.ci_low < e.estimate < e.ci_high for e in result.event_profile)
    assert sum(covers(e.ci_low, e.ci_high, 0.0) for e in leads) >= 2
    cohort = panel.unique("firm_id").get_column("cohort")
    assert result.n_treated == cohort.is_not_null().sum()
    assert result.n_control == cohort.is_null().sum()
    assert lags[-1].n_firms == (cohort == COHORTS[0]).sum()  # only the first cohort so far
    codes = {a.code for a in result.assumptions}
    assert codes == {PARALLEL_TRENDS, NO_ANTICIPATION}
    payload = result.to_dict()
    assert {"metric", "estimate", "ci_low", "ci_high", "n_treated", "n_control"} <= set(payload)


def test_missing_outcomes_are_dropped_counted_and_never_filled_in() -> None:
    panel, _ = simulate(11, missing=0.1)
    nulls = panel.get_column(METRIC).null_count()
    assert nulls > 100
    with_gaps = estimate_effect(panel, METRIC, replications=49)
    without_rows = estimate_effect(panel.drop_nulls(METRIC), METRIC, replications=49)
    assert with_gaps.n_missing == nulls
    assert without_rows.n_missing == 0
    assert with_gaps.n_observations == panel.height - nulls
    assert with_gaps.estimate == without_rows.estimate
    assert (with_gaps.ci_low, with_gaps.ci_high) == (without_rows.ci_low, without_rows.ci_high)
    complete, _ = simulate(11)
    assert estimate_effect(complete, METRIC, replications=49).n_observations > \
        with_gaps.n_observations
    nan_panel = panel.with_columns(pl.col(METRIC).fill_null(float("nan")))
    assert estimate_effect(nan_panel, METRIC, replications=49).n_missing == nulls


def test_participant_without_a_baseline_is_excluded_and_counted() -> None:
    panel, _ = simulate(12)
    firm = panel.filter(pl.col("cohort") == COHORTS[0]).item(0, "firm_id")
    cut = panel.filter(~((pl.col("firm_id") == firm) & (pl.col("period") < COHORTS[0])))
    before = estimate_effect(panel, METRIC, replications=19)
    after = estimate_effect(cut, METRIC, replications=19)
    assert after.n_excluded_firms == 1
    assert after.n_treated == before.n_treated - 1


def test_same_seed_same_answer_and_several_metrics() -> None:
    panel, _ = simulate(13)
    panel = panel.with_columns((100 - pl.col(METRIC)).alias("late_pct"))
    first, second = estimate_effects(panel, [METRIC, "late_pct"], replications=49)
    assert first == estimate_effect(panel, METRIC, replications=49)
    assert second.metric == "late_pct"
    assert second.estimate == pytest.approx(-first.estimate)


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda p: p.drop("cohort"), "no column"),
    (lambda p: pl.concat([p, p.head(1)]), "more than one row"),
    (lambda p: p.with_columns(pl.when(pl.col("period") == 0).then(pl.lit(3))
                              .otherwise(pl.col("cohort")).alias("cohort")), "entry period"),
    (lambda p: p.with_columns(pl.lit(None, pl.Int64).alias("cohort")), "no participant"),
])
def test_bad_panels_are_refused(change: object, fragment: str) -> None:
    panel, _ = simulate(14, firms=40)
    with pytest.raises(ProgramEvaluationError) as refused:
        estimate_effect(change(panel), METRIC, replications=9)  # type: ignore[operator]
    assert fragment in refused.value.message  # the English template; shown translated


def test_chi2_tail_matches_scipy() -> None:
    for df in range(1, 7):
        for x in (0.0, 0.3, 2.0, 7.5, 20.0):
            assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), abs=1e-12)


# --- comparison group -------------------------------------------------------------------

def baseline(seed: int = 5) -> tuple[pl.DataFrame, list[str]]:
    """Participants: more often in Puebla, larger and higher on the ladder."""
    rng = np.random.default_rng(seed)
    n = 1000
    participant = np.arange(n) < 40
    region = np.where(participant & (rng.random(n) < 0.8), "Puebla",
                      rng.choice(["Puebla", "Jalisco", "Yucatán"], n))
    size = np.where(participant & (rng.random(n) < 0.7), "small",
                    rng.choice(["micro", "small"], n, p=[0.7, 0.3]))
    rank = rng.normal(1.0, 0.8, n) + np.where(participant, 0.6, 0.0)
    frame = pl.DataFrame({"firm_id": [f"F-{i:04d}" for i in range(n)], "region": region,
                          "size_band": size, "level_rank": rank})
    return frame, [f"F-{i:04d}" for i in range(40)]


def test_matching_improves_balance() -> None:
    frame, participants = baseline()
    groups = match_comparison_group(frame, participants, exact=["region", "size_band"],
                                    nearest=["level_rank"])
    assert not set(groups.control_ids) & set(participants)
    assert groups.pairs.get_column("control_id").is_unique().all()
    assert len(groups.control_ids) + len(groups.unmatched) >= len(participants)
    balance = {r["covariate"]: r for r in groups.balance.iter_rows(named=True)}
    assert abs(balance["level_rank"]["smd_after"]) < abs(balance["level_rank"]["smd_before"])
    assert abs(balance["level_rank"]["smd_before"]) > 0.5
    assert abs(balance["level_rank"]["smd_after"]) < 0.25
    for name in ("region=Puebla", "size_band=small"):
        assert abs(balance[name]["smd_before"]) > 0.3
        assert balance[name]["smd_after"] == 0.0  # exact matching


def test_matching_ratio_caliper_and_missing_baseline() -> None:
    frame, participants = baseline()
    frame = frame.with_columns(pl.when(pl.col("firm_id") == participants[0]).then(None)
                               .otherwise(pl.col("region")).alias("region"))
    two = match_comparison_group(frame, participants, exact=["region"],
                                 nearest=["level_rank"], ratio=2)
    assert participants[0] in two.unmatched  # a missing region is never guessed
    counts = two.pairs.group_by("participant_id").len().get_column("len")
    assert counts.max() == 2
    tight = match_comparison_group(frame, participants, exact=["region"],
                                   nearest=["level_rank"], caliper=0.01)
    assert tight.pairs.get_column("distance").max() <= 0.01  # type: ignore[operator]
    assert len(tight.unmatched) > len(two.unmatched)
    with pytest.raises(ProgramEvaluationError) as unknown:
        match_comparison_group(frame, ["F-9999"], exact=["region"])
    assert unknown.value.params == {"firm_id": "F-9999"}
    with pytest.raises(ProgramEvaluationError) as text:
        match_comparison_group(frame, participants, exact=[], nearest=["region"])
    assert "numeric" in text.value.message


# --- minimum detectable effect ---------------------------------------------------------

def test_mde_formula_and_monotone_in_group_size() -> None:
    mde = minimum_detectable_effect(50, 50, 10.0, rho=0.5, pre_periods=4, post_periods=4)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert mde == pytest.approx(z * 10 * math.sqrt(0.5 * 0.5 * 0.04))
    sizes = [minimum_detectable_effect(n, n, 10.0, rho=0.5, pre_periods=4, post_periods=4)
             for n in (10, 20, 40, 80, 160)]
    assert all(a > b for a, b in itertools.pairwise(sizes))
    assert minimum_detectable_effect(50, 50, 10.0, rho=0.8, pre_periods=4,
                                     post_periods=4) < mde


def test_mde_matches_a_simulated_power_check() -> None:
    """At an effect equal to the MDE, a simulated DiD rejects about 80 % of the time."""
    n, m, r, sd, rho = 60, 4, 4, 10.0, 0.5
    mde = minimum_detectable_effect(n, n, sd, rho=rho, pre_periods=m, post_periods=r)
    rng = np.random.default_rng(0)
    reps = 4000
    firm = rng.normal(0, sd * math.sqrt(rho), (reps, 2 * n, 1))
    y = firm + rng.normal(0, sd * math.sqrt(1 - rho), (reps, 2 * n, m + r))
    y[:, :n, m:] += mde
    change = y[:, :, m:].mean(axis=2) - y[:, :, :m].mean(axis=2)
    diff = change[:, :n].mean(axis=1) - change[:, n:].mean(axis=1)
    se = np.sqrt(change[:, :n].var(axis=1, ddof=1) / n + change[:, n:].var(axis=1, ddof=1) / n)
    power = float((np.abs(diff / se) > stats.norm.ppf(0.975)).mean())
    assert power == pytest.approx(0.8, abs=0.04)


def test_program_size_verdicts() -> None:
    small = judge_program_size(12, 12, 15.0, 70.0, rho=0.5, pre_periods=2, post_periods=2)
    assert small.verdict is SizeVerdict.TOO_SMALL
    assert small.mde_relative > 0.17
    large = judge_program_size(2000, 4000, 15.0, 70.0, rho=0.5, pre_periods=4,
                               post_periods=4)
    assert large.verdict is SizeVerdict.DETECTS_SMALL_EFFECTS
    middle = judge_program_size(30, 60, 15.0, 70.0, rho=0.5, pre_periods=4, post_periods=4)
    assert middle.verdict is SizeVerdict.DETECTS_LARGE_EFFECTS_ONLY
    enough = middle.participants_for_smallest
    assert minimum_detectable_effect(enough, 2 * enough, 15.0, rho=0.5, pre_periods=4,
                                     post_periods=4) <= 0.05 * 70.0
    assert minimum_detectable_effect(enough - 1, 2 * (enough - 1), 15.0, rho=0.5,
                                     pre_periods=4, post_periods=4) > 0.05 * 70.0


@pytest.mark.parametrize("kwargs", [
    {"n_treated": 0}, {"sd": 0.0}, {"rho": 1.0}, {"pre_periods": 0}, {"alpha": 1.5},
    {"baseline_mean": 0.0},
])
def test_power_inputs_are_checked(kwargs: dict[str, float]) -> None:
    args: dict[str, float] = {"n_treated": 10, "n_control": 10, "sd": 5.0,
                              "baseline_mean": 50.0, "rho": 0.3, "pre_periods": 2,
                              "post_periods": 2, "alpha": 0.05} | kwargs
    with pytest.raises(ProgramEvaluationError):
        judge_program_size(int(args.pop("n_treated")), int(args.pop("n_control")),
                           args.pop("sd"), args.pop("baseline_mean"), rho=args["rho"],
                           pre_periods=int(args["pre_periods"]),
                           post_periods=int(args["post_periods"]), alpha=args["alpha"])
