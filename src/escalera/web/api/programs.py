"""``/api/v1/programs``: development programs and their evaluation (issue 7's services).

Every signed-in account sees the list and each program (names, types, dates, standards,
how many were admitted and refused: the admission standard tells a producer what it takes
to enter); decisions, the evaluation and the case kit's picks name participants, so they
are for program managers and admins (``EVALUATE_PROGRAMS``), who alone create programs,
admit firms and record activities (``MANAGE_PROGRAMS``). Every change is written to the
audit log; every rule is the services' (the CLI's and the pages' too)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from escalera.domain.permissions import Action
from escalera.domain.programs import (
    Activity,
    ActivityKind,
    Program,
    ProgramStandard,
    ProgramType,
    parse_standard,
)
from escalera.services import accounts, program_cases, program_evaluation, programs
from escalera.services.context import AppContext
from escalera.store import programs as store
from escalera.web.api.access import ERRORS, NO_CONTROL
from escalera.web.api.charts import Day
from escalera.web.deps import DB, Who, allow, context
from escalera.web.idempotency import IdempotentRoute
from escalera.web.text import Identifier, LongText

router = APIRouter(prefix="/programs", tags=["programs"], responses=ERRORS,
                   route_class=IdempotentRoute)
Ctx = Annotated[AppContext, Depends(context)]


@router.get("")
def list_programs(who: Who, session: DB) -> list[dict[str, Any]]:
    """Every development program with its type, sponsor, dates and participants counted."""
    allow(who, Action.READ_PROFILES)
    return programs.list_programs(session)


@router.get("/{program_id}/evaluation")
def evaluate_program(program_id: Annotated[Identifier, Path(max_length=40)], who: Who, session: DB,
                     ctx: Any = Depends(context), on: Day = None) -> dict[str, Any]:
    """The evaluation on ``on`` (default today): effects per metric with confidence
    intervals and group sizes (``effects``: metric, estimate, ci_low, ci_high, n_treated,
    n_control), pre-trends, the minimum detectable effect, the funnel, the share reaching
    the target, transitions, follow-ups due and the data missing."""
    allow(who, Action.EVALUATE_PROGRAMS)
    return program_evaluation.evaluate(session, ctx.catalog, program_id,
                                       on or dt.date.today(),
                                       stale_after_days=ctx.settings.stale_after_days)


Text = Annotated[str, Field(max_length=200, pattern=NO_CONTROL)]
ProgramId = Annotated[Identifier, Path(max_length=40)]


class ThresholdIn(BaseModel):
    """A custom requirement: a metric (read in the catalog's direction) or a practice
    (maturity 0-3, at least)."""

    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    value: float = Field(allow_inf_nan=False)


class StandardIn(BaseModel):
    """A level (``ladder`` and ``level``) and/or custom thresholds."""

    model_config = ConfigDict(extra="forbid")

    ladder: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]+$")
    level: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]+$")
    thresholds: list[ThresholdIn] = Field(default_factory=list, max_length=50)

    def parsed(self, field: str, catalog: Any) -> ProgramStandard:
        """The standard through the one parser the CLI and the pages use."""
        level = f"{self.ladder}:{self.level}" if self.ladder or self.level else None
        return parse_standard(level, [f"{t.item}={t.value}" for t in self.thresholds],
                              field, catalog)


class ProgramCreate(BaseModel):
    """A new program with its admission and target standards."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=NO_CONTROL)
    name: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL)
    type: ProgramType
    sponsor: Text = ""
    description: LongText = Field(default="", max_length=4000)
    starts_on: dt.date
    ends_on: dt.date
    target_date: dt.date
    budget: float = Field(ge=0, le=1e12, allow_inf_nan=False)
    currency: str = Field(default="MXN", min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")
    admission: StandardIn
    target: StandardIn
    entry_segment: Identifier | None = Field(default=None, max_length=64)
    target_segment: Identifier | None = Field(default=None, max_length=64)


class AdmissionIn(BaseModel):
    """Firms to judge against the admission standard on ``on`` (default today)."""

    model_config = ConfigDict(extra="forbid")

    firms: list[Annotated[Identifier, Field(max_length=20)]] = Field(min_length=1, max_length=200)
    on: dt.date | None = None


class ActivityIn(BaseModel):
    """One activity or funnel record of a program."""

    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind
    on: dt.date
    firm_id: Identifier | None = Field(default=None, max_length=20)
    buyer: Text = ""
    amount: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    units: int | None = Field(default=None, ge=0, le=10**9)
    note: LongText = Field(default="", max_length=500)


@router.get("/{program_id}")
def get_program(program_id: ProgramId, who: Who, session: DB) -> dict[str, Any]:
    """What a program is: type, sponsor, dates, budget, standards, segments, and how many
    firms were admitted and refused."""
    allow(who, Action.READ_PROFILES)
    program = store.get_program(session, program_id)
    decided = store.admissions(session, program_id)
    admitted = sum(a.admitted for a in decided)
    return programs.program_summary(program, admitted, len(decided) - admitted)


@router.post("", status_code=201)
def create_program(body: ProgramCreate, who: Who, session: DB, ctx: Ctx) -> dict[str, Any]:
    """Create a program after the checks of ``escalera program create``."""
    allow(who, Action.MANAGE_PROGRAMS)
    program = programs.create(session, ctx.catalog, Program(
        id=body.id, name=body.name, type=body.type, sponsor=body.sponsor,
        description=body.description, starts_on=body.starts_on, ends_on=body.ends_on,
        target_date=body.target_date, budget=body.budget, currency=body.currency,
        admission=body.admission.parsed("admission", ctx.catalog),
        target=body.target.parsed("target", ctx.catalog),
        entry_segment=body.entry_segment, target_segment=body.target_segment))
    out = programs.program_summary(program, admitted=0, refused=0)
    accounts.audit(session, actor=who.username, action="program.create", entity="program",
                   entity_id=program.id, after=out)
    return out


@router.get("/{program_id}/decisions")
def decisions(program_id: ProgramId, who: Who, session: DB, ctx: Ctx) -> list[dict[str, Any]]:
    """Every admission decision: firm, date, admitted or refused, the level then, and the
    reasons of a refusal in words."""
    allow(who, Action.EVALUATE_PROGRAMS)
    return program_evaluation.decision_rows(ctx.catalog, session, program_id)


@router.post("/{program_id}/admissions", status_code=201)
def admit(program_id: ProgramId, body: AdmissionIn, who: Who, session: DB, ctx: Ctx
          ) -> list[dict[str, Any]]:
    """Judge the firms against the admission standard; every decision is stored and
    returned (refusals with their reasons)."""
    allow(who, Action.MANAGE_PROGRAMS)
    on = body.on or dt.date.today()
    made = programs.admit(session, ctx.catalog, program_id, body.firms, on,
                          ctx.settings.stale_after_days)
    accounts.audit(session, actor=who.username, action="program.admit", entity="program",
                   entity_id=program_id, after={"on": on.isoformat(), "decisions": [
                       {"firm_id": d.firm_id, "admitted": d.admitted} for d in made]})
    mine = {d.firm_id for d in made}
    return [row for row in program_evaluation.decision_rows(ctx.catalog, session, program_id)
            if row["firm_id"] in mine]


@router.post("/{program_id}/activities", status_code=201)
def record(program_id: ProgramId, body: ActivityIn, who: Who, session: DB) -> dict[str, Any]:
    """Record one activity or funnel stage after the checks of ``escalera program
    record``."""
    allow(who, Action.MANAGE_PROGRAMS)
    activity = Activity(kind=body.kind, on=body.on, firm_id=body.firm_id, buyer=body.buyer,
                        amount=body.amount, units=body.units, note=body.note)
    programs.record(session, program_id, [activity])
    out = body.model_dump(mode="json")
    accounts.audit(session, actor=who.username, action="program.record", entity="program",
                   entity_id=program_id, after=out)
    return out


@router.get("/{program_id}/cases")
def cases(program_id: ProgramId, who: Who, session: DB, ctx: Ctx, on: Day = None
          ) -> dict[str, Any]:
    """The case seminar kit's picks on ``on`` (default today): the rule in words, the
    success and the failure (firm, name, why), or why there is none."""
    allow(who, Action.EVALUATE_PROGRAMS)
    return program_cases.pick_cases(session, ctx.catalog, program_id, on or dt.date.today(),
                                    stale_after_days=ctx.settings.stale_after_days)
