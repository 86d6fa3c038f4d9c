"""Use case "did the program work?": the evaluation a program manager reads.

1. The comparison group: producers that did not take part, each cohort matched on its own
   baseline (what was known on its admission date) — exactly on region (state), main
   product and size band and nearest on the rank of their level; participants left without
   a match get a second round matched on region alone (the rule each pair used is
   reported). A firm serves as comparison for one cohort only.
2. The firm × quarter panel of the target standard's metrics from the final observations,
   never filled in; the two-stage difference-in-differences effect of each metric with its
   95 % interval, pre-trends, assumptions and group sizes; the minimum detectable effect
   for those group sizes.
3. The funnel, the share reaching the target by the target date and the time it took, the
   level-transition matrix, the follow-ups due or overdue, and what data is missing.

Levels come from the one evaluator, applied in bulk (:mod:`analytics.bulk_evaluation`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    CAPACITY_COLUMN,
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    level_status_column,
    status_column,
)
from escalera.analytics.peer_groups import size_band
from escalera.analytics.program_data import metric_panel, power_inputs, quarter_index
from escalera.analytics.program_effects import (
    ProgramEffect,
    ProgramEvaluationError,
    estimate_effects,
    judge_program_size,
    match_comparison_group,
    minimum_detectable_effect,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, LadderStatus
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.program_followup import (
    FollowUpRule,
    Judgement,
    follow_ups,
    funnel,
    target_outcome,
    transition_matrix,
)
from escalera.domain.programs import FUNNEL, ActivityKind, Program, threshold_shortfalls
from escalera.store import programs as store
from escalera.store.evidence import firms_frame, observations_frame
from escalera.store.firms import firm_names

PRE_QUARTERS = 8  # quarters before the start that the panel reaches back
MIN_FIRMS = 3  # participants observed before and after entry, and comparison firms observed
EXACT = ("state", "first_product", "size_band")
FALLBACK_EXACT = ("state",)
NEAREST = ("level_rank",)
CALIPER = 1.0  # standard deviations of the level rank: about one level apart at most
NOT_ASSESSED, BELOW = str(LadderStatus.NOT_ASSESSED), str(LadderStatus.BELOW_FIRST_LEVEL)


def ladder_of(program: Program, catalog: Catalog) -> str:
    for standard in (program.target, program.admission):
        if standard.ladder:
            return standard.ladder
    return catalog.ladders[0].id


def outcome_metrics(program: Program, catalog: Catalog) -> list[str]:
    """The metrics the target standard names (its level's requirements or thresholds)."""
    found: list[str] = []
    target = program.target
    if target.is_level:
        level = catalog.ladder(str(target.ladder)).levels[
            catalog.ladder(str(target.ladder)).level_index(str(target.level))]
        found += [r.metric for r in level.standard_on(program.target_date).metrics]
    found += [t.item for t in target.thresholds if t.kind is ItemKind.METRIC]
    return list(dict.fromkeys(found))


def _judge(catalog: Catalog, firms: pl.DataFrame, observations: pl.DataFrame, on: dt.date,
           stale: int) -> pl.DataFrame:
    wide = latest_evidence_frame(observations, on)
    frame = firms.select(FIRM_ID, CAPACITY_COLUMN).join(wide, on=FIRM_ID, how="left",
                                                        maintain_order="left")
    judged = evaluate_bulk(catalog, frame, on, stale, include_levels=True)
    return pl.concat([judged, frame.drop(FIRM_ID, CAPACITY_COLUMN)], how="horizontal")


def _state(row: dict[str, Any], ladder: str) -> str:
    status = str(row[status_column(ladder)])
    return str(row[level_column(ladder)]) if status == str(LadderStatus.ATTAINED) else status


def _meets(row: dict[str, Any], program: Program, catalog: Catalog, on: dt.date,
           stale: int) -> bool | None:
    target, verdicts = program.target, []
    if target.is_level:
        ladder = catalog.ladder(str(target.ladder))
        need = ladder.level_index(str(target.level))
        statuses = [str(row[level_status_column(ladder.id, lv.id)])
                    for lv in ladder.levels[:need + 1]]
        verdicts.append(False if "unmet" in statuses else None if "not_assessed" in statuses
                        else True)
    if target.thresholds:
        evidence = _evidence(row, target.thresholds)
        short = threshold_shortfalls(target.thresholds, evidence, on, catalog, stale)
        verdicts.append(False if any(s.status == "unmet" for s in short)
                        else None if short else True)
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _evidence(row: dict[str, Any], thresholds: Sequence[Any]) -> Evidence:
    metrics: dict[str, EvidenceItem] = {}
    practices: dict[str, EvidenceItem] = {}
    for t in thresholds:
        prefix = "m" if t.kind is ItemKind.METRIC else "p"
        value, on = row.get(f"{prefix}:{t.item}"), row.get(f"{prefix}:{t.item}:on")
        if value is not None and on is not None:
            into = metrics if t.kind is ItemKind.METRIC else practices
            into[t.item] = EvidenceItem(value=value, observed_on=on, assessment_id="")
    return Evidence(metrics=metrics, practices=practices)


def _baseline(catalog: Catalog, registry: pl.DataFrame, observations: pl.DataFrame,
              on: dt.date, ladder: str, stale: int) -> pl.DataFrame:
    producer = pl.col("roles").list.eval(
        pl.element().is_in(sorted(PRODUCER_ROLES))).list.any().fill_null(False)
    firms = registry.filter(producer)
    judged = _judge(catalog, firms, observations, on, stale)
    levels = [lv.id for lv in catalog.ladder(ladder).levels]
    rank = (pl.when(pl.col(status_column(ladder)) == BELOW).then(pl.lit(0))
            .when(pl.col(status_column(ladder)) == NOT_ASSESSED).then(pl.lit(None))
            .otherwise(pl.col(level_column(ladder)).cast(pl.String)
                       .replace_strict({lv: i + 1 for i, lv in enumerate(levels)},
                                       default=None, return_dtype=pl.Int64)))
    return pl.DataFrame({
        FIRM_ID: firms.get_column(FIRM_ID),
        "state": firms.get_column("state"),
        "first_product": firms.get_column("products").list.first().fill_null(""),
        "size_band": firms.select(size_band(pl.col("employees"))).to_series(),
        "level_rank": judged.select(rank.cast(pl.Float64)).to_series(),
    })


def comparison_group(baseline: pl.DataFrame, participants: Sequence[str],
                     exclude: Sequence[str] = ()) -> dict[str, Any]:
    """Matched non-participants: the exact rule first, region alone for those left over;
    firms in ``exclude`` (other participants, comparisons already taken) are never used."""
    baseline = baseline.filter(~pl.col(FIRM_ID).is_in(list(exclude)))
    inside = [p for p in participants if p in set(baseline.get_column(FIRM_ID).to_list())]
    first = match_comparison_group(baseline, inside, exact=EXACT, nearest=NEAREST, ratio=2,
                                   caliper=CALIPER)
    pairs = first.pairs.with_columns(pl.lit("region_product_size").alias("rule"))
    controls, unmatched, balance = list(first.control_ids), list(first.unmatched), first.balance
    if unmatched:
        rest = baseline.filter(~pl.col(FIRM_ID).is_in(controls + [
            p for p in inside if p not in unmatched]))
        second = match_comparison_group(rest, unmatched, exact=FALLBACK_EXACT, nearest=NEAREST,
                                        ratio=2, caliper=CALIPER)
        pairs = pl.concat([pairs, second.pairs.with_columns(pl.lit("region").alias("rule"))])
        controls += list(second.control_ids)
        unmatched = list(second.unmatched)
    outside = [p for p in participants if p not in inside]
    return {"pairs": pairs, "controls": sorted(controls), "unmatched": unmatched + outside,
            "balance": balance}


def cohort_comparison(catalog: Catalog, registry: pl.DataFrame, observations: pl.DataFrame,
                      admitted: dict[str, dt.date], ladder: str, stale: int
                      ) -> dict[str, Any]:
    """Each cohort matched on its own baseline (the levels known on its admission date),
    from the firms no cohort took part with and no earlier cohort took as comparison."""
    used: list[str] = []
    pairs, unmatched, balances = [], [], []
    for day in sorted(set(admitted.values())):
        cohort = sorted(f for f, d in admitted.items() if d == day)
        baseline = _baseline(catalog, registry, observations, day, ladder, stale)
        group = comparison_group(baseline, cohort, exclude=[*admitted.keys() - set(cohort),
                                                             *used])
        used += group["controls"]
        unmatched += group["unmatched"]
        pairs.append(group["pairs"])
        balances.append(group["balance"].with_columns(pl.lit(day.isoformat()).alias("cohort")))
    return {"pairs": pl.concat(pairs) if pairs else pl.DataFrame(
                schema={"participant_id": pl.String, "control_id": pl.String,
                        "distance": pl.Float64, "rule": pl.String}),
            "controls": sorted(used), "unmatched": unmatched,
            "balance": pl.concat(balances) if balances else pl.DataFrame()}


def _size(effect: ProgramEffect, panel: pl.DataFrame) -> dict[str, Any]:
    """The minimum detectable effect for the group sizes (McKenzie's formula with the
    panel's spread and within-firm correlation) and, beside it, the one the estimate's own
    interval implies ((z₀.₉₇₅ + z₀.₈) × its standard error): when the second is much larger,
    the data are thinner than the group sizes suggest."""
    observed = ((NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8))
                * (effect.ci_high - effect.ci_low) / (2 * NormalDist().inv_cdf(0.975)))
    inputs = power_inputs(panel, effect.metric)
    if inputs is None or effect.n_treated < 1 or effect.n_control < 1:
        return {"mde": None, "mde_observed": observed}
    rho, pre, post = inputs.rho, inputs.pre_periods, inputs.post_periods
    out: dict[str, Any] = {"sd": inputs.sd, "rho": rho, "pre_periods": pre,
                           "post_periods": post, "baseline_mean": inputs.baseline_mean,
                           "mde_observed": observed}
    if inputs.baseline_mean is not None and inputs.baseline_mean > 0:
        size = judge_program_size(effect.n_treated, effect.n_control, inputs.sd,
                                  inputs.baseline_mean, rho=rho, pre_periods=pre,
                                  post_periods=post)
        out.update(mde=size.mde, mde_relative=size.mde_relative, verdict=str(size.verdict),
                   participants_for_smallest=size.participants_for_smallest,
                   participants_for_largest=size.participants_for_largest)
    else:
        out["mde"] = minimum_detectable_effect(effect.n_treated, effect.n_control, inputs.sd,
                                               rho=rho, pre_periods=pre, post_periods=post)
    return out


def _effects(panel: pl.DataFrame, metrics: Sequence[str], replications: int
             ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    effects, not_estimated = [], []
    for metric in metrics:
        if panel.get_column(metric).drop_nulls().is_empty():
            not_estimated.append({"metric": metric, "reason": "no_observations"})
            continue
        try:
            (effect,) = estimate_effects(panel, [metric], replications=replications)
        except ProgramEvaluationError as exc:
            not_estimated.append({"metric": metric, "reason": str(exc)})
            continue
        if effect.n_treated < MIN_FIRMS or effect.n_control < MIN_FIRMS:
            not_estimated.append({"metric": metric, "reason": "too_few_firms"})
            continue
        effects.append(effect.to_dict() | _size(effect, panel))
    return effects, not_estimated


def _outcomes(program: Program, catalog: Catalog, registry: pl.DataFrame,
              observations: pl.DataFrame, admitted: dict[str, dt.date], today: dt.date,
              stale: int) -> dict[str, Any]:
    ladder = ladder_of(program, catalog)
    order = [NOT_ASSESSED, BELOW, *(lv.id for lv in catalog.ladder(ladder).levels)]
    firms = registry.filter(pl.col(FIRM_ID).is_in(list(admitted)))
    end = min(program.target_date, today)
    dates = sorted({*admitted.values(), end, *(
        d for d in (min(admitted.values(), default=end) + dt.timedelta(days=91 * k)
                    for k in range(1, 41)) if d < end)})
    paths: dict[str, list[Judgement]] = {f: [] for f in admitted}
    states: dict[tuple[str, dt.date], str] = {}
    for day in dates:
        for row in _judge(catalog, firms, observations, day, stale).iter_rows(named=True):
            fid = row[FIRM_ID]
            states[(fid, day)] = _state(row, ladder)
            if day >= admitted[fid]:
                paths[fid].append(Judgement(day, states[(fid, day)],
                                            _meets(row, program, catalog, day, stale)))
    outcome = target_outcome({f: (admitted[f], paths[f]) for f in admitted},
                             program.target_date)
    pairs = [(states[(f, d)], states[(f, end)]) for f, d in admitted.items()]
    return {
        "ladder": ladder, "judged_on": end.isoformat(),
        "pending": program.target_date > today,
        "target": {"participants": outcome.participants, "reached": outcome.reached,
                   "at_entry": outcome.at_entry,
                   "not_reached": outcome.not_reached, "unknown": outcome.unknown,
                   "share": outcome.share, "median_days": outcome.median_days,
                   "days": list(outcome.days)},
        "transitions": {"levels": order, "matrix": transition_matrix(pairs, order)},
    }


def evaluate(session: Session, catalog: Catalog, program_id: str, today: dt.date, *,
             stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
             rule: FollowUpRule = FollowUpRule(), replications: int = 199) -> dict[str, Any]:
    """The whole evaluation of one program as plain values (see the module docstring)."""
    program = store.get_program(session, program_id)
    decisions = store.admissions(session, program_id)
    activities = store.activities(session, program_id)
    admitted = {a.firm_id: a.on for a in decisions if a.admitted}
    registry = firms_frame(session)
    observations = observations_frame(session, until=today)
    metrics = outcome_metrics(program, catalog)
    result: dict[str, Any] = {
        "program": program_id, "evaluated_on": today.isoformat(), "metrics": metrics,
        "admitted": len(admitted), "refused": len(decisions) - len(admitted),
    }
    group = cohort_comparison(catalog, registry, observations, admitted,
                              ladder_of(program, catalog), stale_after_days)
    result["comparison"] = {
        "controls": len(group["controls"]), "unmatched": group["unmatched"],
        "rules": group["pairs"].group_by("rule").len().sort("rule").rows(),
        "balance": group["balance"].to_dicts(),
        "exact": list(EXACT), "fallback_exact": list(FALLBACK_EXACT), "nearest": list(NEAREST),
    }
    matched = [p for p in admitted if p not in set(group["unmatched"])]
    effects: list[dict[str, Any]] = []
    not_estimated: list[dict[str, str]] = []
    panel_missing: dict[str, int] = {}
    if matched and group["controls"]:
        first = quarter_index(program.starts_on) - PRE_QUARTERS
        panel = metric_panel(observations, {p: admitted[p] for p in matched},
                             group["controls"], metrics, first, quarter_index(today))
        panel_missing = {m: panel.get_column(m).null_count() for m in metrics}
        result["panel"] = {"firms": panel.get_column(FIRM_ID).n_unique(),
                           "quarters": quarter_index(today) - first + 1}
        effects, not_estimated = _effects(panel, metrics, replications)
    else:
        not_estimated = [{"metric": m, "reason": "no_comparison_group"} for m in metrics]
    result["effects"] = effects
    result["not_estimated"] = not_estimated
    result["funnel"] = [{"stage": str(s.stage), "pairs": s.pairs, "conversion": s.conversion,
                         "overall": s.overall} for s in funnel(activities)]
    result["activities"] = _activity_counts(activities)
    result.update(_outcomes(program, catalog, registry, observations, admitted, today,
                            stale_after_days) if admitted else {})
    dates = store.assessment_dates(session, list(admitted))
    result["follow_ups"] = _follow_up_rows(program, admitted, dates, activities, today, rule)
    result["missing"] = {
        "firm_quarters_without_observation": panel_missing,
        "participants_without_assessment_after_admission": sorted(
            f for f, d in admitted.items() if not any(x > d for x in dates.get(f, []))),
        "participants_without_comparison": group["unmatched"],
    }
    clean: dict[str, Any] = finite(result)
    return clean


def _follow_up_rows(program: Program, admitted: dict[str, dt.date],
                    dates: dict[str, list[dt.date]], activities: Sequence[Any],
                    today: dt.date, rule: FollowUpRule) -> list[dict[str, Any]]:
    return [{"kind": str(f.kind), "firm_id": f.firm_id, "due_on": f.due_on.isoformat(),
             "status": str(f.status), "buyer": f.buyer,
             "last_stage": None if f.last_stage is None else str(f.last_stage)}
            for f in follow_ups(admitted, dates, activities, program.target_date, today, rule)]


def due_follow_ups(session: Session, program_id: str, today: dt.date,
                   rule: FollowUpRule = FollowUpRule()) -> list[dict[str, Any]]:
    """The follow-ups of one program due or overdue on ``today`` (as in :func:`evaluate`,
    without estimating anything)."""
    program = store.get_program(session, program_id)
    admitted = {a.firm_id: a.on for a in store.admissions(session, program_id) if a.admitted}
    activities = store.activities(session, program_id)
    dates = store.assessment_dates(session, list(admitted))
    return _follow_up_rows(program, admitted, dates, activities, today, rule)


def follow_up_summary(session: Session, today: dt.date,
                      rule: FollowUpRule = FollowUpRule()) -> list[dict[str, Any]]:
    """Per program with follow-ups due or overdue on ``today``: how many of each and the
    oldest overdue date (the dashboard's reminder that no evaluation goes missing
    silently), most overdue first."""
    rows = []
    for program, _admitted, _refused in store.list_programs(session):
        due = due_follow_ups(session, program.id, today, rule)
        if not due:
            continue
        overdue = sorted(f["due_on"] for f in due if f["status"] == "overdue")
        rows.append({"id": program.id, "name": program.name, "overdue": len(overdue),
                     "due": len(due) - len(overdue),
                     "oldest_overdue": overdue[0] if overdue else None})
    return sorted(rows, key=lambda r: (-r["overdue"], r["oldest_overdue"] or "", r["id"]))


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite number replaced by None, so the JSON is valid
    and a reader sees "no value" rather than a number that is not one."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def _activity_counts(activities: Sequence[Any]) -> dict[str, dict[str, float]]:
    counts: dict[str, dict[str, float]] = {}
    for a in activities:
        if a.kind in FUNNEL and a.kind is not ActivityKind.MATCHMAKING_MEETING:
            continue
        entry = counts.setdefault(str(a.kind), {"records": 0, "amount": 0.0, "units": 0})
        entry["records"] += 1
        entry["amount"] += a.amount or 0.0
        entry["units"] += a.units or 0
    return counts


def decision_rows(catalog: Catalog, session: Session, program_id: str) -> list[dict[str, Any]]:
    """Every admission decision with its reasons in words (current language)."""
    from escalera.reports.program_report import shortfall_text

    program = store.get_program(session, program_id)
    decided = store.admissions(session, program_id)
    names = firm_names(session, [a.firm_id for a in decided])
    return [{"firm_id": a.firm_id, "name": names.get(a.firm_id, ""), "on": a.on.isoformat(),
             "admitted": a.admitted, "level": a.level,
             "reasons": [shortfall_text(catalog, s, program.admission.ladder)
                         for s in a.shortfalls]}
            for a in decided]


def report(session: Session, catalog: Catalog, program_id: str, today: dt.date, *,
           stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
           rule: FollowUpRule = FollowUpRule(), replications: int = 199,
           evaluation: dict[str, Any] | None = None, fragment: bool = False) -> str:
    """The evaluation report as an HTML page in the current language (``evaluation``: one
    already run for the same date, else it is run here; ``fragment``: the page's body
    alone, for the web application's layout)."""
    from escalera.reports.program_report import render_program_report
    from escalera.services.programs import program_summary

    program = store.get_program(session, program_id)
    if evaluation is None:
        evaluation = evaluate(session, catalog, program_id, today,
                              stale_after_days=stale_after_days, rule=rule,
                              replications=replications)
    summary = program_summary(program, evaluation["admitted"], evaluation["refused"])
    return render_program_report(catalog, program, summary,
                                 decision_rows(catalog, session, program_id), evaluation,
                                 fragment=fragment)
