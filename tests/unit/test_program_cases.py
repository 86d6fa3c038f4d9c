"""The case seminar's rule on constructed trajectories: the largest climb is the success, the
least progress the failure, ties are settled the same way every time, missing data is never
a failure, and when nothing qualifies the reason says why."""

from __future__ import annotations

import datetime as dt

from escalera.domain.program_cases import (
    BELOW_FIRST_LEVEL,
    NOT_ASSESSED,
    CasePoint,
    NoCase,
    Trajectory,
    failure_candidates,
    level_rank,
    pick_cases,
    success_candidates,
)

LEVELS = ("tier_3", "tier_2", "tier_1")
ENTRY = dt.date(2025, 1, 20)
TARGET = dt.date(2026, 3, 31)
TODAY = dt.date(2026, 9, 1)


def day(months: int) -> dt.date:
    """``months`` after the admission date (30-day months)."""
    return ENTRY + dt.timedelta(days=30 * months)


def path(firm: str, *points: tuple[int, str, bool | None, int]) -> Trajectory:
    """(months after entry, level, meets the target, requirements short)."""
    return Trajectory(firm, ENTRY, tuple(CasePoint(day(m), lv, meets, gaps)
                                         for m, lv, meets, gaps in points))


def test_levels_rank_from_below_the_first() -> None:
    assert [level_rank(lv, LEVELS) for lv in (BELOW_FIRST_LEVEL, *LEVELS, NOT_ASSESSED)] == [
        0, 1, 2, 3, None]


def test_the_largest_climb_is_the_success() -> None:
    one_level = path("F-B", (0, "tier_3", False, 4), (5, "tier_2", True, 0))
    two_levels = path("F-C", (0, BELOW_FIRST_LEVEL, False, 6), (9, "tier_2", True, 0))
    late = path("F-A", (0, BELOW_FIRST_LEVEL, False, 6), (15, "tier_2", True, 0))  # after TARGET
    picks = pick_cases([one_level, two_levels, late], TARGET, TODAY, LEVELS)
    assert picks.success is not None and picks.success.firm_id == "F-C"
    assert picks.success.levels_gained == 2 and picks.success.on == day(9)
    assert picks.success.gaps_at_entry - picks.success.gaps_now == 6
    ranked = success_candidates([one_level, two_levels, late], TARGET, LEVELS)
    assert [c.firm_id for c in ranked] == ["F-C", "F-B"]  # reaching after the date is not it


def test_success_ties_go_to_more_gaps_closed_then_fewer_days_then_the_id() -> None:
    fewer_gaps = path("F-A", (0, "tier_3", False, 2), (3, "tier_2", True, 0))
    slow = path("F-B", (0, "tier_3", False, 5), (8, "tier_2", True, 0))
    fast_z = path("F-Z", (0, "tier_3", False, 5), (4, "tier_2", True, 0))
    fast_y = path("F-Y", (0, "tier_3", False, 5), (4, "tier_2", True, 0))
    ranked = success_candidates([fewer_gaps, slow, fast_z, fast_y], TARGET, LEVELS)
    assert [c.firm_id for c in ranked] == ["F-Y", "F-Z", "F-B", "F-A"]
    reversed_order = success_candidates([fast_y, fast_z, slow, fewer_gaps][::-1], TARGET,
                                        LEVELS)
    assert [c.firm_id for c in reversed_order] == [c.firm_id for c in ranked]


def test_a_firm_already_at_the_target_when_admitted_is_no_success() -> None:
    at_entry = path("F-A", (0, "tier_2", True, 0), (6, "tier_2", True, 0))
    picks = pick_cases([at_entry], TARGET, TODAY, LEVELS)
    assert picks.success is None and picks.no_success is NoCase.ONLY_AT_ENTRY


def test_the_least_progress_is_the_failure() -> None:
    fell = path("F-Z", (0, "tier_3", False, 4), (10, "tier_3", False, 4),
                (16, BELOW_FIRST_LEVEL, False, 7))
    stayed = path("F-A", (0, "tier_3", False, 4), (16, "tier_3", False, 6))
    stayed_more_gaps = path("F-B", (0, "tier_3", False, 4), (17, "tier_3", False, 8))
    picks = pick_cases([stayed, fell, stayed_more_gaps], TARGET, TODAY, LEVELS)
    assert picks.failure is not None and picks.failure.firm_id == "F-Z"
    assert picks.failure.levels_gained == -1 and picks.failure.level == BELOW_FIRST_LEVEL
    ranked = failure_candidates([stayed, fell, stayed_more_gaps], TARGET, LEVELS)
    assert [c.firm_id for c in ranked] == ["F-Z", "F-B", "F-A"]


def test_failure_ties_go_to_the_firm_id() -> None:
    twins = [path(f, (0, "tier_3", False, 4), (16, "tier_3", False, 4)) for f in
             ("F-Q", "F-D", "F-M")]
    assert [c.firm_id for c in failure_candidates(twins, TARGET, LEVELS)] == [
        "F-D", "F-M", "F-Q"]


def test_missing_data_is_never_a_failure() -> None:
    never_followed = path("F-A", (0, "tier_3", False, 4))
    only_before = path("F-B", (0, "tier_3", False, 4), (6, "tier_3", False, 4))
    cannot_say = path("F-C", (0, "tier_3", False, 4), (16, NOT_ASSESSED, None, 0))
    picks = pick_cases([never_followed, only_before, cannot_say], TARGET, TODAY, LEVELS)
    assert picks.failure is None and picks.no_failure is NoCase.NO_FOLLOW_UP
    short = path("F-D", (0, "tier_3", False, 4), (16, "tier_3", False, 3))
    picks = pick_cases([never_followed, only_before, cannot_say, short], TARGET, TODAY, LEVELS)
    assert picks.failure is not None and picks.failure.firm_id == "F-D"


def test_reaching_the_target_in_time_and_slipping_later_is_not_a_failure() -> None:
    slipped = path("F-A", (0, "tier_3", False, 4), (6, "tier_2", True, 0),
                   (16, "tier_3", False, 2))
    picks = pick_cases([slipped], TARGET, TODAY, LEVELS)
    assert picks.failure is None and picks.no_failure is NoCase.ALL_REACHED
    assert picks.success is not None and picks.success.firm_id == "F-A"


def test_an_unmeasured_climb_ranks_after_a_measured_one() -> None:
    unknown = path("F-A", (0, NOT_ASSESSED, False, 3), (4, "tier_2", True, 0))
    measured = path("F-B", (0, "tier_3", False, 1), (9, "tier_2", True, 0))
    assert [c.firm_id for c in success_candidates([unknown, measured], TARGET, LEVELS)] == [
        "F-B", "F-A"]


def test_when_nothing_qualifies_the_reason_is_given() -> None:
    empty = pick_cases([], TARGET, TODAY, LEVELS)
    assert (empty.success, empty.failure) == (None, None)
    assert empty.no_success is empty.no_failure is NoCase.NO_PARTICIPANTS
    climbing = path("F-A", (0, "tier_3", False, 4), (6, "tier_3", False, 2))
    early = pick_cases([climbing], TARGET, day(7), LEVELS)
    assert early.no_success is NoCase.NONE_REACHED
    assert early.no_failure is NoCase.TARGET_DATE_AHEAD
