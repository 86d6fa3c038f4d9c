"""Use case "the case seminar kit": one success and one failure of a program, picked by
trajectory (:mod:`escalera.domain.program_cases`), and the case document for either.

Each participant is judged by the one evaluator (:func:`evaluate_firm` and
:func:`judge_standard`, as at admission) on its admission date and on the date of every
later final assessment up to ``today``: its level on the target's ladder, whether it meets
the target standard, and each requirement of the target with its value that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import FirmEvaluation, LadderStatus, Status, evaluate_firm
from escalera.domain.evidence import Evidence, ItemKind, latest_evidence
from escalera.domain.measures import Direction
from escalera.domain.program_cases import (
    CasePick,
    CasePicks,
    CasePoint,
    Trajectory,
    failure_candidates,
    level_rank,
    success_candidates,
)
from escalera.domain.program_cases import pick_cases as pick_rule
from escalera.domain.programs import Admission, Program, ProgramError, judge_standard
from escalera.errors import N_
from escalera.services.program_evaluation import ladder_of
from escalera.store import programs as store
from escalera.store.evidence import firm_observations
from escalera.store.firms import get_firm

WHICH = ("success", "failure")


@dataclass(frozen=True)
class Requirement:
    """One requirement of the target standard on one date, as the evaluator judged it."""

    kind: ItemKind
    item: str
    direction: Direction
    required: float
    current: float | None
    status: Status
    level: str | None


@dataclass(frozen=True)
class Step:
    """One date of a participant's path: the point the rule reads and the detail the case
    document shows."""

    point: CasePoint
    judgement: Admission
    requirements: tuple[Requirement, ...]


def _requirements(program: Program, catalog: Catalog, evaluation: FirmEvaluation,
                  evidence: Evidence,
                  judged: Admission) -> tuple[Requirement, ...]:
    """Every requirement of the target standard with the evaluator's verdict that day."""
    found: dict[tuple[ItemKind, str], Requirement] = {}
    target = program.target
    if target.is_level:
        ladder = catalog.ladder(str(target.ladder))
        result = evaluation.ladder(ladder.id)
        for level in result.levels[:ladder.level_index(str(target.level)) + 1]:
            for r in level.requirements:  # the highest level's threshold is the one asked
                found[(r.kind, r.item)] = Requirement(
                    r.kind, r.item, r.direction, r.required,
                    None if r.stale else r.current, r.status, level.level)
    short = {(s.kind, s.item): s for s in judged.shortfalls if s.level is None}
    for t in target.thresholds:
        miss = short.get((t.kind, t.item))
        pool = evidence.metrics if t.kind is ItemKind.METRIC else evidence.practices
        seen = pool.get(t.item)
        direction = (catalog.metric(t.item).direction if t.kind is ItemKind.METRIC
                     else Direction.HIGHER)
        if miss is not None:
            found[(t.kind, t.item)] = Requirement(t.kind, t.item, direction, t.value,
                                                  miss.current, miss.status, None)
        else:
            found[(t.kind, t.item)] = Requirement(t.kind, t.item, direction, t.value,
                                                  None if seen is None else seen.value,
                                                  Status.MET, None)
    return tuple(found.values())


def _level(evaluation: FirmEvaluation, ladder: str) -> str:
    result = evaluation.ladder(ladder)
    return str(result.attained) if result.status is LadderStatus.ATTAINED else str(result.status)


def firm_path(session: Session, catalog: Catalog, program: Program, firm_id: str,
              admitted_on: dt.date, dates: list[dt.date], today: dt.date,
              stale_after_days: int) -> list[Step]:
    """The evaluator on the admission date and on each later assessment up to ``today``."""
    firm = get_firm(session, firm_id)
    observations = firm_observations(session, firm_id)
    ladder = ladder_of(program, catalog)
    days = sorted({admitted_on, *(d for d in dates if admitted_on < d <= today)})
    steps = []
    for day in days:
        evidence = latest_evidence(observations, day)
        evaluation = evaluate_firm(catalog, firm_id, evidence, day, firm.monthly_capacity,
                                   stale_after_days)
        judged = judge_standard(program.target, evaluation, evidence, catalog,
                                stale_after_days)
        unmet = sum(s.status is Status.UNMET for s in judged.shortfalls)
        meets = True if judged.admitted else False if unmet else None
        steps.append(Step(CasePoint(day, _level(evaluation, ladder), meets, unmet), judged,
                          _requirements(program, catalog, evaluation, evidence, judged)))
    return steps


def _program(session: Session, program_id: str) -> Program:
    if not store.program_exists(session, program_id):
        raise ProgramError(N_("program: there is no program {id}"), id=program_id)
    return store.get_program(session, program_id)


def _participants(session: Session, program_id: str) -> dict[str, dt.date]:
    return {a.firm_id: a.on for a in store.admissions(session, program_id) if a.admitted}


def _paths(session: Session, catalog: Catalog, program: Program, today: dt.date,
           stale_after_days: int) -> dict[str, tuple[dt.date, list[Step]]]:
    admitted = {f: d for f, d in _participants(session, program.id).items() if d <= today}
    dates = store.assessment_dates(session, list(admitted))
    return {f: (d, firm_path(session, catalog, program, f, d, dates.get(f, []), today,
                             stale_after_days)) for f, d in sorted(admitted.items())}


def _levels(program: Program, catalog: Catalog) -> list[str]:
    return [lv.id for lv in catalog.ladder(ladder_of(program, catalog)).levels]


def _picks(session: Session, catalog: Catalog, program: Program, today: dt.date,
           stale_after_days: int) -> tuple[CasePicks, dict[str, tuple[dt.date, list[Step]]]]:
    paths = _paths(session, catalog, program, today, stale_after_days)
    trajectories = [Trajectory(f, d, tuple(s.point for s in steps))
                    for f, (d, steps) in paths.items()]
    return pick_rule(trajectories, program.target_date, today,
                     _levels(program, catalog)), paths


def _pick_json(catalog: Catalog, program: Program, pick: CasePick | None, which: str,
               session: Session) -> dict[str, Any] | None:
    from escalera.reports.case_document import why_text

    if pick is None:
        return None
    return {"firm_id": pick.firm_id, "name": get_firm(session, pick.firm_id).name,
            "why": why_text(catalog, program, pick, which, ladder_of(program, catalog))}


def pick_cases(session: Session, catalog: Catalog, program_id: str, today: dt.date, *,
               stale_after_days: int) -> dict[str, Any]:
    """The rule in words and the success and failure it picks (current language):
    ``{"rule", "success": {"firm_id", "name", "why"} | None, "failure": ... | None,
    "none_reason": {"success": str | None, "failure": str | None}}``."""
    from escalera.reports.case_document import none_text, rule_text

    program = _program(session, program_id)
    picks, _ = _picks(session, catalog, program, today, stale_after_days)
    return {
        "rule": rule_text(),
        "success": _pick_json(catalog, program, picks.success, "success", session),
        "failure": _pick_json(catalog, program, picks.failure, "failure", session),
        "none_reason": {
            "success": None if picks.no_success is None else none_text(picks.no_success,
                                                                         program),
            "failure": None if picks.no_failure is None else none_text(picks.no_failure,
                                                                         program)},
    }


def _chosen(catalog: Catalog, program: Program, which: str, picks: CasePicks,
            paths: dict[str, tuple[dt.date, list[Step]]], firm_id: str | None
            ) -> tuple[CasePick, bool]:
    """The case to write up and whether it meets the rule's conditions."""
    from escalera.reports.case_document import none_text

    if firm_id is None:
        pick = picks.success if which == "success" else picks.failure
        if pick is None:
            reason = picks.no_success if which == "success" else picks.no_failure
            message = (N_("which: {program} has no success case: {reason}")
                       if which == "success"
                       else N_("which: {program} has no failure case: {reason}"))
            raise ProgramError(message, program=program.id,
                               reason=none_text(reason, program) if reason else "")
        return pick, True
    if firm_id not in paths:
        raise ProgramError(N_("firm: {firm_id} is not an admitted participant of {program}"),
                           firm_id=firm_id, program=program.id)
    entered, steps = paths[firm_id]
    trajectory = [Trajectory(firm_id, entered, tuple(s.point for s in steps))]
    levels = _levels(program, catalog)
    rule = success_candidates if which == "success" else failure_candidates
    found = rule(trajectory, program.target_date, levels)
    if found:
        return found[0], True
    # chosen by hand although the rule would not pick it: described from its latest step
    first, last = steps[0].point, steps[-1].point
    before, after = level_rank(first.level, levels), level_rank(last.level, levels)
    return CasePick(firm_id=firm_id, entry_level=first.level, level=last.level, on=last.on,
                    levels_gained=None if before is None or after is None else after - before,
                    gaps_at_entry=first.open_gaps, gaps_now=last.open_gaps,
                    days=(last.on - entered).days), False


def case_document(session: Session, catalog: Catalog, program_id: str, which: str,
                  today: dt.date, *, stale_after_days: int, firm_id: str | None = None) -> str:
    """The case document (standalone HTML, current language) for the program's success or
    failure; ``firm_id`` names the participant instead of the rule's pick."""
    from escalera.domain.ids import parse_firm_id
    from escalera.reports.case_document import CaseData, render_case_document
    from escalera.services.programs import program_summary

    if which not in WHICH:
        raise ProgramError(N_("which: {value!r} is not one of {choices}"), value=which,
                           choices=", ".join(WHICH))
    program = _program(session, program_id)
    firm = parse_firm_id(firm_id) if firm_id else None
    picks, paths = _picks(session, catalog, program, today, stale_after_days)
    pick, qualifies = _chosen(catalog, program, which, picks, paths, firm)
    decisions = store.admissions(session, program_id)
    admitted = sum(a.admitted for a in decisions)
    data = CaseData(
        program=program, summary=program_summary(program, admitted, len(decisions) - admitted),
        which=which, pick=pick, by_rule=firm is None or _is_pick(picks, which, pick.firm_id),
        qualifies=qualifies,
        firm=get_firm(session, pick.firm_id), steps=paths[pick.firm_id][1],
        activities=store.activities(session, program_id), today=today,
        ladder=ladder_of(program, catalog), levels=_levels(program, catalog))
    return render_case_document(catalog, data)


def _is_pick(picks: CasePicks, which: str, firm_id: str) -> bool:
    pick = picks.success if which == "success" else picks.failure
    return pick is not None and pick.firm_id == firm_id
