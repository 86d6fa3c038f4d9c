"""Judging a lot with one ISO 2859-1 plan per defect class, what the switching rules take from
it, and the quality metrics of a year of lots. Expectations come from ``sampling_plan`` and
the master tables (tested on their own in test_sampling.py), never from a run of ``judge``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.domain import sampling_tables as tables
from escalera.domain.defects import (
    DEFECTS,
    DefectClass,
    UnknownDefect,
    defect,
    defect_class,
)
from escalera.domain.inspections import (
    DEFECTS_METRIC,
    LOT_ACCEPTANCE_METRIC,
    ZERO_TOLERANCE,
    DefectCount,
    LotSummary,
    count_defects,
    judge,
    normalize_class_aql,
    quality_metrics,
)
from escalera.domain.sampling import (
    Basis,
    Decision,
    SamplingError,
    SamplingPlan,
    Severity,
    code_letter,
    sampling_plan,
    tighter_acceptance_number,
)
from escalera.i18n import current_language, set_language

CRIT, MAJ, MIN = DefectClass.CRITICAL, DefectClass.MAJOR, DefectClass.MINOR
SEVERITIES = ("normal", "tightened", "reduced")
UNITS_AQLS = tuple(a for a in tables.AQL_SERIES if float(a) <= 10)
MASTERS = {"normal": tables.NORMAL, "tightened": tables.TIGHTENED, "reduced": tables.REDUCED}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def counts(**by_class: int) -> tuple[DefectCount, ...]:
    """One catalog defect per class, ``critical=1, major=3``..."""
    code = {CRIT: "needle_or_metal", MAJ: "open_seam", MIN: "loose_thread"}
    return tuple(DefectCount(code[DefectClass(k)], DefectClass(k), n)
                 for k, n in by_class.items() if n)


def expected_plans(lot: int, level: str, aqls: dict[DefectClass, str],
                   severity: str) -> dict[DefectClass, SamplingPlan]:
    return {cls: sampling_plan(lot, level, aql, severity)
            for cls, aql in aqls.items() if aql != ZERO_TOLERANCE}


def first_sample(lot: int, level: str, severity: str) -> int:
    """The sample of Table 1's letter, what a zero-tolerance-only lot draws."""
    sizes = tables.REDUCED_SAMPLE_SIZES if severity == "reduced" else tables.SAMPLE_SIZES
    return min(sizes[code_letter(lot, level)], lot)


# --- plans per class -----------------------------------------------------------------------

AQL_SETS = [
    {CRIT: "0.65", MAJ: "2.5", MIN: "4.0"},
    {CRIT: "0", MAJ: "1.0", MIN: "6.5"},
    {CRIT: "0", MAJ: "0.10", MIN: "4.0"},  # arrows: the classes get different samples
    {MAJ: "0.040"},
]


@pytest.mark.parametrize("aqls", AQL_SETS, ids=lambda a: "-".join(a.values()))
@pytest.mark.parametrize("severity", SEVERITIES)
@pytest.mark.parametrize("level", ["S-1", "S-3", "I", "II", "III"])
@pytest.mark.parametrize("lot", [5, 40, 200, 1200, 20_000, 600_000])
def test_each_class_gets_the_plan_of_its_aql(lot: int, level: str, severity: str,
                                             aqls: dict[DefectClass, str]) -> None:
    result = judge(lot, level, aqls, (), severity)
    plans = expected_plans(lot, level, aqls, severity)
    drawn = max((p.sample_size for p in plans.values()),
                default=first_sample(lot, level, severity))
    assert result.sample_size == drawn
    assert result.full_inspection == (drawn >= lot)
    assert result.table_letter == code_letter(lot, level)
    assert [c.defect_class for c in result.classes] == [c for c in (CRIT, MAJ, MIN)
                                                         if c in aqls]
    for judged in result.classes:
        plan = plans.get(judged.defect_class)
        if plan is None:  # zero tolerance: the largest sample, Ac 0
            assert (judged.plan, judged.sample_size, judged.ac, judged.re) == (None, drawn, 0, 1)
        else:
            assert judged.plan == plan
            assert (judged.sample_size, judged.ac, judged.re) == (plan.sample_size, plan.ac,
                                                                  plan.re)
        assert judged.found == 0 and judged.decision is Decision.ACCEPT
    assert result.accepted and result.defects_found == 0


def test_arrows_give_classes_different_samples_and_zero_tolerance_takes_the_largest() -> None:
    aqls = {CRIT: "0", MAJ: "0.10", MIN: "4.0"}
    plans = expected_plans(1200, "II", aqls, "normal")
    assert plans[MAJ].sample_size != plans[MIN].sample_size  # the case is a real one
    result = judge(1200, "II", aqls, counts(critical=1))
    critical = result.classes[0]
    assert critical.sample_size == max(p.sample_size for p in plans.values())
    assert critical.decision is Decision.REJECT and not result.accepted


def test_zero_tolerance_only_draws_table_1s_sample() -> None:
    for severity in SEVERITIES:
        result = judge(1200, "II", {CRIT: "0"}, (), severity)
        assert result.sample_size == first_sample(1200, "II", severity)
    assert judge(2, "II", {CRIT: "0"}, ()).full_inspection
    assert not judge(3, "II", {CRIT: "0"}, ()).full_inspection


@pytest.mark.parametrize("value", ["0", "0.0", "0.00", 0, 0.0])
def test_zero_is_zero_tolerance(value: str | float) -> None:
    assert normalize_class_aql(value) == ZERO_TOLERANCE


def test_an_aql_outside_the_series_is_refused() -> None:
    with pytest.raises(SamplingError, match=r"AQL 3\.0 is not"):
        judge(1200, "II", {MAJ: "3.0"}, ())


# --- the decision ---------------------------------------------------------------------------

def test_accepted_only_when_every_class_is_accepted() -> None:
    aqls = {CRIT: "0", MAJ: "2.5", MIN: "4.0"}
    plans = expected_plans(1200, "II", aqls, "normal")
    at_limit = judge(1200, "II", aqls, counts(major=plans[MAJ].ac, minor=plans[MIN].ac))
    assert at_limit.accepted and at_limit.defects_found == plans[MAJ].ac + plans[MIN].ac
    for over in ({"major": plans[MAJ].re}, {"minor": plans[MIN].re}, {"critical": 1}):
        result = judge(1200, "II", aqls, counts(**over))
        assert result.decision is Decision.REJECT
        rejected = [c.defect_class for c in result.classes if c.decision is Decision.REJECT]
        assert rejected == [DefectClass(next(iter(over)))]


def test_defects_of_a_class_without_an_aql_are_refused() -> None:
    with pytest.raises(SamplingError, match="minor"):
        judge(1200, "II", {MAJ: "2.5"}, counts(minor=2))
    with pytest.raises(SamplingError):
        judge(1200, "II", {}, ())


def test_more_nonconforming_units_than_sampled() -> None:
    n = sampling_plan(100, "II", "2.5").sample_size
    with pytest.raises(SamplingError) as raised:
        judge(100, "II", {MAJ: "2.5"}, counts(major=n + 1))
    message = str(raised.value)
    assert f"{n + 1} nonconforming units" in message and f"only {n} units" in message
    # nonconformities: a unit may carry several, so the count is possible (and rejects)
    result = judge(100, "II", {MAJ: "2.5"}, counts(major=n + 1), basis="nonconformities")
    assert result.basis is Basis.NONCONFORMITIES and result.decision is Decision.REJECT
    assert result.classes[0].found == n + 1


def test_units_basis_counts_each_unit_once_across_classes() -> None:
    aqls = {MAJ: "10", MIN: "10"}
    n = judge(50, "II", aqls, ()).sample_size
    split = n // 2 + 1
    with pytest.raises(SamplingError, match=str(n)):
        judge(50, "II", aqls, counts(major=split, minor=split))


def test_aql_above_10_needs_the_nonconformities_basis() -> None:
    with pytest.raises(SamplingError, match="15"):
        judge(1200, "II", {MIN: "15"}, ())
    plan = sampling_plan(1200, "II", "15")
    result = judge(1200, "II", {MIN: "15"}, counts(minor=plan.ac), basis="nonconformities")
    assert result.accepted


def test_discontinued_and_unknown_severity_have_no_plan() -> None:
    with pytest.raises(SamplingError, match="discontinued"):
        judge(1200, "II", {MAJ: "2.5"}, (), Severity.DISCONTINUED)
    with pytest.raises(SamplingError, match="strict"):
        judge(1200, "II", {MAJ: "2.5"}, (), "strict")


@pytest.mark.parametrize(("lot", "level", "needle"), [(0, "II", "lot size"),
                                                      (-5, "II", "got -5"),
                                                      (100, "IV", "'IV'")])
def test_bad_lot_size_or_level(lot: int, level: str, needle: str) -> None:
    with pytest.raises(SamplingError, match=needle):
        judge(lot, level, {MAJ: "2.5"}, ())


# --- the defect catalog ---------------------------------------------------------------------

def test_unknown_defect_code_or_class_names_it() -> None:
    with pytest.raises(UnknownDefect, match="frayed_cuff"):
        count_defects({"frayed_cuff": 1})
    with pytest.raises(UnknownDefect, match="frayed_cuff"):
        count_defects({"open_seam": 1}, {"frayed_cuff": "minor"})
    with pytest.raises(UnknownDefect, match="cosmetic"):
        count_defects({"open_seam": 1}, {"open_seam": "cosmetic"})
    with pytest.raises(UnknownDefect, match="cosmetic"):
        judge(1200, "II", {"cosmetic": "2.5"}, ())  # type: ignore[dict-item]
    with pytest.raises(UnknownDefect, match="cosmetic"):
        defect_class("cosmetic")


def test_count_defects_uses_the_catalog_class_unless_moved() -> None:
    found = count_defects({"stain": 2, "Open-Seam": 1, "puckering": 3, "pressing": 0})
    assert found == (DefectCount("open_seam", MAJ, 1), DefectCount("stain", MAJ, 2),
                     DefectCount("puckering", MIN, 3))
    moved = count_defects({"stain": 2, "loose_thread": 1},
                          {"stain": "minor", "loose thread": "MAJOR"})
    assert moved == (DefectCount("loose_thread", MAJ, 1), DefectCount("stain", MIN, 2))


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_count_defects_refuses_counts_that_are_not_whole_numbers(bad: object) -> None:
    with pytest.raises(SamplingError, match="open_seam"):
        count_defects({"open_seam": bad})  # type: ignore[dict-item]


def test_catalog_codes_are_unique_and_every_class_has_defects() -> None:
    codes = [d.code for d in DEFECTS]
    assert len(codes) == len(set(codes))
    assert {d.default_class for d in DEFECTS} == set(DefectClass)
    for code in ("open_seam", "broken_stitch", "skipped_stitch", "stain", "shade_variation",
                 "measurement", "wrong_label"):
        assert defect(code).code == code


# --- what the switching rules take ----------------------------------------------------------

AC2 = {CRIT: "0", MAJ: "2.5", MIN: "4.0"}  # at 1200/II both coded classes have Ac >= 2


@pytest.mark.parametrize("major", range(0, 7))
@pytest.mark.parametrize("minor", [0, 3, 5, 6])
def test_accepted_at_tighter_aql_is_read_from_the_tables(major: int, minor: int) -> None:
    plans = expected_plans(1200, "II", AC2, "normal")
    assert plans[MAJ].ac >= 2 and plans[MIN].ac >= 2
    result = judge(1200, "II", AC2, counts(major=major, minor=minor))
    by_class = {c.defect_class: c for c in result.classes}
    tighter = {cls: tighter_acceptance_number(plans[cls]) for cls in (MAJ, MIN)}
    found = {MAJ: major, MIN: minor}
    for cls in (MAJ, MIN):
        expected = found[cls] <= tighter[cls] if found[cls] <= plans[cls].ac else None
        assert by_class[cls].accepted_at_tighter_aql == expected, cls
    assert by_class[CRIT].accepted_at_tighter_aql is None
    lot = result.lot_result("L1", dt.date(2026, 3, 2))
    assert lot.accepted == result.accepted
    assert lot.acceptance_number == max(plans[MAJ].ac, plans[MIN].ac)
    if result.accepted:
        assert lot.accepted_at_tighter_aql == all(found[c] <= tighter[c] for c in (MAJ, MIN))
    else:
        assert lot.accepted_at_tighter_aql is None


def test_tighter_is_undefined_below_ac_2() -> None:
    aqls = {CRIT: "0", MAJ: "0.65"}
    plan = sampling_plan(1200, "II", "0.65")
    assert plan.ac < 2
    result = judge(1200, "II", aqls, counts(major=plan.ac))
    assert result.accepted and result.classes[1].accepted_at_tighter_aql is None
    lot = result.lot_result("L2", dt.date(2026, 3, 2), resubmitted=True)
    assert lot.accepted_at_tighter_aql is None and lot.acceptance_number == plan.ac
    assert lot.resubmitted and lot.lot_id == "L2" and lot.date == dt.date(2026, 3, 2)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_tighter_acceptance_number_is_smaller_for_every_cell_with_ac_2_or_more(
        severity: str) -> None:
    checked = 0
    for letter, row in MASTERS[severity].items():
        for column, cell in enumerate(row.split()):
            if not cell.isdigit() or int(cell) < 2:
                continue
            ac = int(cell)
            plan = SamplingPlan(lot_size=10**6, level="II", aql=tables.AQL_SERIES[column],
                                severity=severity, code_letter=letter, table_letter=letter,
                                sample_size=10, ac=ac, re=ac + 1, full_inspection=False)
            tighter = tighter_acceptance_number(plan)
            assert tighter is not None and 0 <= tighter < ac, (letter, plan.aql)
            assert str(tighter) == row.split()[column - 1]
            checked += 1
    assert checked > 50


def test_tighter_acceptance_number_at_the_tightest_aql_is_none() -> None:
    plan = sampling_plan(600_000, "III", "0.010")
    assert tighter_acceptance_number(plan) is None


# --- property: the verdict is "every class within its Ac" -----------------------------------

def class_aqls(series: tuple[str, ...]) -> st.SearchStrategy[dict[DefectClass, str]]:
    return st.dictionaries(st.sampled_from(list(DefectClass)),
                           st.sampled_from((ZERO_TOLERANCE, *series)), min_size=1)


@settings(max_examples=300, deadline=None)
@given(lot=st.integers(1, 700_000), level=st.sampled_from(tables.LEVELS),
       severity=st.sampled_from(SEVERITIES), units=st.booleans(), data=st.data())
def test_decision_is_every_class_within_its_acceptance_number(
        lot: int, level: str, severity: str, units: bool, data: st.DataObject) -> None:
    aqls = data.draw(class_aqls(UNITS_AQLS if units else tables.AQL_SERIES))
    plans = expected_plans(lot, level, aqls, severity)
    drawn = max((p.sample_size for p in plans.values()),
                default=first_sample(lot, level, severity))
    found: dict[DefectClass, int] = {}
    for cls in aqls:  # on the units basis a unit counts once, in one class
        cap = 40
        if units:
            cap = min(cap, drawn - sum(found.values()),
                      plans[cls].sample_size if cls in plans else drawn)
        found[cls] = data.draw(st.integers(0, cap))
    basis = "units" if units else "nonconformities"
    defects = tuple(DefectCount("x", c, n) for c, n in found.items() if n)
    result = judge(lot, level, aqls, defects, severity, basis)
    acs = {c: plans[c].ac if c in plans else 0 for c in aqls}
    assert result.accepted == all(found[c] <= acs[c] for c in aqls)
    assert result.defects_found == sum(found.values())
    lot_result = result.lot_result("L", dt.date(2026, 1, 1))  # never contradicts itself
    assert lot_result.accepted == result.accepted
    assert lot_result.acceptance_number == max(acs.values())


# --- quality metrics ------------------------------------------------------------------------

ON = dt.date(2026, 11, 20)


def summary(days_before: int, accepted: bool, n: int = 50, defects: int = 0,
            resubmitted: bool = False) -> LotSummary:
    return LotSummary(ON - dt.timedelta(days=days_before), accepted, n, defects, resubmitted)


def test_window_is_the_365_days_up_to_and_including_the_day() -> None:
    inside = [summary(0, True, 50, 1), summary(364, False, 80, 6)]
    outside = [summary(365, False, 20, 20), summary(-1, False, 20, 20)]
    assert quality_metrics(inside + outside, ON) == {
        LOT_ACCEPTANCE_METRIC: 50.0, DEFECTS_METRIC: round(100 * 7 / 130, 2)}
    assert quality_metrics(outside[:1], ON) == {}
    assert quality_metrics(inside, ON, window_days=1) == {LOT_ACCEPTANCE_METRIC: 100.0,
                                                          DEFECTS_METRIC: 2.0}


def test_resubmitted_lots_count_units_but_not_the_acceptance_rate() -> None:
    lots = [summary(10, False, 80, 5), summary(9, True, 80, 1, resubmitted=True),
            summary(3, True, 125, 2), summary(2, True, 125, 0)]
    metrics = quality_metrics(lots, ON)
    assert metrics[LOT_ACCEPTANCE_METRIC] == round(100 * 2 / 3, 2)
    assert metrics[DEFECTS_METRIC] == round(100 * 8 / 410, 2)
    only_resubmitted = quality_metrics([summary(1, True, 50, 2, resubmitted=True)], ON)
    assert only_resubmitted == {DEFECTS_METRIC: 4.0}


def test_no_lots_no_metrics() -> None:
    assert quality_metrics([], ON) == {}
