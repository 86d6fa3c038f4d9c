"""Use cases of a development program: create it, admit firms by the evaluator, record what
happens, list programs. Each runs in the caller's transaction and stores nothing when it
refuses (every check comes before the first write).

Evaluation and its report: :mod:`escalera.services.program_evaluation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, evaluate_firm
from escalera.domain.evidence import latest_evidence
from escalera.domain.ids import parse_firm_id
from escalera.domain.programs import (
    Activity,
    Admission,
    Program,
    ProgramError,
    check_activity,
    check_program,
    judge_standard,
)
from escalera.errors import N_
from escalera.store import programs as store
from escalera.store.evidence import firm_observations
from escalera.store.firms import get_firm


def create(session: Session, catalog: Catalog, program: Program) -> Program:
    """Store a new program after checking it (dates, budget, standards, segments)."""
    check_program(program, catalog)
    if store.program_exists(session, program.id):
        raise ProgramError(N_("id: a program {id} already exists"), id=program.id)
    store.insert_program(session, program)
    return program


def admit(session: Session, catalog: Catalog, program_id: str, firm_ids: Sequence[str],
          on: dt.date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> list[Admission]:
    """Judge each firm against the admission standard on ``on`` and store every decision:
    admitted, or refused with the requirements it missed."""
    program = store.get_program(session, program_id)
    if not program.starts_on <= on <= program.ends_on:
        raise ProgramError(N_("on: admissions are dated within the program, {start} to "
                              "{end}; got {on}"), start=program.starts_on.isoformat(),
                           end=program.ends_on.isoformat(), on=on.isoformat())
    if not firm_ids:
        raise ProgramError(N_("firm: name at least one firm to admit"))
    canonical = [parse_firm_id(f) for f in firm_ids]
    seen = store.decided_firms(session, program_id)
    for firm_id in canonical:
        if firm_id in seen:
            raise ProgramError(N_("firm: {firm_id} was already considered for {program}"),
                               firm_id=firm_id, program=program_id)
        seen.add(firm_id)
    decisions = []
    for firm_id in canonical:
        firm = get_firm(session, firm_id)
        evidence = latest_evidence(firm_observations(session, firm_id), on)
        evaluation = evaluate_firm(catalog, firm_id, evidence, on, firm.monthly_capacity,
                                   stale_after_days)
        decisions.append(judge_standard(program.admission, evaluation, evidence, catalog,
                                        stale_after_days))
    store.insert_admissions(session, program_id, decisions)
    return decisions


def record(session: Session, program_id: str, activities: Sequence[Activity]) -> None:
    """Store activities or funnel records after checking every one of them."""
    program = store.get_program(session, program_id)
    participants = {a.firm_id for a in store.admissions(session, program_id) if a.admitted}
    checked = []
    for activity in activities:
        firm = parse_firm_id(activity.firm_id) if activity.firm_id else None
        activity = Activity(kind=activity.kind, on=activity.on, firm_id=firm,
                            buyer=activity.buyer.strip(), amount=activity.amount,
                            units=activity.units, note=activity.note)
        check_activity(program, activity, participants)
        checked.append(activity)
    store.insert_activities(session, program_id, checked)


def program_summary(program: Program, admitted: int, refused: int) -> dict[str, Any]:
    """A program as plain values (``escalera program list --json``)."""
    return {
        "id": program.id, "name": program.name, "type": str(program.type),
        "sponsor": program.sponsor, "description": program.description,
        "starts_on": program.starts_on.isoformat(), "ends_on": program.ends_on.isoformat(),
        "target_date": program.target_date.isoformat(), "budget": program.budget,
        "currency": program.currency,
        "admission": store.standard_to_json(program.admission),
        "target": store.standard_to_json(program.target),
        "entry_segment": program.entry_segment, "target_segment": program.target_segment,
        "admitted": admitted, "refused": refused,
    }


def list_programs(session: Session) -> list[dict[str, Any]]:
    """Every program with its admitted and refused counts, oldest first."""
    return [program_summary(p, a, r) for p, a, r in store.list_programs(session)]
