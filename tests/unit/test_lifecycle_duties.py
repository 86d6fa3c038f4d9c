"""Separation of duties in the assessment life-cycle (``domain.lifecycle``): a second person
reviews, finalises and resolves disputes; only the assessed firm opens a dispute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escalera.domain.lifecycle import (
    DisputeNotAllowed,
    SecondPersonRequired,
    SecondStep,
    check_may_dispute,
    check_second_person,
    identity,
    may_dispute,
)
from escalera.domain.permissions import Principal, Role
from escalera.i18n import current_language, set_language

RECORDED = ("Ing. Ruiz", "", "evaluador")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


@pytest.mark.parametrize("step", list(SecondStep))
@pytest.mark.parametrize("by", ["Ing. Ruiz", "ing.  ruiz", " ING. RUIZ ", "Evaluador"])
def test_who_recorded_it_may_not_take_a_second_persons_step(step: SecondStep, by: str) -> None:
    with pytest.raises(SecondPersonRequired, match="may not also"):
        check_second_person(step, by, RECORDED)


@pytest.mark.parametrize("step", list(SecondStep))
def test_a_second_person_may_and_is_not_marked(step: SecondStep) -> None:
    assert check_second_person(step, "Lic. Pérez", RECORDED) is False


@pytest.mark.parametrize("by", ["", "   "])
def test_the_second_person_must_be_named(by: str) -> None:
    with pytest.raises(SecondPersonRequired, match="name who takes this step"):
        check_second_person(SecondStep.REVIEW, by, RECORDED)
    with pytest.raises(SecondPersonRequired):  # also in a one-person agency
        check_second_person(SecondStep.REVIEW, by, RECORDED, single_person=True)


def test_a_one_person_agency_may_and_the_step_is_marked() -> None:
    assert check_second_person(SecondStep.FINALISE, "Ing. Ruiz", RECORDED,
                               single_person=True) is True
    assert check_second_person(SecondStep.FINALISE, "Lic. Pérez", RECORDED,
                               single_person=True) is False


def test_names_compare_without_case_or_extra_spaces() -> None:
    assert identity("  Ing.   Ruiz ") == identity("ING. RUIZ") == "ing. ruiz"
    assert identity("") == ""


F, G = "F-00R2-WZY4-6", "F-0000-0002-X"


@pytest.mark.parametrize(("who", "allowed"), [
    (Principal("productor", Role.PRODUCER, firm_id=F), True),
    (Principal("otro", Role.PRODUCER, firm_id=G), False),
    (Principal("comprador", Role.BUYER, firm_id=G, shared=frozenset({F})), False),
    (Principal("evaluador", Role.ASSESSOR, assigned=frozenset({F})), False),
    (Principal("gestora", Role.PROGRAM_MANAGER), True),
    (Principal("admin", Role.ADMIN), True),
])
def test_only_the_firm_or_staff_for_it_open_a_dispute(who: Principal, allowed: bool) -> None:
    assert may_dispute(who, F) is allowed
    if allowed:
        check_may_dispute(who, F)
    else:
        with pytest.raises(DisputeNotAllowed, match="only the assessed firm"):
            check_may_dispute(who, F)
