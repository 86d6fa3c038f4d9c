"""``/api/v1/assessments`` and a firm's assessments: the workflow from draft to final
(create, record, submit, review, return, finalise, dispute, resolve, correct), screenings,
and what a visit must measure, through ``services.assessments``.

Assessments are raw data: reading them needs ``READ_RAW`` on the firm (the firm itself,
its assessors, program managers, admins); changing them needs ``ASSESS`` on the firm
(assessors only for their assigned firms). Review, finalisation and the resolution of a
dispute are taken by a second person (``lifecycle.check_second_person``: not who recorded
the assessment, nor who opened the dispute), unless ESCALERA_SINGLE_PERSON_REVIEW allows
it; a refusal is a rule of the domain (400), as the account's role may take the step on
another assessment. A dispute is the firm's right of reply: only the firm's own accounts
open one, or an admin or program manager for the firm (``lifecycle.may_dispute``; never a
buyer with a data share, never an assessor: 403). Every change is written to the audit log with
the assessment's status and values before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.lifecycle import (
    AssessmentStatus,
    DisputeNotAllowed,
    DisputeStatus,
    check_may_dispute,
)
from escalera.domain.permissions import Action, Principal
from escalera.presentation import item_label
from escalera.services import accounts
from escalera.services import assessments as svc
from escalera.services.assessments import AssessmentView
from escalera.services.context import AppContext
from escalera.web.api.access import ERRORS, NO_CONTROL, firm_scope, may
from escalera.web.api.lists import Page, Paged, page_params, paged
from escalera.web.deps import DB, Who, context
from escalera.web.idempotency import IdempotentRoute
from escalera.web.text import Identifier, LongText

router = APIRouter(tags=["assessments"], responses=ERRORS, route_class=IdempotentRoute)
Ctx = Annotated[AppContext, Depends(context)]
AssessmentId = Annotated[str, Path(min_length=1, max_length=40, pattern=NO_CONTROL,
                                   description="Assessment id, e.g. A-20261127-00000001.")]
FirmId = Annotated[Identifier, Path(max_length=20, description="Public firm id, F-XXXX-XXXX-C.")]
Value = Annotated[float, Field(allow_inf_nan=False)]
Values = dict[ItemKind, dict[Annotated[Identifier, Field(max_length=64)], Value]]
Text = Annotated[LongText, Field(max_length=10_000)]
Name = Annotated[str, Field(max_length=120, pattern=NO_CONTROL)]
SORTABLE = ("assessment_id", "stage", "assessed_on", "assessor", "status", "version")


class AssessmentSummary(BaseModel):
    """One line of a firm's assessment file."""

    assessment_id: str
    stage: Stage
    assessed_on: dt.date
    assessor: str
    status: AssessmentStatus
    version: int


class PlanItem(BaseModel):
    """One item a visit must measure."""

    kind: ItemKind
    item: str
    name: str
    unit: str


class AssessmentCreate(BaseModel):
    """A new draft assessment: a visit to a firm, optionally with values already."""

    model_config = ConfigDict(extra="forbid")

    firm_id: Identifier = Field(max_length=20)
    stage: Stage
    assessed_on: dt.date | None = Field(default=None, description="Default today.")
    assessor: Name = Field(default="", description="Who assessed; default the account.")
    values: Values = Field(default_factory=dict,
                           description="kind (metric or practice) -> item id -> value")
    notes: Text = ""


class ScreeningCreate(BaseModel):
    """A half-day screening: the checklist answers (yes = 1, no = 0, or 0-3)."""

    model_config = ConfigDict(extra="forbid")

    firm_id: Identifier = Field(max_length=20)
    answers: dict[Annotated[Identifier, Field(max_length=64)], Annotated[int, Field(ge=0, le=100)]]
    assessed_on: dt.date | None = None
    assessor: Name = ""
    notes: Text = ""


class ValuesChange(BaseModel):
    """Values to record on a draft, or to change in a correction of a final assessment;
    ``notes`` (when given) replaces the evidence notes."""

    model_config = ConfigDict(extra="forbid")

    values: Values = Field(default_factory=dict)
    notes: Text | None = None


class SendBack(BaseModel):
    """What the assessor must fix."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[LongText, Field(max_length=500)] = ""


class DisputeOpen(BaseModel):
    """Why the firm disagrees with a final assessment."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[LongText, Field(min_length=1, max_length=5_000)]


class DisputeResolve(BaseModel):
    """The decision on the open dispute, and why."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "rejected"]
    resolution: Annotated[LongText, Field(min_length=1, max_length=5_000)]


def _values(values: Values) -> dict[tuple[ItemKind, str], float]:
    return {(kind, item): value for kind, items in values.items()
            for item, value in items.items()}


def _state(view: AssessmentView) -> dict[str, Any]:
    """What the audit log keeps of an assessment."""
    return {"status": str(view.status), "values": view.values}


def _changed(who: Principal, session: Session, ctx: AppContext, assessment_id: str,
             action: Action, verb: str,
             change: Callable[[], AssessmentView]) -> AssessmentView:
    """Check ``who`` may take ``action`` on the assessment's firm, make the change and
    audit it."""
    may(who, action)
    before = svc.show(session, ctx.catalog, assessment_id, ctx.settings.stale_after_days)
    firm_scope(who, action, before.firm_id)
    if verb == "dispute":
        try:
            check_may_dispute(who, before.firm_id)
        except DisputeNotAllowed as exc:
            raise HTTPException(403, str(exc)) from None
    after = change()
    accounts.audit(session, actor=who.username, action=verb, entity="assessment",
                   entity_id=after.id, before=_state(before), after=_state(after))
    return after


def _created(who: Principal, session: Session, view: AssessmentView, verb: str
             ) -> AssessmentView:
    accounts.audit(session, actor=who.username, action=verb, entity="assessment",
                   entity_id=view.id, after=_state(view))
    return view


@router.get("/firms/{firm_id}/assessments", response_model=Paged[AssessmentSummary])
def firm_assessments(
        firm_id: FirmId, who: Who, session: DB,
        page: Annotated[Page, Depends(page_params)],
        stage: Stage | None = None,
        status: AssessmentStatus | None = None) -> dict[str, Any]:
    """A firm's assessments of every status, newest first unless sorted otherwise; filter
    by ``stage`` and ``status``. Raw data: the firm, its assessors, program managers and
    admins only."""
    canonical = firm_scope(who, Action.READ_RAW, firm_id, session)
    frame = svc.firm_file(session, canonical)
    if stage is not None:
        frame = frame.filter(frame["stage"] == str(stage))
    if status is not None:
        frame = frame.filter(frame["status"] == str(status))
    return paged(frame, page, SORTABLE)


@router.get("/firms/{firm_id}/assessment-plan", response_model=list[PlanItem])
def assessment_plan(firm_id: FirmId, who: Who, session: DB, ctx: Ctx,
                    stage: Stage = Stage.FOLLOW_UP,
                    on: Annotated[dt.date | None, Query(description="Default today.")] = None
                    ) -> list[PlanItem]:
    """What a visit of ``stage`` on ``on`` must measure; for a follow-up, the requirements
    unmet at the firm's latest final assessment."""
    canonical = firm_scope(who, Action.READ_RAW, firm_id, session)
    items = svc.plan(session, ctx.catalog, canonical, stage, on or dt.date.today(),
                     ctx.settings.stale_after_days)
    return [PlanItem(kind=kind, item=item, name=label, unit=unit)
            for kind, item in items
            for label, unit in [item_label(ctx.catalog, kind, item)]]


@router.post("/assessments", response_model=AssessmentView, status_code=201)
def create_assessment(body: AssessmentCreate, who: Who, session: DB, ctx: Ctx
                      ) -> AssessmentView:
    """Start a draft assessment of a firm (the account must be allowed to assess it)."""
    canonical = firm_scope(who, Action.ASSESS, body.firm_id, session)
    view = svc.create(session, ctx.catalog, firm_id=canonical, stage=body.stage,
                      assessed_on=body.assessed_on or dt.date.today(),
                      assessor=body.assessor or who.username, values=_values(body.values),
                      notes=body.notes, by=who.username,
                      stale_after_days=ctx.settings.stale_after_days)
    return _created(who, session, view, "create")


@router.post("/assessments/screenings", response_model=AssessmentView, status_code=201)
def create_screening(body: ScreeningCreate, who: Who, session: DB, ctx: Ctx
                     ) -> AssessmentView:
    """Record a half-day screening: the answers are judged "proceed to the diagnostic" or
    "not now" with reasons; the visit is a draft screening assessment."""
    canonical = firm_scope(who, Action.ASSESS, body.firm_id, session)
    view = svc.screen(session, ctx.catalog, firm_id=canonical,
                      assessed_on=body.assessed_on or dt.date.today(),
                      assessor=body.assessor or who.username, answers=body.answers,
                      notes=body.notes, by=who.username)
    return _created(who, session, view, "screen")


@router.get("/assessments/{assessment_id}", response_model=AssessmentView)
def show_assessment(assessment_id: AssessmentId, who: Who, session: DB, ctx: Ctx
                    ) -> AssessmentView:
    """An assessment: values, what its stage must still measure, status history, disputes,
    versions and screening answers."""
    may(who, Action.READ_RAW)
    view = svc.show(session, ctx.catalog, assessment_id, ctx.settings.stale_after_days)
    firm_scope(who, Action.READ_RAW, view.firm_id)
    return view


@router.post("/assessments/{assessment_id}/record", response_model=AssessmentView)
def record_values(assessment_id: AssessmentId, body: ValuesChange, who: Who, session: DB,
                  ctx: Ctx) -> AssessmentView:
    """Record (or overwrite) values of a draft."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "record",
                    lambda: svc.record(session, ctx.catalog, assessment_id,
                                       _values(body.values), body.notes,
                                       ctx.settings.stale_after_days))


@router.post("/assessments/{assessment_id}/submit", response_model=AssessmentView)
def submit(assessment_id: AssessmentId, who: Who, session: DB, ctx: Ctx) -> AssessmentView:
    """Hand a draft in for review; a diagnostic or follow-up must cover its whole scope."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "submit",
                    lambda: svc.submit(session, ctx.catalog, assessment_id, who.username,
                                       stale_after_days=ctx.settings.stale_after_days))


@router.post("/assessments/{assessment_id}/review", response_model=AssessmentView)
def review(assessment_id: AssessmentId, who: Who, session: DB, ctx: Ctx) -> AssessmentView:
    """Mark a submitted assessment as reviewed by a second person."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "review",
                    lambda: svc.review(session, ctx.catalog, assessment_id, who.username,
                                       single_person=ctx.settings.single_person_review))


@router.post("/assessments/{assessment_id}/return", response_model=AssessmentView)
def send_back(assessment_id: AssessmentId, body: SendBack, who: Who, session: DB, ctx: Ctx
              ) -> AssessmentView:
    """Send a submitted or reviewed assessment back to its assessor as a draft."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "return",
                    lambda: svc.send_back(session, ctx.catalog, assessment_id, who.username,
                                          body.note))


@router.post("/assessments/{assessment_id}/finalise", response_model=AssessmentView)
def finalise(assessment_id: AssessmentId, who: Who, session: DB, ctx: Ctx) -> AssessmentView:
    """Make a reviewed assessment final: it becomes evidence and is never edited again."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "finalise",
                    lambda: svc.finalise(session, ctx.catalog, assessment_id, who.username,
                                         single_person=ctx.settings.single_person_review))


@router.post("/assessments/{assessment_id}/dispute", response_model=AssessmentView)
def dispute(assessment_id: AssessmentId, body: DisputeOpen, who: Who, session: DB, ctx: Ctx
            ) -> AssessmentView:
    """The firm disputes a final assessment, within ESCALERA_DISPUTE_WINDOW_DAYS of it
    becoming final (one open dispute at a time): its own accounts, or an admin or program
    manager recording it for the firm; never a buyer, even with a data share."""
    return _changed(who, session, ctx, assessment_id, Action.READ_RAW, "dispute",
                    lambda: svc.dispute(session, ctx.catalog, assessment_id, body.reason,
                                        ctx.settings.dispute_window_days, by=who.username))


@router.post("/assessments/{assessment_id}/resolve", response_model=AssessmentView)
def resolve(assessment_id: AssessmentId, body: DisputeResolve, who: Who, session: DB,
            ctx: Ctx) -> AssessmentView:
    """Close the open dispute as upheld (a correction should follow) or rejected, by
    someone other than who opened it and who recorded the assessment."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "resolve",
                    lambda: svc.resolve(session, ctx.catalog, assessment_id,
                                        DisputeStatus(body.outcome), body.resolution,
                                        who.username,
                                        single_person=ctx.settings.single_person_review))


@router.post("/assessments/{assessment_id}/correct", response_model=AssessmentView,
             status_code=201)
def correct(assessment_id: AssessmentId, body: ValuesChange, who: Who, session: DB, ctx: Ctx
            ) -> AssessmentView:
    """Correct a final assessment: a new draft version with these values changed; the
    final one stays evidence until the correction is itself final."""
    return _changed(who, session, ctx, assessment_id, Action.ASSESS, "correct",
                    lambda: svc.correct(session, ctx.catalog, assessment_id,
                                        _values(body.values), body.notes, who.username,
                                        stale_after_days=ctx.settings.stale_after_days))
