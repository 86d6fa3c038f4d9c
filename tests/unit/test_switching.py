"""Switching rules (ISO 2859-1:1999): worked examples of every transition and properties."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.domain.switching import (
    START,
    InspectionDiscontinued,
    InvalidLotResult,
    LotResult,
    ReasonCode,
    ResumeRefused,
    Severity,
    SwitchingState,
    Transition,
    next_score,
    replay,
    resume,
    resumption,
    step,
)
from escalera.i18n import set_language

DAY0 = dt.date(2026, 1, 5)
N, T, R, D = Severity.NORMAL, Severity.TIGHTENED, Severity.REDUCED, Severity.DISCONTINUED


def lot(n: int, accepted: bool = True, *, ac: int = 1, found: int | None = None,
        tighter: bool | None = None, resubmitted: bool = False) -> LotResult:
    if found is None:
        found = 0 if accepted else ac + 1
    return LotResult(f"L{n}", DAY0 + dt.timedelta(days=n), accepted, ac, found, tighter,
                     resubmitted)


def lots(flags: list[bool]) -> list[LotResult]:
    return [lot(i, a) for i, a in enumerate(flags)]


def tightened() -> SwitchingState:
    state, _ = replay(lots([False, False]))
    assert state.severity is T
    return state


def reduced() -> SwitchingState:
    state, _ = replay(lots([True] * 15), approved_for_reduced=True)
    assert state.severity is R
    return state


# --- worked examples -------------------------------------------------------------------

def test_normal_to_tightened_at_the_second_non_accepted_lot_within_five() -> None:
    state, moves = replay(lots([True, False, True, True, True, True, False, True]))
    assert state.severity is N and not moves  # L1 to L6 are six lots: no switch
    state, moves = replay(lots([True, False, True, True, False, True]))
    assert state.severity is T
    [move] = moves
    assert (move.lot_id, move.from_severity, move.to_severity) == ("L4", N, T)
    assert move.reason_code is ReasonCode.TWO_NOT_ACCEPTED
    set_language("en")
    assert str(move.reason) == ("2 of the last 4 consecutive lots on normal inspection were "
                                "not accepted")
    set_language("es")
    assert str(move.reason) == ("2 de los últimos 4 lotes consecutivos en inspección normal "
                                "no fueron aceptados")


def test_tightened_to_normal_after_five_consecutive_accepted() -> None:
    state = tightened()
    state, moves = replay([lot(10 + i, a) for i, a in
                           enumerate([True, True, False, True, True, True, True])], start=state)
    assert state.severity is T and not moves and state.accepted_in_row == 4
    state, move = step(state, lot(20))
    assert state == SwitchingState(severity=N)
    assert move is not None and move.reason_code is ReasonCode.FIVE_ACCEPTED
    assert (move.from_severity, move.to_severity) == (T, N)


def test_discontinued_when_five_lots_not_accepted_on_tightened() -> None:
    state = tightened()
    flags = [False, True, False, True, True, True, True, False, False]  # 4 not accepted
    state, moves = replay([lot(10 + i, a) for i, a in enumerate(flags)], start=state)
    assert state.severity is T and state.not_accepted == 4 and not moves
    state, move = step(state, lot(30, False))
    assert state.severity is D
    assert move is not None and move.reason_code is ReasonCode.FIVE_NOT_ACCEPTED_ON_TIGHTENED
    with pytest.raises(InspectionDiscontinued) as caught:
        step(state, lot(31))
    set_language("es")
    assert "L31" in str(caught.value) and "suspendida" in str(caught.value)


def test_resume_only_after_corrective_action_and_on_tightened() -> None:
    state, _ = replay(lots([False] * 7))
    assert state.severity is D
    with pytest.raises(ResumeRefused):
        resume(state, "   ")
    resumed, move = resumption(state, "nuevo proveedor de tela", dt.date(2026, 3, 1))
    assert resumed.severity is T and resumed.not_accepted == 0
    assert (move.from_severity, move.to_severity, move.lot_id) == (D, T, None)
    set_language("es")
    assert str(move.reason) == "acción correctiva tomada: nuevo proveedor de tela"
    with pytest.raises(ResumeRefused) as caught:
        resume(resumed, "otra vez")
    assert str(caught.value) == ("sólo una línea suspendida puede reanudarse; esta está en "
                                 "inspección rigurosa")


def test_normal_to_reduced_needs_score_30_steady_production_and_approval() -> None:
    fifteen = lots([True] * 15)  # Ac 0 or 1: +2 a lot, so 30 at the 15th
    state, moves = replay(fifteen)
    assert state.severity is N and state.score == 30 and not moves
    state, moves = replay(fifteen, approved_for_reduced=True, steady_production=False)
    assert state.severity is N and not moves
    state, moves = replay(fifteen, approved_for_reduced=True)
    [move] = moves
    assert (move.lot_id, move.to_severity, state.score) == ("L14", R, 0)
    set_language("en")
    assert "reached 30" in str(move.reason)


def test_score_with_acceptance_number_two_or_more() -> None:
    assert next_score(9, lot(1, ac=3, found=1, tighter=True)) == 12
    assert next_score(9, lot(1, ac=3, found=3, tighter=False)) == 0
    assert next_score(9, lot(1, False, ac=3)) == 0
    assert next_score(9, lot(1, ac=1)) == 11
    assert next_score(9, lot(1, False, ac=0)) == 0
    with pytest.raises(InvalidLotResult):
        next_score(0, lot(1, ac=2))
    state, moves = replay([lot(i, ac=2, found=0, tighter=True) for i in range(10)],
                          approved_for_reduced=True)
    assert state.severity is R and moves[0].lot_id == "L9"  # 10 x 3 = 30


def test_a_non_accepted_lot_resets_the_score() -> None:
    state, _ = replay(lots([True] * 14 + [False] + [True] * 5), approved_for_reduced=True)
    assert state.severity is N and state.score == 10


def test_reduced_back_to_normal_for_each_reason() -> None:
    for kwargs, accepted, code in [
        ({}, False, ReasonCode.NOT_ACCEPTED_ON_REDUCED),
        ({"steady_production": False}, True, ReasonCode.IRREGULAR_PRODUCTION),
        ({"normal_warranted": True}, True, ReasonCode.NORMAL_WARRANTED),
    ]:
        state, move = step(reduced(), lot(40, accepted), **kwargs)
        assert state == SwitchingState(severity=N)
        assert move is not None and move.reason_code is code and move.from_severity is R
    state, move = step(reduced(), lot(40))
    assert state.severity is R and move is None


def test_resubmitted_lots_do_not_count() -> None:
    state, moves = replay([lot(0, False), lot(1, False, resubmitted=True), lot(2)])
    assert state.severity is N and not moves


def test_lot_results_must_be_consistent() -> None:
    with pytest.raises(InvalidLotResult):
        LotResult("L1", DAY0, True, 1, 2)
    with pytest.raises(InvalidLotResult):
        LotResult("L1", DAY0, False, 1, 2, accepted_at_tighter_aql=True)
    with pytest.raises(InvalidLotResult):
        replay([lot(5), lot(3)])
    set_language("es")
    with pytest.raises(InvalidLotResult) as caught:
        LotResult("L9", DAY0, True, 1, 3)
    assert str(caught.value) == ("el lote L9 está marcado como aceptado pero tiene 3 no "
                                 "conformes, más que el número de aceptación 1")


def test_per_lot_conditions_in_replay() -> None:
    state, moves = replay(lots([True] * 20),
                          approved_for_reduced=lambda result: result.lot_id == "L17")
    assert state.severity is R and [m.lot_id for m in moves] == ["L17"]


# --- properties ------------------------------------------------------------------------

results = st.lists(st.booleans(), max_size=60)
condition_flags = st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()),
                           min_size=60, max_size=60)


def until_discontinued(flags: list[bool], conds: list[tuple[bool, bool, bool]] | None = None
                       ) -> tuple[list[LotResult], list[tuple[SwitchingState, Transition | None]]]:
    """The lots up to (and including) the one that discontinues, and each step's outcome."""
    state, taken, outcomes = START, [], []
    for i, accepted in enumerate(flags):
        steady, approved, warranted = conds[i] if conds else (True, False, False)
        result = lot(i, accepted)
        state, move = step(state, result, steady_production=steady,
                           approved_for_reduced=approved, normal_warranted=warranted)
        taken.append(result)
        outcomes.append((state, move))
        if state.severity is D:
            break
    return taken, outcomes


def normal_after(prefix: list[bool]) -> SwitchingState | None:
    """The state after ``prefix`` and 5 accepted lots: normal with a clean window, or None
    when the prefix discontinued inspection."""
    try:
        state, _ = replay(lots([*prefix, True, True, True, True, True]))
    except InspectionDiscontinued:
        return None
    assert state.severity is N and False not in state.recent
    return state


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 80), st.booleans(), st.booleans())
def test_accepted_lots_never_tighten(n: int, steady: bool, approved: bool) -> None:
    state, moves = replay(lots([True] * n), steady_production=steady,
                          approved_for_reduced=approved)
    assert state.severity is not T and all(m.to_severity is not T for m in moves)


@settings(max_examples=300, deadline=None)
@given(results, st.integers(0, 3))
def test_two_not_accepted_within_five_always_tighten_from_normal(prefix: list[bool],
                                                                gap: int) -> None:
    start = normal_after(prefix)
    if start is None:
        return
    first = len(prefix) + 5
    flags = [False] + [True] * gap + [False]  # a window of gap + 2 <= 5 lots
    state = start
    for i, accepted in enumerate(flags):
        state, move = step(state, lot(first + i, accepted))
        if i < len(flags) - 1:
            assert state.severity is N and move is None
    assert state.severity is T
    assert move is not None and move.lot_id == f"L{first + len(flags) - 1}"
    assert move.reason.params == (("span", gap + 2),)


@settings(max_examples=200, deadline=None)
@given(results, st.integers(5, 12))
def test_two_not_accepted_five_or_more_apart_do_not_tighten(prefix: list[bool],
                                                            gap: int) -> None:
    start = normal_after(prefix)
    if start is None:
        return
    flags = [False] + [True] * (gap - 1) + [False]  # gap - 1 >= 4 accepted in between
    state, moves = replay([lot(len(prefix) + 5 + i, a) for i, a in enumerate(flags)],
                          start=start)
    assert state.severity is N and not moves


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=4).filter(lambda xs: xs.count(False) < 4))
def test_five_accepted_on_tightened_return_to_normal(before: list[bool]) -> None:
    state, _ = replay([lot(10 + i, a) for i, a in enumerate(before)], start=tightened())
    assert state.severity is T
    already = state.accepted_in_row
    for i in range(5 - already):
        state, move = step(state, lot(20 + i))
        assert (state.severity is N) == (i == 4 - already)
    assert move is not None and move.reason_code is ReasonCode.FIVE_ACCEPTED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=40))
def test_five_cumulative_not_accepted_on_tightened_discontinue(flags: list[bool]) -> None:
    state = tightened()
    not_accepted = 0
    for i, accepted in enumerate(flags):
        state, _ = step(state, lot(10 + i, accepted))
        not_accepted += not accepted
        if not_accepted == 5:
            assert state.severity is D
            return
        if state.severity is not T:
            assert state.severity is N  # only via 5 accepted in a row
            return
        assert state.not_accepted == not_accepted
    for i in range(5 - not_accepted):
        state, _ = step(state, lot(100 + i, False))
    assert state.severity is D


@settings(max_examples=300, deadline=None)
@given(results, condition_flags)
def test_reduced_never_directly_follows_tightened_nor_comes_without_approval(
        flags: list[bool], conds: list[tuple[bool, bool, bool]]) -> None:
    _, outcomes = until_discontinued(flags, conds)
    for i, (_state, move) in enumerate(outcomes):
        if move is None:
            continue
        if move.to_severity is R:
            assert move.from_severity is N
            steady, approved, _ = conds[i]
            assert steady and approved
        if move.from_severity is T:
            assert move.to_severity in (N, D)


@settings(max_examples=200, deadline=None)
@given(results)
def test_score_alone_never_reaches_reduced(flags: list[bool]) -> None:
    _, outcomes = until_discontinued(flags)
    assert all(state.severity is not R for state, _ in outcomes)


@settings(max_examples=200, deadline=None)
@given(results, condition_flags)
def test_replay_is_deterministic_and_transitions_chain(
        flags: list[bool], conds: list[tuple[bool, bool, bool]]) -> None:
    taken, _ = until_discontinued(flags, conds)
    by_lot = {result.lot_id: conds[i] for i, result in enumerate(taken)}

    def run() -> tuple[SwitchingState, list[Transition]]:
        return replay(taken, steady_production=lambda r: by_lot[r.lot_id][0],
                      approved_for_reduced=lambda r: by_lot[r.lot_id][1],
                      normal_warranted=lambda r: by_lot[r.lot_id][2])

    first, second = run(), run()
    assert first == second
    state, moves = first
    if moves:
        assert moves[0].from_severity is N
        assert all(a.to_severity is b.from_severity for a, b in pairwise(moves))
        assert moves[-1].to_severity is state.severity
        assert all(a.date <= b.date for a, b in pairwise(moves))
    else:
        assert state.severity is N
    assert state.score == 0 or state.severity is N
