"""Assessment workflow use cases: create, record values, submit, review, finalise, send
back, dispute, resolve, correct, screen, plan and show.

Separation of duties (``lifecycle.check_second_person``): review and finalise are taken by
someone other than who recorded the assessment (its assessor, its creator, its submitter);
a dispute is resolved by someone other than who opened it and who recorded the assessment.
With ``single_person=True`` (a one-person agency) such a step is allowed and its history
entry says ``same_person``. Opening and resolving a dispute are history entries too (from
``final`` to the dispute's status), so the history names who opened it.

Each function is one use case working in the caller's session (the caller owns the
transaction: ``AppContext.transaction()``); nothing is written when one raises. The rules
live in the domain: ``lifecycle`` (statuses, disputes), ``observation_rules`` (values and
dates, shared with the importer), ``screening`` and ``assessment_scope``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from escalera.domain.assessment_scope import Item, scope
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS
from escalera.domain.evidence import ItemKind, Stage, latest_evidence
from escalera.domain.lifecycle import (
    AssessmentStatus,
    DisputeStatus,
    LifecycleError,
    SecondStep,
    check_dispute,
    check_editable,
    check_resolution,
    check_second_person,
    check_transition,
)
from escalera.domain.observation_rules import check_date, check_values
from escalera.domain.screening import ScreeningResult, judge_screening
from escalera.errors import N_, EscaleraError, NotFound
from escalera.store import assessments as repo
from escalera.store.evidence import firm_observations
from escalera.store.firms import get_firm, row_ids
from escalera.store.tables import AssessmentRow, DisputeRow, ScreeningRow
from escalera.timestamps import UtcDateTime

Values = dict[tuple[ItemKind, str], float]
S = AssessmentStatus


class IncompleteAssessment(EscaleraError):
    """An assessment misses items its stage must measure, or has nothing to follow up."""


class CorrectionRefused(LifecycleError):
    """Only a final assessment without a pending correction can be corrected."""


class StatusChange(BaseModel):
    """One step of the life-cycle history."""

    model_config = ConfigDict(frozen=True)

    from_status: str
    to_status: str
    at: UtcDateTime  # stored as naive UTC; shown with its offset
    by: str
    note: str = ""
    same_person: bool = False  # a second person's step taken by who recorded it


class Dispute(BaseModel):
    """A firm's dispute of a final assessment and its resolution."""

    model_config = ConfigDict(frozen=True)

    opened_on: dt.date
    reason: str
    status: DisputeStatus
    resolution: str = ""
    resolved_on: dt.date | None = None
    resolved_by: str = ""


class Version(BaseModel):
    """One version of an assessment (the first visit and each correction)."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    status: AssessmentStatus


class AssessmentView(BaseModel):
    """An assessment as ``assess show`` presents it."""

    model_config = ConfigDict(frozen=True)

    id: str
    firm_id: str
    stage: Stage
    assessed_on: dt.date
    assessor: str
    status: AssessmentStatus
    version: int
    notes: str
    values: dict[str, dict[str, float]]  # kind -> item -> value
    missing: tuple[Item, ...]  # what its stage must still measure
    history: tuple[StatusChange, ...]
    disputes: tuple[Dispute, ...]
    versions: tuple[Version, ...]
    screening: ScreeningResult | None = None


def create(session: Session, catalog: Catalog, *, firm_id: str, stage: Stage,
           assessed_on: dt.date, assessor: str, values: Values | None = None, notes: str = "",
           by: str = "", today: dt.date | None = None, now: dt.datetime | None = None,
           stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> AssessmentView:
    """A new draft assessment of an existing firm, its values and date checked first."""
    today, now = _today(today), _now(now)
    firm = get_firm(session, firm_id)
    check_date(assessed_on, today, firm.founded_on)
    values = dict(values or {})
    check_values(catalog, values)
    firm_row = row_ids(session, [firm.id])[firm.id]
    if stage is Stage.FOLLOW_UP and repo.latest_final_before(session, firm_row,
                                                              assessed_on) is None:
        raise IncompleteAssessment(
            N_("firm {firm} has no final assessment on or before {date} to follow up; "
               "start with a diagnostic"), firm=firm.id, date=assessed_on.isoformat())
    row = _insert(session, firm_row, stage, assessed_on, assessor, notes, values, by, now)
    return show(session, catalog, row.public_id, stale_after_days)


def record(session: Session, catalog: Catalog, public_id: str, values: Values,
           notes: str | None = None,
           stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> AssessmentView:
    """Record (or overwrite) values of a draft; ``notes`` replaces the evidence notes."""
    row = repo.load(session, public_id, for_update=True)
    check_editable(S(row.status))
    check_values(catalog, values)
    repo.put_values(session, row.id, values)
    if notes is not None:
        row.notes = notes
    session.flush()
    return show(session, catalog, row.public_id, stale_after_days)


def submit(session: Session, catalog: Catalog, public_id: str, by: str = "",
           now: dt.datetime | None = None,
           stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> AssessmentView:
    """Hand a draft in for review; a diagnostic or follow-up must cover its whole scope."""
    row = repo.load(session, public_id, for_update=True)
    check_transition(S(row.status), S.SUBMITTED)
    values = repo.values_of(session, row.id)
    if Stage(row.stage) is not Stage.SCREENING and not values:
        raise IncompleteAssessment(N_("assessment {id} has no values to submit"),
                                   id=row.public_id)
    if Stage(row.stage) in (Stage.DIAGNOSTIC, Stage.FOLLOW_UP):
        missing = [i for i in _scope(session, catalog, row, stale_after_days)
                   if i not in values]
        if missing:
            raise IncompleteAssessment(
                N_("this visit must measure every item of its scope before it is "
                   "submitted; missing: {items}"), items=", ".join(item for _, item in missing))
    _move(session, row, S.SUBMITTED, by, _now(now))
    row.submitted_at, row.submitted_by = _now(now), by
    return show(session, catalog, row.public_id, stale_after_days)


def review(session: Session, catalog: Catalog, public_id: str, by: str = "",
           now: dt.datetime | None = None, single_person: bool = False) -> AssessmentView:
    """Mark a submitted assessment as reviewed by a second person (not who recorded it,
    unless ``single_person``)."""
    row = repo.load(session, public_id, for_update=True)
    check_transition(S(row.status), S.REVIEWED)
    same = check_second_person(SecondStep.REVIEW, by, recorded_by(session, row),
                               single_person)
    _move(session, row, S.REVIEWED, by, _now(now), same_person=same)
    row.reviewed_at, row.reviewed_by = _now(now), by
    return show(session, catalog, row.public_id)


def send_back(session: Session, catalog: Catalog, public_id: str, by: str = "",
              note: str = "", now: dt.datetime | None = None) -> AssessmentView:
    """Return a submitted or reviewed assessment to its assessor as a draft."""
    row = repo.load(session, public_id, for_update=True)
    _move(session, row, S.DRAFT, by, _now(now), note)
    return show(session, catalog, row.public_id)


def finalise(session: Session, catalog: Catalog, public_id: str, by: str = "",
             now: dt.datetime | None = None, single_person: bool = False) -> AssessmentView:
    """Make a reviewed assessment final evidence, by someone other than who recorded it
    (unless ``single_person``); a final correction supersedes the version it corrects."""
    now = _now(now)
    row = repo.load(session, public_id, for_update=True)
    check_transition(S(row.status), S.FINAL)
    same = check_second_person(SecondStep.FINALISE, by, recorded_by(session, row),
                               single_person)
    if row.supersedes_id is not None:
        older = session.get(AssessmentRow, row.supersedes_id, with_for_update=True)
        if older is not None:
            _move(session, older, S.SUPERSEDED, by, now, note=row.public_id)
    _move(session, row, S.FINAL, by, now, same_person=same)
    row.finalised_at, row.finalised_by = now, by
    return show(session, catalog, row.public_id)


def dispute(session: Session, catalog: Catalog, public_id: str, reason: str,
            window_days: int, today: dt.date | None = None, by: str = "",
            now: dt.datetime | None = None) -> AssessmentView:
    """The firm disputes a final assessment, within ``window_days`` of it becoming final;
    ``by`` (who opened it, for the firm) is kept in the history. Whether the account may
    speak for the firm is the adapter's check (``lifecycle.may_dispute``)."""
    row = repo.load(session, public_id, for_update=True)
    at = _at(today, now)
    if not reason.strip():
        raise EscaleraError(N_("a dispute needs a reason"))
    finalised = row.finalised_at.date() if row.finalised_at else row.assessed_on
    open_ = any(d.status == DisputeStatus.OPEN for d in repo.disputes_of(session, row.id))
    today = _today(today)
    check_dispute(S(row.status), finalised, today, window_days, open_)
    session.add(DisputeRow(assessment_id=row.id, opened_on=today, reason=reason.strip(),
                           status=str(DisputeStatus.OPEN), resolution="", resolved_by=""))
    repo.add_status_change(session, row.id, row.status, str(DisputeStatus.OPEN), at, by)
    session.flush()
    return show(session, catalog, row.public_id)


def resolve(session: Session, catalog: Catalog, public_id: str, outcome: DisputeStatus,
            resolution: str, by: str = "", today: dt.date | None = None,
            now: dt.datetime | None = None, single_person: bool = False) -> AssessmentView:
    """Close the open dispute of an assessment as upheld or rejected, with the reasoning,
    by someone other than who opened it and who recorded the assessment (unless
    ``single_person``). An upheld dispute is followed by a correction (a new version)."""
    row = repo.load(session, public_id, for_update=True)
    disputes = repo.disputes_of(session, row.id, for_update=True)
    current = next((d for d in disputes if d.status == DisputeStatus.OPEN), None)
    if current is None:
        raise NotFound(N_("assessment {id} has no open dispute"), id=row.public_id)
    check_resolution(DisputeStatus(current.status), outcome)
    if not resolution.strip():
        raise EscaleraError(N_("a resolution needs a text saying why"))
    same = check_second_person(SecondStep.RESOLVE, by,
                               [*recorded_by(session, row), dispute_opener(session, row)],
                               single_person)
    current.status, current.resolution = str(outcome), resolution.strip()
    current.resolved_on, current.resolved_by = _today(today), by
    repo.add_status_change(session, row.id, row.status, str(outcome), _at(today, now), by,
                           same_person=same)
    session.flush()
    return show(session, catalog, row.public_id)


def correct(session: Session, catalog: Catalog, public_id: str, values: Values,
            notes: str | None = None, by: str = "", now: dt.datetime | None = None,
            stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> AssessmentView:
    """A new draft version of a final assessment: its values with ``values`` applied. The
    final one stays evidence until the correction is itself made final."""
    row = repo.load(session, public_id, for_update=True)
    if row.status != S.FINAL:
        raise CorrectionRefused(
            N_("only a final assessment is corrected with a new version; {id} is {status}"
               " (change a draft directly)"), id=row.public_id, status=row.status)
    pending = repo.pending_corrections(session, row)
    if pending:
        raise CorrectionRefused(N_("assessment {id} already has a correction in progress: "
                                   "{pending}"), id=row.public_id, pending=pending[0])
    check_values(catalog, values)
    merged = {**repo.values_of(session, row.id), **values}
    new = _insert(session, row.firm_id, Stage(row.stage), row.assessed_on, row.assessor,
                  row.notes if notes is None else notes, merged, by, _now(now),
                  supersedes=row)
    screening = repo.screening_of(session, row.id)
    if screening is not None:
        session.add(ScreeningRow(assessment_id=new.id, outcome=screening.outcome,
                                 answers=dict(screening.answers),
                                 reasons=list(screening.reasons)))
        session.flush()
    return show(session, catalog, new.public_id, stale_after_days)


def screen(session: Session, catalog: Catalog, *, firm_id: str, assessed_on: dt.date,
           assessor: str, answers: Mapping[str, int], notes: str = "", by: str = "",
           today: dt.date | None = None, now: dt.datetime | None = None) -> AssessmentView:
    """Record a half-day screening: the checklist answers judged to proceed / not now; the
    visit is a draft screening assessment that follows the usual life-cycle."""
    today, now = _today(today), _now(now)
    firm = get_firm(session, firm_id)
    check_date(assessed_on, today, firm.founded_on)
    result = judge_screening(catalog.screening, answers)
    firm_row = row_ids(session, [firm.id])[firm.id]
    row = _insert(session, firm_row, Stage.SCREENING, assessed_on, assessor, notes, {}, by,
                  now)
    session.add(ScreeningRow(assessment_id=row.id, outcome=str(result.outcome),
                             answers=result.answers, reasons=list(result.reasons)))
    session.flush()
    return show(session, catalog, row.public_id)


def plan(session: Session, catalog: Catalog, firm_id: str, stage: Stage, on: dt.date,
         stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> tuple[Item, ...]:
    """What a visit of ``stage`` to the firm on ``on`` must measure (for a follow-up: what
    was unmet at its latest final assessment)."""
    firm = get_firm(session, firm_id)
    firm_row = row_ids(session, [firm.id])[firm.id]
    return _scope_for(session, catalog, firm.id, firm_row, stage, on, None, stale_after_days)


def firm_file(session: Session, firm_id: str) -> pl.DataFrame:
    """Every assessment of a firm, whatever its status, newest first (NotFound for an
    unknown firm): assessment_id, stage, assessed_on, assessor, status, version."""
    firm = get_firm(session, firm_id)
    return repo.firm_assessments(session, row_ids(session, [firm.id])[firm.id])


def show(session: Session, catalog: Catalog, public_id: str,
         stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> AssessmentView:
    """One assessment with its values, history, disputes, versions and screening."""
    row = repo.load(session, public_id)
    values = repo.values_of(session, row.id)
    nested: dict[str, dict[str, float]] = {str(k): {} for k in ItemKind}
    for (kind, item), value in sorted(values.items()):
        nested[str(kind)][item] = value
    screening = repo.screening_of(session, row.id)
    missing = () if row.status != S.DRAFT else tuple(
        i for i in _scope(session, catalog, row, stale_after_days) if i not in values)
    return AssessmentView(
        id=row.public_id, firm_id=repo.firm_public_id(session, row), stage=Stage(row.stage),
        assessed_on=row.assessed_on, assessor=row.assessor, status=S(row.status),
        version=row.version, notes=row.notes, values=nested, missing=missing,
        history=tuple(StatusChange(from_status=c.from_status, to_status=c.to_status,
                                   at=c.changed_at, by=c.changed_by, note=c.note,
                                   same_person=c.same_person)
                      for c in repo.status_history(session, row.id)),
        disputes=tuple(Dispute(opened_on=d.opened_on, reason=d.reason,
                               status=DisputeStatus(d.status), resolution=d.resolution,
                               resolved_on=d.resolved_on, resolved_by=d.resolved_by)
                       for d in repo.disputes_of(session, row.id)),
        versions=tuple(Version(id=v.public_id, version=v.version, status=S(v.status))
                       for v in repo.versions(session, row)),
        screening=None if screening is None else ScreeningResult(
            outcome=screening.outcome, answers=screening.answers,
            reasons=tuple(screening.reasons)),
    )


def _insert(session: Session, firm_row: int, stage: Stage, assessed_on: dt.date,
            assessor: str, notes: str, values: Values, by: str, now: dt.datetime,
            supersedes: AssessmentRow | None = None) -> AssessmentRow:
    def make(public_id: str) -> AssessmentRow:
        return AssessmentRow(
            public_id=public_id, firm_id=firm_row, stage=str(stage), assessed_on=assessed_on,
            assessor=assessor, status=str(S.DRAFT),
            origin={"kind": "form", "ref": by or assessor}, notes=notes,
            version=1 if supersedes is None else supersedes.version + 1,
            supersedes_id=None if supersedes is None else supersedes.id)

    row = repo.add_with_public_id(session, assessed_on, make)
    repo.put_values(session, row.id, values)
    note = "" if supersedes is None else supersedes.public_id  # the version it corrects
    repo.add_status_change(session, row.id, "", str(S.DRAFT), now, by or assessor, note)
    session.flush()
    return row


def _move(session: Session, row: AssessmentRow, target: AssessmentStatus, by: str,
          now: dt.datetime, note: str = "", same_person: bool = False) -> None:
    current = S(row.status)
    check_transition(current, target)
    row.status = str(target)
    repo.add_status_change(session, row.id, str(current), str(target), now, by, note,
                           same_person)
    session.flush()


def recorded_by(session: Session, row: AssessmentRow) -> list[str]:
    """Who recorded an assessment: its assessor, who created it and whoever submitted it
    (each time, when it was sent back and submitted again)."""
    history = repo.status_history(session, row.id)
    steps = [c.changed_by for c in history
             if c.from_status == "" or c.to_status == S.SUBMITTED]
    return [row.assessor, row.submitted_by, *steps]


def dispute_opener(session: Session, row: AssessmentRow) -> str:
    """Who opened the latest dispute of an assessment (its history entry to ``open``)."""
    opened = [c.changed_by for c in repo.status_history(session, row.id)
              if c.to_status == DisputeStatus.OPEN]
    return opened[-1] if opened else ""


def _scope(session: Session, catalog: Catalog, row: AssessmentRow,
           stale_after_days: int) -> tuple[Item, ...]:
    return _scope_for(session, catalog, repo.firm_public_id(session, row), row.firm_id,
                      Stage(row.stage), row.assessed_on, row.id, stale_after_days)


def _scope_for(session: Session, catalog: Catalog, firm_id: str, firm_row: int, stage: Stage,
               on: dt.date, exclude: int | None, stale_after_days: int) -> tuple[Item, ...]:
    if stage is not Stage.FOLLOW_UP:
        return scope(catalog, stage, on)
    previous = repo.latest_final_before(session, firm_row, on, exclude)
    if previous is None:
        return ()
    evidence = latest_evidence(firm_observations(session, firm_id), previous.assessed_on)
    return scope(catalog, stage, on, evidence, previous.assessed_on, stale_after_days)


def _today(today: dt.date | None) -> dt.date:
    return today if today is not None else dt.date.today()


def _at(today: dt.date | None, now: dt.datetime | None) -> dt.datetime:
    """When a dispute step happened: ``now``, else noon of a given day, else now."""
    if now is not None:
        return now
    return _now(None) if today is None else dt.datetime.combine(today, dt.time(12))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC).replace(tzinfo=None)
