"""Pure assessment rules: the life-cycle, disputes, value and date checks, screening, scope."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalera.domain.assessment_scope import diagnostic_items, quality_items, scope, unmet_items
from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind, Stage
from escalera.domain.lifecycle import (
    TRANSITIONS,
    AssessmentStatus,
    DisputeRefused,
    DisputeStatus,
    IllegalTransition,
    NotEditable,
    can_move,
    check_dispute,
    check_editable,
    check_resolution,
    check_transition,
)
from escalera.domain.observation_rules import (
    InvalidObservation,
    check_date,
    check_values,
    date_problem,
    value_problem,
)
from escalera.domain.screening import InvalidScreening, Outcome, judge_screening
from escalera.i18n import set_language

S = AssessmentStatus
M, P = ItemKind.METRIC, ItemKind.PRACTICE
TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("es")


def test_the_happy_path_and_the_send_back() -> None:
    path = [S.DRAFT, S.SUBMITTED, S.REVIEWED, S.FINAL, S.SUPERSEDED]
    for current, target in itertools.pairwise(path):
        assert check_transition(current, target) is target
    assert can_move(S.SUBMITTED, S.DRAFT) and can_move(S.REVIEWED, S.DRAFT)


@given(st.sampled_from(list(S)), st.sampled_from(list(S)))
def test_every_illegal_transition_is_refused_naming_both_statuses(
        current: AssessmentStatus, target: AssessmentStatus) -> None:
    if target in TRANSITIONS[current]:
        return
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    assert f"from {current} to {target}" in str(info.value)


def test_final_is_never_edited_and_superseded_is_the_end() -> None:
    assert not can_move(S.FINAL, S.DRAFT)
    assert not can_move(S.FINAL, S.SUBMITTED)
    assert TRANSITIONS[S.SUPERSEDED] == frozenset()
    with pytest.raises(IllegalTransition, match="end of its life-cycle"):
        check_transition(S.SUPERSEDED, S.FINAL)
    check_editable(S.DRAFT)
    for status in (S.SUBMITTED, S.REVIEWED, S.FINAL, S.SUPERSEDED):
        with pytest.raises(NotEditable, match=str(status)):
            check_editable(status)


def test_illegal_transition_reads_in_spanish() -> None:
    set_language("es")
    try:
        with pytest.raises(IllegalTransition) as info:
            check_transition(S.FINAL, S.DRAFT)
        assert "no puede pasar de final a borrador" in str(info.value)
        with pytest.raises(IllegalTransition) as info:
            check_transition(S.DRAFT, S.FINAL)
        assert "(desde borrador puede pasar a: enviada)" in str(info.value)
    finally:
        set_language("en")


def test_dispute_window_counts_from_the_day_it_became_final() -> None:
    done = dt.date(2026, 10, 1)
    check_dispute(S.FINAL, done, done + dt.timedelta(days=30), 30, False)
    with pytest.raises(DisputeRefused, match="window closed on 2026-10-31"):
        check_dispute(S.FINAL, done, done + dt.timedelta(days=31), 30, False)
    with pytest.raises(DisputeRefused, match="already has an open dispute"):
        check_dispute(S.FINAL, done, done, 30, True)
    for status in (S.DRAFT, S.SUBMITTED, S.REVIEWED, S.SUPERSEDED):
        with pytest.raises(DisputeRefused, match="only a final assessment"):
            check_dispute(status, done, done, 30, False)


def test_a_dispute_is_resolved_once() -> None:
    check_resolution(DisputeStatus.OPEN, DisputeStatus.UPHELD)
    with pytest.raises(DisputeRefused, match="already resolved"):
        check_resolution(DisputeStatus.REJECTED, DisputeStatus.UPHELD)
    with pytest.raises(DisputeRefused):
        check_resolution(DisputeStatus.OPEN, DisputeStatus.OPEN)


def test_values_unknown_items_and_bounds(catalog: Catalog) -> None:
    assert value_problem(catalog, M, "on_time_delivery_pct", 88) is None
    assert value_problem(catalog, M, "on_time_delivery_pct", 120).code == "above_maximum"
    assert value_problem(catalog, M, "defect_rate_pct", -1).code == "below_minimum"
    assert value_problem(catalog, M, "no_such_metric", 1).code == "unknown_item"
    assert value_problem(catalog, P, "no_such_practice", 1).code == "unknown_item"
    assert value_problem(catalog, P, "final_inspection", 3) is None
    for bad in (4, -1, 1.5, float("nan")):
        assert value_problem(catalog, P, "final_inspection", bad).code == "maturity_range"
    with pytest.raises(InvalidObservation, match="on_time_delivery_pct: 120 is above"):
        check_values(catalog, {(M, "on_time_delivery_pct"): 120.0})
    with pytest.raises(InvalidObservation, match="telepathy: not a practice"):
        check_values(catalog, {(P, "telepathy"): 1.0})


def test_dates_not_in_the_future_nor_before_the_firm() -> None:
    assert date_problem(TODAY, TODAY, None) is None
    assert date_problem(TODAY + dt.timedelta(days=1), TODAY, None).code == "future_date"
    assert date_problem(dt.date(1999, 1, 1), TODAY, dt.date(2000, 1, 1)).code == \
        "before_founding"
    with pytest.raises(InvalidObservation, match="before the firm was founded"):
        check_date(dt.date(1999, 1, 1), TODAY, dt.date(2000, 1, 1))
    with pytest.raises(InvalidObservation, match="in the future"):
        check_date(dt.date(2030, 1, 1), TODAY, None)


def test_screening_proceed_and_not_now_with_reasons(catalog: Catalog) -> None:
    questions = catalog.screening
    good = {q.id: q.top for q in questions}
    assert judge_screening(questions, good).outcome is Outcome.PROCEED
    bad = {**good, "separate_business_accounts": 0, "final_inspection": 0}
    result = judge_screening(questions, bad)
    assert result.outcome is Outcome.NOT_NOW
    assert result.reasons == ("separate_business_accounts", "final_inspection")
    # quality_records has minimum 0: informative, never a reason
    assert judge_screening(questions, {**good, "quality_records": 0}).outcome is Outcome.PROCEED


def test_screening_answers_must_be_complete_known_and_on_scale(catalog: Catalog) -> None:
    questions = catalog.screening
    good = {q.id: q.top for q in questions}
    with pytest.raises(InvalidScreening, match="unanswered"):
        judge_screening(questions, {"production_plan": 1})
    with pytest.raises(InvalidScreening, match="not a question"):
        judge_screening(questions, {**good, "horoscope": 1})
    with pytest.raises(InvalidScreening, match="0-1, got 2"):
        judge_screening(questions, {**good, "production_plan": 2})


def test_diagnostic_covers_every_item_the_ladders_use(catalog: Catalog) -> None:
    items = diagnostic_items(catalog, TODAY)
    for ladder in catalog.ladders:
        for level in ladder.levels:
            standard = level.standard_on(TODAY)
            assert {(M, r.metric) for r in standard.metrics} <= set(items)
            assert {(P, r.practice) for r in standard.practices} <= set(items)
    assert len(items) == len(set(items))
    assert diagnostic_items(catalog, dt.date(1990, 1, 1))  # before every standard version
    assert scope(catalog, Stage.DIAGNOSTIC, TODAY) == items
    assert scope(catalog, Stage.RANDOM_INSPECTION, TODAY) == quality_items(catalog)
    assert scope(catalog, Stage.SCREENING, TODAY) == ()
    assert scope(catalog, Stage.FOLLOW_UP, TODAY) == ()  # nothing to follow up yet


def test_follow_up_is_exactly_the_unmet_requirements(catalog: Catalog) -> None:
    on = dt.date(2026, 3, 1)

    def ev(value: float) -> EvidenceItem:
        return EvidenceItem(value=value, observed_on=on, assessment_id="A-1")

    evidence = Evidence(
        metrics={"on_time_delivery_pct": ev(86), "defect_rate_pct": ev(1.0)},
        practices={"final_inspection": ev(0), "production_planning": ev(3)})
    unmet = unmet_items(catalog, evidence, on)
    # 86 % is short of tier 2's 90 and tier 1's 95; maturity 0 fails every level;
    # a 1 % defect rate and a planning maturity of 3 meet every level.
    assert unmet == ((M, "on_time_delivery_pct"), (P, "final_inspection"))
    assert scope(catalog, Stage.FOLLOW_UP, TODAY, evidence, on) == unmet
