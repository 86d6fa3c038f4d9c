"""Development programs: what they are, who may enter, and what counts as reaching the target.

The study's complaint about the 1994 matchmaking fair is that "virtually no effort was put
into evaluation and follow-up". A program here is therefore never just a date and a budget:
it carries an **admission standard** (a level on a ladder, or custom thresholds), a **target
standard** with a **target date**, and the market segment its participants serve at entry
and the one it aims at. Participants are admitted by the one evaluator
(:mod:`escalera.domain.evaluation`) on the admission date; a firm that falls short is
refused with the requirements it missed, as numbers that read in any language.

Pure: no I/O. The funnel, the follow-up rule and the outcome measures live in
:mod:`escalera.domain.program_followup`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import (
    DEFAULT_STALE_AFTER_DAYS,
    FirmEvaluation,
    Status,
    distance,
    is_met,
)
from escalera.domain.evidence import Evidence, EvidenceItem, ItemKind
from escalera.domain.measures import Direction
from escalera.errors import N_, EscaleraError


class ProgramError(EscaleraError, ValueError):
    """A program, an admission or an activity is not valid; the message names the field."""


class ProgramType(StrEnum):
    """The kinds of intervention the study discusses."""

    MATCHMAKING_EVENT = "matchmaking_event"
    CONSULTANT_PROGRAM = "consultant_program"
    TUTELAGE_PARTNERSHIP = "tutelage_partnership"
    CREDIT_PILOT = "credit_pilot"
    BENCHMARKING_CLUB = "benchmarking_club"
    BEST_PRACTICE_VISITS = "best_practice_visits"


class ActivityKind(StrEnum):
    """What a program records: visits, sessions, meetings, credit, and the funnel's stages
    after a matchmaking meeting (sample, quote, order, on-time delivery, repeat order) or
    the end of a buyer's interest (``no_deal``)."""

    BUYER_TEAM_TRIP = "buyer_team_trip"
    RETURN_VISIT = "return_visit"
    BEST_PRACTICE_VISIT = "best_practice_visit"
    CONSULTANT_SESSION = "consultant_session"
    MATCHMAKING_MEETING = "matchmaking_meeting"
    SAMPLE = "sample"
    QUOTE = "quote"
    ORDER = "order"
    ON_TIME_DELIVERY = "on_time_delivery"
    REPEAT_ORDER = "repeat_order"
    NO_DEAL = "no_deal"
    CREDIT_DISBURSEMENT = "credit_disbursement"
    CREDIT_REPAYMENT = "credit_repayment"


FUNNEL: tuple[ActivityKind, ...] = (
    ActivityKind.MATCHMAKING_MEETING, ActivityKind.SAMPLE, ActivityKind.QUOTE,
    ActivityKind.ORDER, ActivityKind.ON_TIME_DELIVERY, ActivityKind.REPEAT_ORDER)
"""The matchmaking funnel, in order: meetings -> samples -> quotes -> orders -> on-time
deliveries -> repeat orders."""

CREDIT = (ActivityKind.CREDIT_DISBURSEMENT, ActivityKind.CREDIT_REPAYMENT)
NEEDS_FIRM = frozenset({*FUNNEL, ActivityKind.NO_DEAL, *CREDIT,
                        ActivityKind.CONSULTANT_SESSION})
NEEDS_BUYER = frozenset({*FUNNEL, ActivityKind.NO_DEAL})


@dataclass(frozen=True)
class Threshold:
    """A custom requirement: a metric value or a practice maturity, read in the direction
    the catalog gives the metric (practices: at least)."""

    kind: ItemKind
    item: str
    value: float


@dataclass(frozen=True)
class ProgramStandard:
    """An admission or target standard: a level of a ladder, or custom thresholds."""

    ladder: str | None = None
    level: str | None = None
    thresholds: tuple[Threshold, ...] = ()

    @property
    def is_level(self) -> bool:
        return self.level is not None


@dataclass(frozen=True)
class Program:
    """A program with its standards, its dates and the segments it starts from and aims at."""

    id: str
    name: str
    type: ProgramType
    sponsor: str
    starts_on: dt.date
    ends_on: dt.date
    target_date: dt.date
    budget: float
    admission: ProgramStandard
    target: ProgramStandard
    currency: str = "MXN"
    description: str = ""
    entry_segment: str | None = None
    target_segment: str | None = None


@dataclass(frozen=True)
class Activity:
    """One dated record of a program; ``firm_id`` and ``buyer`` where the kind needs them,
    ``amount`` for credit (in the program's currency), ``units`` for samples and orders."""

    kind: ActivityKind
    on: dt.date
    firm_id: str | None = None
    buyer: str = ""
    amount: float | None = None
    units: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Shortfall:
    """A requirement a firm missed on the admission date. ``status`` is ``unmet`` or
    ``not_assessed`` (no current evidence: missing evidence is never a failure, but it is
    not a pass either); ``level`` is the level that requires it (None for a custom
    threshold)."""

    kind: ItemKind
    item: str
    direction: Direction
    required: float
    current: float | None
    status: Status
    level: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": str(self.kind), "item": self.item, "direction": str(self.direction),
                "required": self.required, "current": self.current,
                "status": str(self.status), "level": self.level}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Shortfall:
        current = data.get("current")
        level = data.get("level")
        return cls(kind=ItemKind(str(data["kind"])), item=str(data["item"]),
                   direction=Direction(str(data["direction"])),
                   required=float(str(data["required"])),
                   current=None if current is None else float(str(current)),
                   status=Status(str(data["status"])),
                   level=None if level is None else str(level))


@dataclass(frozen=True)
class Admission:
    """The evaluator's answer for one firm on the admission date."""

    firm_id: str
    on: dt.date
    admitted: bool
    shortfalls: tuple[Shortfall, ...] = field(default_factory=tuple)
    level: str | None = None  # attained level on the standard's ladder, if any


def parse_standard(level: str | None, thresholds: Sequence[str], field: str,
                   catalog: Catalog) -> ProgramStandard:
    """A standard as people type it: ``LADDER:LEVEL`` and/or ``ITEM=VALUE`` thresholds
    (metric or practice ids); ``field`` (``admission``/``target``) names it in errors."""
    ladder = level_id = None
    if level:
        ladder, sep, level_id = level.partition(":")
        if not sep or not ladder or not level_id:
            raise ProgramError(N_("{field}: expected LADDER:LEVEL, got {value!r}"),
                               field=f"{field}_level", value=level)
    found = []
    practices = {p.id for p in catalog.practices}
    for text in thresholds:
        item, sep, value = text.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or number != number:
            raise ProgramError(N_("{field}: expected ITEM=VALUE, got {value!r}"),
                               field=f"{field}_threshold", value=text)
        kind = ItemKind.PRACTICE if item.strip() in practices else ItemKind.METRIC
        found.append(Threshold(kind, item.strip(), number))
    return ProgramStandard(ladder=ladder, level=level_id, thresholds=tuple(found))


# --------------------------------------------------------------------------- checks


def _check_standard(catalog: Catalog, standard: ProgramStandard, which: str) -> None:
    if standard.is_level:
        if standard.ladder not in {ladder.id for ladder in catalog.ladders}:
            raise ProgramError(N_("{field}: unknown ladder {ladder}"),
                               field=f"{which}_ladder", ladder=standard.ladder)
        ladder = catalog.ladder(str(standard.ladder))
        if standard.level not in {level.id for level in ladder.levels}:
            raise ProgramError(N_("{field}: level {level} is not on ladder {ladder}"),
                               field=f"{which}_level", level=standard.level,
                               ladder=standard.ladder)
    elif not standard.thresholds:
        raise ProgramError(N_("{field}: give a level or at least one threshold"),
                           field=which)
    for threshold in standard.thresholds:
        known = ({m.id for m in catalog.metrics} if threshold.kind is ItemKind.METRIC
                 else {p.id for p in catalog.practices})
        if threshold.item not in known:
            raise ProgramError(N_("{field}: unknown metric or practice {item}"),
                               field=f"{which}_threshold", item=threshold.item)
        if threshold.kind is ItemKind.PRACTICE and not 0 <= threshold.value <= 3:
            raise ProgramError(N_("{field}: a practice maturity lies between 0 and 3, got "
                                  "{value}"), field=f"{which}_threshold", value=threshold.value)


def check_program(program: Program, catalog: Catalog) -> None:
    """Refuse a program that cannot be run or judged, naming the field at fault."""
    if not program.id.strip():
        raise ProgramError(N_("{field}: must not be empty"), field="id")
    if not program.name.strip():
        raise ProgramError(N_("{field}: must not be empty"), field="name")
    if program.ends_on < program.starts_on:
        raise ProgramError(N_("ends_on: the program ends ({end}) before it starts ({start})"),
                           end=program.ends_on.isoformat(), start=program.starts_on.isoformat())
    if program.target_date <= program.starts_on:
        raise ProgramError(N_("target_date: the target date ({target}) must come after the "
                              "start ({start})"), target=program.target_date.isoformat(),
                           start=program.starts_on.isoformat())
    if not program.budget >= 0:
        raise ProgramError(N_("budget: must be zero or more, got {budget}"),
                           budget=program.budget)
    _check_standard(catalog, program.admission, "admission")
    _check_standard(catalog, program.target, "target")
    segments = {s.id for s in catalog.segments}
    for name, segment in (("entry_segment", program.entry_segment),
                          ("target_segment", program.target_segment)):
        if segment is not None and segment not in segments:
            raise ProgramError(N_("{field}: unknown market segment {segment}"), field=name,
                               segment=segment)
    _check_target_above_admission(program, catalog)


def _check_target_above_admission(program: Program, catalog: Catalog) -> None:
    adm, tgt = program.admission, program.target
    if adm.is_level and tgt.is_level and adm.ladder == tgt.ladder:
        ladder = catalog.ladder(str(adm.ladder))
        if ladder.level_index(str(tgt.level)) < ladder.level_index(str(adm.level)):
            raise ProgramError(N_("target_level: the target {target} is below the admission "
                                  "level {admission}"), target=tgt.level, admission=adm.level)
    admitted = {(t.kind, t.item): t.value for t in adm.thresholds}
    for t in tgt.thresholds:
        before = admitted.get((t.kind, t.item))
        if before is None:
            continue
        direction = (catalog.metric(t.item).direction if t.kind is ItemKind.METRIC
                     else Direction.HIGHER)
        if not is_met(t.value, before, direction):
            raise ProgramError(N_("target_threshold: the target for {item} ({target}) is "
                                  "below its admission threshold ({admission})"),
                               item=t.item, target=t.value, admission=before)


def program_window(program: Program) -> tuple[dt.date, dt.date]:
    """The dates activities may carry: from the start to the end of the program or to the
    target date, whichever is later (orders and deliveries follow a fair by months)."""
    return program.starts_on, max(program.ends_on, program.target_date)


def check_activity(program: Program, activity: Activity, participants: set[str]) -> None:
    """Refuse an activity outside the program's window, of a firm that is not a
    participant, or missing what its kind needs."""
    first, last = program_window(program)
    if activity.on < first:
        raise ProgramError(N_("on: the activity ({on}) is dated before the program started "
                              "({start})"), on=activity.on.isoformat(), start=first.isoformat())
    if activity.on > last:
        raise ProgramError(N_("on: the activity ({on}) is dated after the program and its "
                              "follow-up ended ({end})"), on=activity.on.isoformat(),
                           end=last.isoformat())
    if activity.kind in NEEDS_FIRM and not activity.firm_id:
        raise ProgramError(N_("firm: a {kind} record needs the participating firm"),
                           kind=str(activity.kind))
    if activity.firm_id and activity.firm_id not in participants:
        raise ProgramError(N_("firm: {firm_id} is not an admitted participant of {program}"),
                           firm_id=activity.firm_id, program=program.id)
    if activity.kind in NEEDS_BUYER and not activity.buyer.strip():
        raise ProgramError(N_("buyer: a {kind} record needs the buyer's name"),
                           kind=str(activity.kind))
    if activity.kind in CREDIT and not (activity.amount is not None and activity.amount > 0):
        raise ProgramError(N_("amount: a {kind} record needs an amount above zero"),
                           kind=str(activity.kind))
    if activity.amount is not None and activity.amount < 0:
        raise ProgramError(N_("amount: must be zero or more, got {amount}"),
                           amount=activity.amount)
    if activity.units is not None and activity.units < 0:
        raise ProgramError(N_("units: must be zero or more, got {units}"),
                           units=activity.units)


# --------------------------------------------------------------------------- admission


def _level_shortfalls(standard: ProgramStandard, evaluation: FirmEvaluation,
                      catalog: Catalog) -> tuple[list[Shortfall], str | None]:
    ladder = catalog.ladder(str(standard.ladder))
    result = evaluation.ladder(ladder.id)
    need = ladder.level_index(str(standard.level))
    found: dict[tuple[ItemKind, str], Shortfall] = {}
    for level in result.levels[:need + 1]:
        for req in level.requirements:
            if req.status is Status.MET:
                continue
            # the highest level's threshold is the one the standard asks for
            found[(req.kind, req.item)] = Shortfall(
                kind=req.kind, item=req.item, direction=req.direction, required=req.required,
                current=None if req.stale else req.current, status=req.status,
                level=level.level)
    return list(found.values()), result.attained


def _fresh(item: EvidenceItem | None, on: dt.date, stale_after_days: int) -> bool:
    return item is not None and (on - item.observed_on).days <= stale_after_days


def threshold_shortfalls(thresholds: tuple[Threshold, ...], evidence: Evidence, on: dt.date,
                         catalog: Catalog,
                         stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> list[Shortfall]:
    """Custom thresholds judged by the evaluator's comparison (:func:`is_met`) and its
    freshness rule: missing or stale evidence is *not assessed*."""
    out: list[Shortfall] = []
    for t in thresholds:
        if t.kind is ItemKind.METRIC:
            direction, item = catalog.metric(t.item).direction, evidence.metrics.get(t.item)
        else:
            direction, item = Direction.HIGHER, evidence.practices.get(t.item)
        if not _fresh(item, on, stale_after_days) or item is None:
            out.append(Shortfall(t.kind, t.item, direction, t.value, None, Status.NOT_ASSESSED))
        elif not is_met(item.value, t.value, direction):
            out.append(Shortfall(t.kind, t.item, direction, t.value, item.value, Status.UNMET))
    return out


def judge_standard(standard: ProgramStandard, evaluation: FirmEvaluation, evidence: Evidence,
                   catalog: Catalog, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
                   ) -> Admission:
    """Whether a firm meets a program standard on ``evaluation.on``; admitted when nothing
    is short. Level standards read the evaluator's own requirement results."""
    shortfalls: list[Shortfall] = []
    level = None
    if standard.is_level:
        shortfalls, level = _level_shortfalls(standard, evaluation, catalog)
    shortfalls += threshold_shortfalls(standard.thresholds, evidence, evaluation.on, catalog,
                                       stale_after_days)
    return Admission(firm_id=evaluation.firm_id, on=evaluation.on, admitted=not shortfalls,
                     shortfalls=tuple(shortfalls), level=level)


def shortfall_gap(shortfall: Shortfall) -> float | None:
    """How far short (positive), in the requirement's units; None when not assessed."""
    if shortfall.current is None:
        return None
    return distance(shortfall.current, shortfall.required, shortfall.direction)
