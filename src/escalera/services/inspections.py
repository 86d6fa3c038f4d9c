"""Inspection use cases: record a lot, show a producer's streams, resume a discontinued
stream, approve reduced inspection, draw the random inspection schedule.

Recording a lot runs, in the caller's transaction: the plan per defect class for the
stream's current severity and the verdict (``domain.inspections``), the switching rules
(``domain.switching``), and the quality metrics of the firm's last year of lots
(``domain.inspections.quality_metrics``), written as the observations of a final
``random_inspection`` assessment dated the inspection day. That assessment is how
inspections reach the one evaluator, the benchmarks and the reports: nothing else reads the
inspection tables to judge a level. One such summary exists per firm and day; later lots of
the same day update it, and a lot dated before other summaries updates them too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from escalera.domain.defects import DefectClass
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.inspection_schedule import CANDIDATE_SCHEMA, RECENT_DAYS, draw
from escalera.domain.inspections import (
    QUALITY_WINDOW_DAYS,
    DefectCount,
    Judgement,
    judge,
    quality_metrics,
)
from escalera.domain.observation_rules import check_date
from escalera.domain.products import PRODUCTS
from escalera.domain.sampling import Basis, SamplingError, Severity, normalize_level
from escalera.domain.switching import (
    REASONS,
    START,
    InspectionDiscontinued,
    InvalidLotResult,
    Reason,
    ReasonCode,
    Transition,
    resumption,
    step,
)
from escalera.errors import N_, EscaleraError
from escalera.store import assessments as assessment_repo
from escalera.store import inspections as repo
from escalera.store.evidence import firms_frame
from escalera.store.firms import get_firm, row_ids
from escalera.store.tables import AssessmentRow, InspectionRow, InspectionStreamRow

KNOWN_PRODUCTS = frozenset(p.id for p in PRODUCTS)


class InspectionRefused(EscaleraError, ValueError):
    """An inspection cannot be recorded for this firm, product or date."""


@dataclass(frozen=True)
class LotInput:
    """What an inspector reports of one lot."""

    firm_id: str
    product: str
    lot_ref: str
    lot_size: int
    level: str
    aqls: Mapping[DefectClass, str]
    defects: tuple[DefectCount, ...]
    inspected_on: dt.date
    inspector: str
    order_ref: str = ""
    basis: Basis = Basis.UNITS
    resubmitted: bool = False
    steady_production: bool = True
    normal_warranted: bool = False


@dataclass(frozen=True)
class Recorded:
    """A recorded lot: its verdict, the stream's severity before and after, the transition
    it caused (if any) and the quality metrics it updated."""

    id: str
    firm_id: str
    product: str
    lot_ref: str
    order_ref: str
    inspected_on: dt.date
    inspector: str
    lot_size: int
    level: str
    judgement: Judgement
    defects: tuple[DefectCount, ...]
    severity_after: Severity
    transition: Transition | None
    metrics: dict[str, float]
    assessment_id: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values (``--json``)."""
        j = self.judgement
        return {
            "id": self.id, "firm_id": self.firm_id, "product": self.product,
            "lot": self.lot_ref, "order": self.order_ref or None,
            "inspected_on": self.inspected_on.isoformat(), "inspector": self.inspector,
            "lot_size": self.lot_size, "level": self.level, "severity": str(j.severity),
            "basis": str(j.basis), "sample_size": j.sample_size,
            "full_inspection": j.full_inspection, "decision": str(j.decision),
            "classes": [c.as_dict() for c in j.classes],
            "defects": [{"code": d.code, "class": str(d.defect_class), "count": d.count}
                        for d in self.defects],
            "severity_after": str(self.severity_after),
            "transition": None if self.transition is None else {
                "from": str(self.transition.from_severity),
                "to": str(self.transition.to_severity),
                "reason_code": str(self.transition.reason_code),
                "reason": str(self.transition.reason)},
            "metrics": self.metrics, "assessment_id": self.assessment_id,
        }


def _producer_row(session: Session, firm_id: str) -> tuple[str, int]:
    firm = get_firm(session, firm_id)
    if not firm.is_producer:
        raise InspectionRefused(N_("{id} ({name}) is not a producer; lots are inspected at "
                                   "producers"), id=firm.id, name=firm.name)
    return firm.id, row_ids(session, [firm.id])[firm.id]


def _discontinued(lot_ref: str) -> InspectionDiscontinued:
    return InspectionDiscontinued(
        N_("inspection of this stream is discontinued, so lot {lot} cannot be judged; record "
           "the corrective action to resume on tightened inspection"), lot=lot_ref)


def _product(product: str) -> str:
    text = product.strip().lower()
    if text not in KNOWN_PRODUCTS:
        raise InspectionRefused(N_("unknown product {product!r}; use one of {valid}"),
                                product=product, valid=", ".join(sorted(KNOWN_PRODUCTS)))
    return text


def record(session: Session, lot: LotInput, *, today: dt.date | None = None,
           now: dt.datetime | None = None) -> Recorded:
    """Judge and store one lot (see the module's notes)."""
    day = today or dt.date.today()
    moment = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    firm_id, firm_row = _producer_row(session, lot.firm_id)
    product = _product(lot.product)
    firm = get_firm(session, firm_id)
    check_date(lot.inspected_on, day, firm.founded_on)
    lot_ref = lot.lot_ref.strip()
    if not lot_ref:
        raise InspectionRefused(N_("give the lot's reference (--lot)"))
    for field, text, limit in (("lot", lot_ref, 60), ("order", lot.order_ref.strip(), 60),
                               ("inspector", lot.inspector.strip(), 120)):
        if len(text) > limit:
            raise InspectionRefused(N_("the {field} reference is {length} characters long; at "
                                       "most {limit} fit"), field=field, length=len(text),
                                    limit=limit)
    stream = repo.stream(session, firm_row, product, for_update=True)
    state = START if stream is None else repo.state_of(stream)
    if state.severity is Severity.DISCONTINUED:
        raise _discontinued(lot_ref)
    last = None if stream is None else stream.last_inspected_on
    if last is not None and lot.inspected_on < last:
        raise InvalidLotResult(
            N_("lot {lot} is dated {date}, before the last lot inspected in this stream "
               "({previous_date}); the switching rules need lots in the order inspected"),
            lot=lot_ref, date=lot.inspected_on.isoformat(), previous_date=last.isoformat())
    judgement = judge(lot.lot_size, lot.level, lot.aqls, lot.defects, state.severity,
                      lot.basis)
    if stream is None:  # only once the lot is known to be valid
        stream = repo.stream(session, firm_row, product, create=True)
        assert stream is not None
    after, transition = step(state, judgement.lot_result(lot_ref, lot.inspected_on,
                                                         lot.resubmitted),
                             steady_production=lot.steady_production,
                             approved_for_reduced=stream.reduced_approved,
                             normal_warranted=lot.normal_warranted)
    row = repo.add_inspection(session, InspectionRow(
        stream_id=stream.id, firm_id=firm_row, product=product, lot_ref=lot_ref,
        order_ref=lot.order_ref.strip(), lot_size=lot.lot_size,
        level=normalize_level(lot.level), severity=str(judgement.severity),
        basis=str(judgement.basis), sample_size=judgement.sample_size,
        defects_found=judgement.defects_found, decision=str(judgement.decision),
        resubmitted=lot.resubmitted, classes=[c.as_dict() for c in judgement.classes],
        inspector=lot.inspector.strip(), inspected_on=lot.inspected_on, recorded_at=moment),
        lot.defects)
    repo.save_state(stream, after, moment)
    stream.last_inspected_on = lot.inspected_on
    if transition is not None:
        repo.add_transition(session, stream.id, transition, row.id)
    summary, metrics = _refresh_metrics(session, firm_row, lot.inspected_on,
                                        lot.inspector.strip(), repo.public_id(row.id), moment)
    row.assessment_id = summary.id
    session.flush()
    return Recorded(id=repo.public_id(row.id), firm_id=firm_id, product=product,
                    lot_ref=lot_ref, order_ref=row.order_ref, inspected_on=lot.inspected_on,
                    inspector=row.inspector, lot_size=lot.lot_size, level=row.level,
                    judgement=judgement, defects=lot.defects, severity_after=after.severity,
                    transition=transition, metrics=metrics, assessment_id=summary.public_id)


def planned_sample(session: Session, lot: LotInput) -> int:
    """How many units to draw from ``lot`` at its stream's current severity (the largest
    sample of its defect classes), before anything is found."""
    _firm_id, firm_row = _producer_row(session, lot.firm_id)
    stream = repo.stream(session, firm_row, _product(lot.product))
    severity = Severity.NORMAL if stream is None else Severity(stream.severity)
    if severity is Severity.DISCONTINUED:
        raise _discontinued(lot.lot_ref)
    return judge(lot.lot_size, lot.level, lot.aqls, (), severity, lot.basis).sample_size


def _refresh_metrics(session: Session, firm_row: int, day: dt.date, inspector: str,
                     ref: str, now: dt.datetime) -> tuple[AssessmentRow, dict[str, float]]:
    """Write the quality metrics as of ``day`` (and of every later summary) as observations
    of the firm's inspection-summary assessments; returns the one of ``day``."""
    later = repo.rollups_from(session, firm_row, day)
    lots = repo.lot_summaries(session, firm_row,
                              day - dt.timedelta(days=QUALITY_WINDOW_DAYS))
    mine = next((r for r in later if r.assessed_on == day), None)
    if mine is None:
        def make(public_id: str) -> AssessmentRow:
            return AssessmentRow(public_id=public_id, firm_id=firm_row,
                                 stage=str(Stage.RANDOM_INSPECTION), assessed_on=day,
                                 assessor=inspector, status="final",
                                 origin={"kind": repo.ROLLUP_KIND, "ref": ref},
                                 notes="", finalised_at=now, finalised_by=inspector)

        mine = assessment_repo.add_with_public_id(session, day, make)
        assessment_repo.add_status_change(session, mine.id, "", "final", now, inspector, ref)
        later = [mine, *later]
    else:
        mine.origin = {**(mine.origin or {}), "ref": ref}
    mine_metrics: dict[str, float] = {}
    for summary in later:
        values = quality_metrics(lots, summary.assessed_on)
        assessment_repo.put_values(session, summary.id,
                                   {(ItemKind.METRIC, k): v for k, v in values.items()})
        if summary is mine:
            mine_metrics = values
    return mine, mine_metrics


@dataclass(frozen=True)
class StreamView:
    """Where one stream stands and what happened to it lately."""

    firm_id: str
    product: str
    severity: Severity
    score: int
    recent_results: tuple[bool, ...]
    accepted_in_row: int
    not_accepted_on_tightened: int
    reduced_approved: bool
    last_inspected_on: dt.date | None
    corrective_action: str | None
    transitions: tuple[dict[str, object], ...]
    recent_lots: tuple[dict[str, object], ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {"firm_id": self.firm_id, "product": self.product,
                "severity": str(self.severity), "switching_score": self.score,
                "recent_results": list(self.recent_results),
                "accepted_in_row": self.accepted_in_row,
                "not_accepted_on_tightened": self.not_accepted_on_tightened,
                "reduced_approved": self.reduced_approved,
                "last_inspected_on": (self.last_inspected_on.isoformat()
                                      if self.last_inspected_on else None),
                "corrective_action": self.corrective_action,
                "transitions": list(self.transitions), "recent_lots": list(self.recent_lots)}


def streams(session: Session, firm_id: str, product: str | None = None,
            lots: int = 10) -> list[StreamView]:
    """A producer's streams (one product's when given), with transitions and latest lots."""
    canonical, firm_row = _producer_row(session, firm_id)
    wanted = None if product is None else _product(product)
    views = []
    for row in repo.streams_of(session, firm_row):
        if wanted is not None and row.product != wanted:
            continue
        state = repo.state_of(row)
        moves: tuple[dict[str, object], ...] = tuple({
            "on": t.occurred_on.isoformat(), "from": t.from_severity, "to": t.to_severity,
            "reason_code": t.reason_code,
            "reason": str(Reason(ReasonCode(t.reason_code),
                                 tuple(sorted((t.params or {}).items())))),
            "lot": None if t.inspection_id is None else repo.public_id(t.inspection_id),
        } for t in repo.transitions(session, row.id) if ReasonCode(t.reason_code) in REASONS)
        latest = tuple({
            "id": repo.public_id(r.id), "lot": r.lot_ref, "on": r.inspected_on.isoformat(),
            "severity": r.severity, "sample_size": r.sample_size,
            "defects_found": r.defects_found, "decision": r.decision,
            "resubmitted": r.resubmitted, "inspector": r.inspector,
        } for r in repo.recent(session, row.id, lots))
        views.append(StreamView(
            firm_id=canonical, product=row.product, severity=state.severity,
            score=state.score, recent_results=state.recent,
            accepted_in_row=state.accepted_in_row, not_accepted_on_tightened=state.not_accepted,
            reduced_approved=row.reduced_approved, last_inspected_on=row.last_inspected_on,
            corrective_action=state.corrective_action, transitions=moves, recent_lots=latest))
    if wanted is not None and not views:
        raise InspectionRefused(N_("{id} has no inspections of {product} yet"),
                                id=canonical, product=wanted)
    return views


def _existing_stream(session: Session, firm_id: str, product: str
                     ) -> tuple[str, InspectionStreamRow]:
    canonical, firm_row = _producer_row(session, firm_id)
    name = _product(product)
    row = repo.stream(session, firm_row, name, for_update=True)
    if row is None:
        raise InspectionRefused(N_("{id} has no inspections of {product} yet"),
                                id=canonical, product=name)
    return canonical, row


def resume(session: Session, firm_id: str, product: str, action: str, on: dt.date,
           now: dt.datetime | None = None) -> StreamView:
    """Put a discontinued stream back on tightened inspection after corrective action."""
    canonical, row = _existing_stream(session, firm_id, product)
    resumed, transition = resumption(repo.state_of(row), action, on)
    repo.save_state(row, resumed, now or dt.datetime.now(dt.UTC).replace(tzinfo=None))
    repo.add_transition(session, row.id, transition, None)
    session.flush()
    return streams(session, canonical, row.product)[0]


def approve_reduced(session: Session, firm_id: str, product: str, approved: bool = True
                    ) -> StreamView:
    """Record the responsible authority's approval (or its withdrawal) of reduced
    inspection for a stream; the switch itself waits for the switching score."""
    canonical, row = _existing_stream(session, firm_id, product)
    row.reduced_approved = approved
    session.flush()
    return streams(session, canonical, row.product)[0]


def schedule(session: Session, *, on: dt.date, count: int, seed: int,
             region: str | None = None, product: str | None = None) -> pl.DataFrame:
    """The streams to inspect next (``domain.inspection_schedule``): every producer and
    product in the registry, with the state of its stream when it has one."""
    if count < 1:
        raise SamplingError(N_("the number of inspections to schedule must be at least 1, "
                               "got {count}"), count=count)
    firms = firms_frame(session).filter(
        pl.col("roles").list.eval(pl.element().is_in([str(r) for r in PRODUCER_ROLES]))
        .list.any())
    if region is not None:
        firms = firms.filter(pl.col("state").str.to_lowercase() == region.strip().lower())
    pairs = (firms.select("firm_id", "name", "state", "products").explode("products")
             .rename({"products": "product"}).drop_nulls("product"))
    if product is not None:
        pairs = pairs.filter(pl.col("product") == _product(product))
    known = repo.streams_frame(session)
    recent = repo.not_accepted_since(session, on - dt.timedelta(days=RECENT_DAYS), on)
    candidates = (pairs.join(known, on=["firm_id", "product"], how="left")
                  .join(recent, on=["firm_id", "product"], how="left")
                  .with_columns(pl.col("severity").fill_null(str(Severity.NORMAL)),
                                pl.col("recent_not_accepted").fill_null(0)))
    picked = draw(candidates.select(*CANDIDATE_SCHEMA, "name", "state"), on, count, seed)
    return picked.select("firm_id", "name", "state", "product", "severity",
                         "recent_not_accepted", "last_inspected", "days_since", "weight",
                         "share")


def discontinued(session: Session) -> pl.DataFrame:
    """Streams whose inspection is discontinued: they wait for corrective action and are
    never drawn by the schedule."""
    return (repo.streams_frame(session)
            .filter(pl.col("severity") == str(Severity.DISCONTINUED))
            .sort("firm_id", "product"))
