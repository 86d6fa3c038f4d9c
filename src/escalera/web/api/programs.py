"""``/api/v1/programs``: development programs and their evaluation (issue 7's services).

Every signed-in account sees the list (names, types, dates, how many were admitted and
refused); a program's evaluation names its participants, so it is for program managers and
admins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from escalera.domain.permissions import Action
from escalera.services import program_evaluation, programs
from escalera.web.api.access import ERRORS
from escalera.web.api.charts import Day
from escalera.web.deps import DB, Who, allow, context

router = APIRouter(prefix="/programs", tags=["programs"], responses=ERRORS)


@router.get("")
def list_programs(who: Who, session: DB) -> list[dict[str, Any]]:
    """Every development program with its type, sponsor, dates and participants counted."""
    allow(who, Action.READ_PROFILES)
    return programs.list_programs(session)


@router.get("/{program_id}/evaluation")
def evaluate_program(program_id: Annotated[str, Path(max_length=40)], who: Who, session: DB,
                     ctx: Any = Depends(context), on: Day = None) -> dict[str, Any]:
    """The evaluation on ``on`` (default today): effects per metric with confidence
    intervals and group sizes (``effects``: metric, estimate, ci_low, ci_high, n_treated,
    n_control), pre-trends, the minimum detectable effect, the funnel, the share reaching
    the target, transitions, follow-ups due and the data missing."""
    allow(who, Action.EVALUATE_PROGRAMS)
    return program_evaluation.evaluate(session, ctx.catalog, program_id,
                                       on or dt.date.today(),
                                       stale_after_days=ctx.settings.stale_after_days)
