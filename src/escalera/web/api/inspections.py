"""``/api/v1/aql`` and ``/api/v1/inspections``: ISO 2859-1:1999 sampling plans and OC
curves, lot inspections with the switching rules per producer stream, and the random
inspection schedule, through ``domain.sampling``/``domain.oc_curve`` and
``services.inspections``.

Recording a lot, resuming a stream and approving reduced inspection need ``INSPECT`` on the
producer (assessors only for their assigned firms); a producer's streams are raw data
(``READ_RAW``); the schedule covers every producer, so it is for the roles that inspect at
all (admins, program managers, assessors). Every change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from escalera.domain.defects import DEFECTS, DefectClass
from escalera.domain.inspections import DEFAULT_AQLS, count_defects
from escalera.domain.oc_curve import Model, curve, risks
from escalera.domain.permissions import Action
from escalera.domain.sampling import Basis, SamplingPlan, sampling_plan
from escalera.i18n import _
from escalera.services import accounts
from escalera.services import inspections as svc
from escalera.web.api.access import ERRORS, NO_CONTROL, firm_scope, may
from escalera.web.deps import DB, Who, allow
from escalera.web.idempotency import IdempotentRoute
from escalera.web.text import Identifier, LongText, ShortText

router = APIRouter(tags=["inspections"], responses=ERRORS, route_class=IdempotentRoute)
EDITION = "ISO 2859-1:1999"
FirmId = Annotated[Identifier, Path(max_length=20, description="Public firm id, F-XXXX-XXXX-C.")]
Product = Annotated[str, Path(min_length=1, max_length=40, pattern=NO_CONTROL,
                              description="Product of the stream, e.g. jeans.")]


class PlanQuery(BaseModel):
    """The lot and the plan asked for."""

    lot_size: int
    level: str
    aql: str
    severity: str


def plan_query(
        lot_size: Annotated[int, Query(ge=1, le=10**9, description="Units in the lot.")],
        aql: Annotated[Identifier, Query(min_length=1, max_length=8,
                                  description="AQL of the standard's series, e.g. 2.5.")],
        level: Annotated[Identifier, Query(max_length=4, description=(
            "Inspection level: S-1, S-2, S-3, S-4, I, II or III."))] = "II",
        severity: Annotated[Identifier, Query(max_length=12, description=(
            "normal, tightened or reduced."))] = "normal") -> PlanQuery:
    """The query parameters ``/aql/plan`` and ``/aql/oc`` share."""
    return PlanQuery(lot_size=lot_size, level=level, aql=aql, severity=severity)


Plan = Annotated[PlanQuery, Depends(plan_query)]


class SamplingPlanOut(BaseModel):
    """A single sampling plan: inspect ``sample_size`` units; accept with ``ac`` or fewer
    nonconforming, reject with ``re`` or more."""

    lot_size: int
    level: str
    aql: str
    severity: str
    code_letter: str
    table_letter: str
    sample_size: int
    ac: int
    re: int
    full_inspection: bool
    edition: str = EDITION


class CurvePoint(BaseModel):
    """Probability of acceptance at a process quality (percent)."""

    quality: float
    pa: float


class OcCurve(BaseModel):
    """The plan's operating characteristic: risks and the points of the curve."""

    plan: SamplingPlanOut
    model: str
    aql: float
    pa_at_aql: float
    producers_risk: float
    p95: float
    lq10: float
    lq: float | None
    consumers_risk: float | None
    points: list[CurvePoint]


class DefectFound(BaseModel):
    """How many of one catalog defect were found (optionally counted in another class)."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[Identifier, Field(min_length=1, max_length=40)]
    count: Annotated[int, Field(ge=0, le=10**7)]
    defect_class: DefectClass | None = None


class InspectionCreate(BaseModel):
    """What an inspector reports of one lot."""

    model_config = ConfigDict(extra="forbid")

    firm_id: Identifier = Field(max_length=20)
    product: Identifier = Field(min_length=1, max_length=40)
    lot: str = Field(min_length=1, max_length=60, pattern=NO_CONTROL)
    lot_size: int = Field(ge=1, le=10**9)
    level: Identifier = Field(default="II", max_length=4)
    aqls: dict[DefectClass, Annotated[Identifier, Field(max_length=8)] | None] = Field(
        default_factory=dict, description="AQL per defect class over the defaults "
        "(critical 0 = zero tolerance, major 2.5, minor 4.0); null leaves a class out.")
    defects: list[DefectFound] = Field(default_factory=list, max_length=200)
    basis: Basis = Basis.UNITS
    order: str = Field(default="", max_length=60, pattern=NO_CONTROL)
    inspector: str = Field(default="", max_length=120, pattern=NO_CONTROL,
                           description="Default the account.")
    inspected_on: dt.date | None = Field(default=None, description="Default today.")
    resubmitted: bool = False
    steady_production: bool = True
    normal_warranted: bool = False


class Resume(BaseModel):
    """The corrective action after which a discontinued stream resumes (tightened)."""

    model_config = ConfigDict(extra="forbid")

    action: LongText = Field(min_length=1, max_length=500)
    on: dt.date | None = None


class ReducedApproval(BaseModel):
    """The responsible authority's approval of reduced inspection, or its withdrawal."""

    model_config = ConfigDict(extra="forbid")

    approved: bool = True


class Defect(BaseModel):
    """One defect of the garment catalog and the class it is counted in by default."""

    code: str
    label: str
    defect_class: DefectClass


def _plan(query: PlanQuery) -> SamplingPlan:
    return sampling_plan(query.lot_size, query.level, query.aql, query.severity)


@router.get("/aql/plan", response_model=SamplingPlanOut)
def aql_plan(who: Who, query: Plan) -> dict[str, Any]:
    """The single sampling plan for a lot (ISO 2859-1:1999): code letter, sample size,
    acceptance and rejection numbers (as ``escalera aql plan --json``)."""
    allow(who, Action.READ_PROFILES)
    return {**_plan(query).as_dict(), "edition": EDITION}


@router.get("/aql/oc", response_model=OcCurve)
def aql_oc(who: Who, query: Plan, model: Model = Model.BINOMIAL,
           lq: Annotated[float | None, Query(ge=0, allow_inf_nan=False, description=(
               "Limiting quality (percent) at which to read the consumer's risk."))] = None,
           points: Annotated[int, Query(ge=2, le=201)] = 101) -> dict[str, Any]:
    """The operating characteristic curve of the plan: probability of acceptance against
    process quality (points for a chart), producer's risk at the AQL, p95, LQ10 and the
    consumer's risk at ``lq``."""
    allow(who, Action.READ_PROFILES)
    plan = _plan(query)
    read = risks(plan, model, lq)
    return {"plan": {**plan.as_dict(), "edition": EDITION}, **read.as_dict(),
            "points": [{"quality": q, "pa": pa} for q, pa in curve(plan, model, points)]}


@router.get("/inspections/defects", response_model=list[Defect])
def defects(who: Who) -> list[Defect]:
    """The garment defect catalog (labels in the request's language)."""
    allow(who, Action.READ_PROFILES)
    return [Defect(code=d.code, label=_(d.label), defect_class=d.default_class)
            for d in DEFECTS]


@router.post("/inspections", status_code=201)
def record(body: InspectionCreate, who: Who, session: DB) -> dict[str, Any]:
    """Record a lot's inspection: the plan per defect class at the stream's severity, the
    decision, the switching rules and the quality metrics it updates."""
    canonical = firm_scope(who, Action.INSPECT, body.firm_id, session)
    aqls = dict(DEFAULT_AQLS)
    for cls, aql in body.aqls.items():
        if aql is None:
            aqls.pop(cls, None)
        else:
            aqls[cls] = aql
    counts: dict[str, int] = {}
    for found in body.defects:
        counts[found.code] = counts.get(found.code, 0) + found.count
    moved = {f.code: str(f.defect_class) for f in body.defects if f.defect_class}
    recorded = svc.record(session, svc.LotInput(
        firm_id=canonical, product=body.product, lot_ref=body.lot, lot_size=body.lot_size,
        level=body.level, aqls=aqls, defects=count_defects(counts, moved),
        inspected_on=body.inspected_on or dt.date.today(),
        inspector=body.inspector or who.username, order_ref=body.order, basis=body.basis,
        resubmitted=body.resubmitted, steady_production=body.steady_production,
        normal_warranted=body.normal_warranted))
    out = recorded.as_dict()
    accounts.audit(session, actor=who.username, action="record", entity="inspection",
                   entity_id=recorded.id, after={
                       key: out[key] for key in ("firm_id", "product", "lot", "decision",
                                                 "severity", "severity_after")})
    return out


@router.get("/firms/{firm_id}/inspection-streams")
def streams(firm_id: FirmId, who: Who, session: DB,
            product: Annotated[ShortText | None, Query(max_length=40)] = None,
            lots: Annotated[int, Query(ge=0, le=100)] = 10) -> list[dict[str, Any]]:
    """Where a producer's streams stand: severity, switching score, transitions with their
    reasons and the latest ``lots`` lots. Raw data."""
    canonical = firm_scope(who, Action.READ_RAW, firm_id, session)
    return [view.as_dict() for view in svc.streams(session, canonical, product, lots)]


def _stream_state(view: svc.StreamView) -> dict[str, Any]:
    return {"severity": str(view.severity), "reduced_approved": view.reduced_approved}


@router.post("/firms/{firm_id}/inspection-streams/{product}/resume")
def resume(firm_id: FirmId, product: Product, body: Resume, who: Who, session: DB
           ) -> dict[str, Any]:
    """Resume a discontinued stream on tightened inspection after corrective action."""
    canonical = firm_scope(who, Action.INSPECT, firm_id, session)
    before = svc.streams(session, canonical, product, 0)[0]
    after = svc.resume(session, canonical, product, body.action, body.on or dt.date.today())
    accounts.audit(session, actor=who.username, action="resume", entity="inspection_stream",
                   entity_id=f"{canonical}/{after.product}", before=_stream_state(before),
                   after={**_stream_state(after), "corrective_action": body.action})
    return after.as_dict()


@router.post("/firms/{firm_id}/inspection-streams/{product}/approve-reduced")
def approve_reduced(firm_id: FirmId, product: Product, body: ReducedApproval, who: Who,
                    session: DB) -> dict[str, Any]:
    """Record the responsible authority's approval of reduced inspection for a stream (it
    starts when the switching score reaches 30), or withdraw it (``approved: false``)."""
    canonical = firm_scope(who, Action.INSPECT, firm_id, session)
    before = svc.streams(session, canonical, product, 0)[0]
    after = svc.approve_reduced(session, canonical, product, body.approved)
    accounts.audit(session, actor=who.username, action="approve_reduced",
                   entity="inspection_stream", entity_id=f"{canonical}/{after.product}",
                   before=_stream_state(before), after=_stream_state(after))
    return after.as_dict()


@router.get("/inspections/schedule")
def schedule(who: Who, session: DB,
             count: Annotated[int, Query(ge=1, le=500)] = 10,
             seed: Annotated[int | None, Query(ge=0, le=2**32 - 1, description=(
                 "Seed of the draw; default the date's day number, so a day's list "
                 "repeats."))] = None,
             on: dt.date | None = None,
             region: Annotated[ShortText | None, Query(max_length=80)] = None,
             product: Annotated[ShortText | None, Query(max_length=40)] = None) -> dict[str, Any]:
    """Which producers and products to inspect next: a seeded, weighted random draw leaning
    on tightened inspection, recent lots not accepted and time since the last visit; and
    the discontinued streams waiting for corrective action."""
    may(who, Action.INSPECT)
    day = on or dt.date.today()
    used = day.toordinal() if seed is None else seed
    picked = svc.schedule(session, on=day, count=count, seed=used, region=region,
                          product=product)
    return {"on": day, "seed": used, "count": count, "picks": picked.to_dicts(),
            "discontinued": svc.discontinued(session).to_dicts()}
