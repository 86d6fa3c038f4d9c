"""``/api/v1/firms``: the registry, each firm's levels, gaps, segments and certificates,
its links, and whom it shares its raw data with. Current values in gaps are raw data: shown
only to those who may read the firm's raw data (the firm itself, its assessors, program
managers, admins, and buyers' firms it shares them with)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from escalera.domain.certificates import LadderCertification
from escalera.domain.permissions import Action, can
from escalera.domain.visits import DEFAULT_VISIT_LIMIT, VisitGap, VisitRecommendation
from escalera.services import accounts, sharing
from escalera.services.certificates import firm_certificates
from escalera.services.firm_view import show_firm
from escalera.services.visits import recommend_visits
from escalera.store.evidence import firms_frame
from escalera.store.firms import get_firm
from escalera.timestamps import UtcDateTime
from escalera.web.api.access import FirmPath, firm_scope
from escalera.web.api.lists import Page, page_params, paged
from escalera.web.deps import DB, Who, allow, context
from escalera.web.idempotency import IdempotentRoute
from escalera.web.text import Identifier, ShortText

router = APIRouter(prefix="/firms", tags=["firms"], route_class=IdempotentRoute)
SORTABLE = ("firm_id", "name", "state", "municipality", "employees", "monthly_capacity")


@router.get("")
def list_firms(who: Who, session: DB, page: Annotated[Page, Depends(page_params)],
               q: Annotated[ShortText | None, Query(max_length=100)] = None,
               state: Annotated[ShortText | None, Query(max_length=80)] = None,
               product: Annotated[ShortText | None, Query(max_length=40)] = None,
               role: Annotated[ShortText | None, Query(max_length=40)] = None) -> dict[str, Any]:
    """Firms, filtered by name (``q``), state, product and role; sortable."""
    allow(who, Action.READ_PROFILES)
    frame = firms_frame(session)
    if q:
        frame = frame.filter(pl.col("name").str.to_lowercase().str.contains(q.lower(),
                                                                            literal=True))
    if state:
        frame = frame.filter(pl.col("state").str.to_lowercase() == state.lower())
    if product:
        frame = frame.filter(pl.col("products").list.contains(product))
    if role:
        frame = frame.filter(pl.col("roles").list.contains(role))
    return paged(frame.sort("firm_id"), page, SORTABLE)


@router.get("/{firm_id}")
def firm(firm_id: FirmPath, who: Who, session: DB, ctx: Any = Depends(context),
         on: dt.date | None = None) -> dict[str, Any]:
    """A firm's profile and, on ``on`` (default today), its level on each ladder with the
    gap to the next level, its market segments now and next, and its certificates."""
    allow(who, Action.READ_PROFILES)
    day = on or dt.date.today()
    view = show_firm(session, ctx.catalog, firm_id, day, ctx.settings.stale_after_days,
                     with_visits=False)
    raw = can(who, Action.READ_RAW, view.firm.id)
    evaluation = view.evaluation.model_dump(mode="json")
    if not raw:
        for ladder in evaluation["ladders"]:
            for req in ladder["gap"]:
                req.update(current=None, distance=None, assessment_id=None, observed_on=None)
            for level in ladder["levels"]:
                for req in level["requirements"]:
                    req.update(current=None, distance=None, assessment_id=None, observed_on=None)
        for segment in evaluation["segments"]:
            for check in segment["checks"]:
                check.update(current=None)
    firm_data = view.firm.model_dump(mode="json", exclude={"provenance"})
    if not raw:
        firm_data.pop("working_capital", None)
    return {"firm": firm_data, "on": day.isoformat(), "raw_data": raw,
            "evaluation": evaluation,
            "certificates": [c.model_dump(mode="json") for c in view.certificates]}


@router.get("/{firm_id}/links")
def links(firm_id: FirmPath, who: Who, session: DB, ctx: Any = Depends(context)) -> list[Any]:
    """The firm's links along the chain (subcontracting, tutelage, integradoras...)."""
    allow(who, Action.READ_PROFILES)
    view = show_firm(session, ctx.catalog, firm_id, dt.date.today(),
                     ctx.settings.stale_after_days, with_visits=False)
    return [link.model_dump(mode="json") for link in view.links]


class Certificates(BaseModel):
    """A firm's level certificates per ladder, read on one date."""

    firm_id: str
    on: dt.date
    certificates: list[LadderCertification]


class VisitPlanOut(BaseModel):
    """The gaps considered, largest first, and the host firms recommended for them."""

    firm_id: str
    on: dt.date
    gaps: list[VisitGap]
    visits: list[VisitRecommendation]


@router.get("/{firm_id}/certificates", response_model=Certificates)
def certificates(firm_id: FirmPath, who: Who, session: DB, ctx: Any = Depends(context),
                 on: dt.date | None = None) -> Certificates:
    """A firm's level certificates (constancias de nivel) on each ladder on ``on`` (default
    today): the certified level, the levels whose certificates lapsed, and every
    certificate with its issue date, validity and the assessment behind it."""
    allow(who, Action.READ_PROFILES)
    day = on or dt.date.today()
    firm = get_firm(session, firm_id)
    ladders = firm_certificates(session, ctx.catalog, firm.id, day,
                                ctx.settings.stale_after_days)
    return Certificates(firm_id=firm.id, on=day, certificates=list(ladders))


@router.get("/{firm_id}/visits", response_model=VisitPlanOut)
def visits(firm_id: FirmPath, who: Who, session: DB, ctx: Any = Depends(context),
           on: dt.date | None = None,
           limit: Annotated[int, Query(ge=1, le=20)] = DEFAULT_VISIT_LIMIT) -> VisitPlanOut:
    """Learning visits: host firms that meet the firm's largest gaps with margin, make the
    same products and are nearest. The gaps carry the firm's current values, so this is
    raw data: the firm, its assessors, program managers and admins only."""
    canonical = firm_scope(who, Action.READ_RAW, firm_id, session)
    plan = recommend_visits(session, ctx.catalog, canonical, on or dt.date.today(),
                            ctx.settings.stale_after_days, limit)
    return VisitPlanOut(firm_id=plan.firm_id, on=plan.on, gaps=list(plan.gaps),
                        visits=list(plan.visits))


class ShareIn(BaseModel):
    """The buyer's firm to share raw data with."""

    buyer_id: Identifier = Field(max_length=20)


class ShareOut(BaseModel):
    """One buyer's firm a producer shares its raw data with."""

    buyer_id: str
    name: str
    granted_at: UtcDateTime
    granted_by: str


@router.get("/{firm_id}/shares", response_model=list[ShareOut])
def list_shares(firm_id: FirmPath, who: Who, session: DB) -> list[ShareOut]:
    """The buyers' firms this producer shares its raw data with (assessments, values,
    inspections); buyers otherwise see profiles and levels only."""
    firm = firm_scope(who, Action.READ_RAW, firm_id, session)
    return [ShareOut(**s) for s in sharing.shares_of(session, firm)]


@router.post("/{firm_id}/shares", response_model=list[ShareOut], status_code=201)
def add_share(firm_id: FirmPath, body: ShareIn, who: Who, session: DB) -> list[ShareOut]:
    """Share this producer's raw data with a buyer's firm (the producer itself, a program
    manager or an admin)."""
    firm = firm_scope(who, Action.SHARE_DATA, firm_id, session)
    before = sharing.shares_of(session, firm)
    sharing.share(session, firm, body.buyer_id, who.username)
    after = sharing.shares_of(session, firm)
    accounts.audit(session, actor=who.username, action="share", entity="firm",
                   entity_id=firm, before={"shares": [s["buyer_id"] for s in before]},
                   after={"shares": [s["buyer_id"] for s in after]})
    return [ShareOut(**s) for s in after]


@router.delete("/{firm_id}/shares/{buyer_id}", response_model=list[ShareOut])
def remove_share(firm_id: FirmPath, buyer_id: FirmPath, who: Who, session: DB) -> list[ShareOut]:
    """Stop sharing this producer's raw data with a buyer's firm."""
    firm = firm_scope(who, Action.SHARE_DATA, firm_id, session)
    before = sharing.shares_of(session, firm)
    sharing.unshare(session, firm, buyer_id)
    after = sharing.shares_of(session, firm)
    accounts.audit(session, actor=who.username, action="unshare", entity="firm",
                   entity_id=firm, before={"shares": [s["buyer_id"] for s in before]},
                   after={"shares": [s["buyer_id"] for s in after]})
    return [ShareOut(**s) for s in after]
