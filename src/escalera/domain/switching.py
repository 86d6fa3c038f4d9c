"""Switching rules between normal, tightened and reduced inspection, per producer and stream.

A pure state machine over the results of *original* inspection (resubmitted lots are
ignored, as the standard says) of one producer's stream of lots of one product. It follows
**ISO 2859-1:1999**, clause 9 (single sampling):

* **start**: normal inspection, switching score 0.
* **normal -> tightened** when 2 out of 5 or fewer consecutive lots on normal inspection
  are not accepted (the switch happens at the second such lot).
* **tightened -> normal** when 5 consecutive lots are accepted on tightened inspection.
* **normal -> reduced** when the *switching score* (9.3.3) reaches 30, production is at a
  steady rate and the responsible authority approves reduced inspection. The score is set
  to 0 at the start of normal inspection and updated after each lot on normal inspection:
  with an acceptance number Ac of 2 or more, add 3 if the lot would have been accepted had
  the AQL been one step tighter, otherwise reset to 0; with Ac of 0 or 1, add 2 if the lot
  is accepted, otherwise reset to 0.
* **reduced -> normal** when a lot is not accepted, production becomes irregular or
  delayed, or other conditions warrant normal inspection.
* **discontinued** when the cumulative number of lots not accepted in a sequence of
  consecutive lots on tightened inspection reaches 5; inspection resumes only after
  corrective action, on tightened inspection (:func:`resume`).

Where editions differ we follow 1999: ISO 2859-1:1989 and MIL-STD-105E (still the basis of
ANSI/ASQ Z1.4) switch normal -> reduced after 10 accepted lots whose nonconforming total is
within the *limit numbers* of their Table VIII, and their reduced plans have a gap between
Ac and Re, so a lot accepted with more than Ac nonconforming items also returned to normal.
The 1999 edition replaced the limit numbers by the switching score and closed the gap
(Re = Ac + 1), so neither rule exists here.

Choices where the standard is silent: the window of five counts only lots inspected on
normal inspection since the stream last entered it; the score is 0 outside normal
inspection. Only single sampling plans are scored (double and multiple plans score by the
stage of acceptance, which is not modelled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from escalera.domain.sampling import Severity
from escalera.errors import N_, EscaleraError

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.NORMAL: N_("normal inspection"),
    Severity.TIGHTENED: N_("tightened inspection"),
    Severity.REDUCED: N_("reduced inspection"),
    Severity.DISCONTINUED: N_("inspection discontinued"),
}

WINDOW = 5  # normal -> tightened: 2 not accepted out of 5 or fewer consecutive lots
NOT_ACCEPTED_TO_TIGHTEN = 2
ACCEPTED_TO_NORMAL = 5  # tightened -> normal: consecutive accepted lots
NOT_ACCEPTED_TO_DISCONTINUE = 5  # cumulative, on tightened inspection
SCORE_FOR_REDUCED = 30


class ReasonCode(StrEnum):
    """Why a stream changed severity."""

    TWO_NOT_ACCEPTED = "two_not_accepted"  # normal -> tightened
    FIVE_ACCEPTED = "five_accepted"  # tightened -> normal
    SCORE_REACHED = "score_reached"  # normal -> reduced
    NOT_ACCEPTED_ON_REDUCED = "not_accepted_on_reduced"  # reduced -> normal
    IRREGULAR_PRODUCTION = "irregular_production"  # reduced -> normal
    NORMAL_WARRANTED = "normal_warranted"  # reduced -> normal
    FIVE_NOT_ACCEPTED_ON_TIGHTENED = "five_not_accepted_on_tightened"  # -> discontinued
    CORRECTIVE_ACTION = "corrective_action"  # discontinued -> tightened


REASONS: dict[ReasonCode, str] = {
    ReasonCode.TWO_NOT_ACCEPTED: N_(
        "2 of the last {span} consecutive lots on normal inspection were not accepted"),
    ReasonCode.FIVE_ACCEPTED: N_("5 consecutive lots were accepted on tightened inspection"),
    ReasonCode.SCORE_REACHED: N_(
        "the switching score reached {score} (30 or more), production is steady and the "
        "responsible authority approved reduced inspection"),
    ReasonCode.NOT_ACCEPTED_ON_REDUCED: N_("a lot was not accepted on reduced inspection"),
    ReasonCode.IRREGULAR_PRODUCTION: N_("production became irregular or delayed"),
    ReasonCode.NORMAL_WARRANTED: N_(
        "the responsible authority judged that conditions warrant normal inspection"),
    ReasonCode.FIVE_NOT_ACCEPTED_ON_TIGHTENED: N_(
        "5 lots were not accepted on tightened inspection"),
    ReasonCode.CORRECTIVE_ACTION: N_("corrective action taken: {note}"),
}


class SwitchingError(EscaleraError):
    """A switching-rule error; a severity named in it reads in the interface language."""

    def __str__(self) -> str:
        from escalera.i18n import gettext  # late: the domain stays free of interface state

        shown = dict(self.params)
        if "severity" in shown:
            shown["severity"] = gettext(SEVERITY_LABELS[Severity(str(shown["severity"]))])
        return gettext(self.message).format(**shown)


class InvalidLotResult(SwitchingError, ValueError):
    """A lot's result contradicts itself or lacks what the switching score needs."""


class InspectionDiscontinued(SwitchingError):
    """A lot was given for a stream whose inspection is discontinued."""


class ResumeRefused(SwitchingError):
    """Inspection cannot resume: the stream is not discontinued or no action is described."""


@dataclass(frozen=True, slots=True)
class LotResult:
    """The result of inspecting one lot with a single sampling plan.

    ``acceptance_number`` is the Ac of the plan used and ``nonconforming`` the number of
    nonconforming items (or nonconformities) found in the sample. With Ac of 2 or more on
    normal inspection the switching score needs ``accepted_at_tighter_aql``: whether the lot
    would have been accepted had the AQL been one step tighter. A ``resubmitted`` lot is
    not original inspection and does not count for switching.
    """

    lot_id: str
    date: dt.date
    accepted: bool
    acceptance_number: int
    nonconforming: int
    accepted_at_tighter_aql: bool | None = None
    resubmitted: bool = False

    def __post_init__(self) -> None:
        if self.acceptance_number < 0 or self.nonconforming < 0:
            raise InvalidLotResult(
                N_("lot {lot}: the acceptance number and the number nonconforming cannot be "
                   "negative"), lot=self.lot_id)
        if self.accepted and self.nonconforming > self.acceptance_number:
            raise InvalidLotResult(
                N_("lot {lot} is marked accepted but has {found} nonconforming, more than "
                   "the acceptance number {ac}"), lot=self.lot_id, found=self.nonconforming,
                ac=self.acceptance_number)
        if self.accepted_at_tighter_aql and not self.accepted:
            raise InvalidLotResult(
                N_("lot {lot} was not accepted, so it cannot have been accepted at a "
                   "tighter AQL"), lot=self.lot_id)


@dataclass(frozen=True, slots=True)
class Reason:
    """A translatable reason: an English template and its parameters."""

    code: ReasonCode
    params: tuple[tuple[str, str | int], ...] = ()

    @property
    def template(self) -> str:
        """The English template (a msgid of the catalog)."""
        return REASONS[self.code]

    def __str__(self) -> str:
        from escalera.i18n import gettext  # late: the domain stays free of interface state

        return gettext(self.template).format(**dict(self.params))


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of severity and why. ``lot_id`` is None for a resumption."""

    lot_id: str | None
    date: dt.date
    from_severity: Severity
    to_severity: Severity
    reason_code: ReasonCode
    reason: Reason


@dataclass(frozen=True, slots=True)
class SwitchingState:
    """Where one producer's stream stands.

    ``recent`` holds the accepted flags of the last lots (at most 5) on normal inspection
    since the stream last entered it; ``accepted_in_row`` and ``not_accepted`` count lots on
    the current spell of tightened inspection; ``score`` is the switching score (0 outside
    normal inspection).
    """

    severity: Severity = Severity.NORMAL
    recent: tuple[bool, ...] = ()
    accepted_in_row: int = 0
    not_accepted: int = 0
    score: int = 0
    corrective_action: str | None = None  # the note of the last resumption


START = SwitchingState()


def _enter(severity: Severity, previous: SwitchingState) -> SwitchingState:
    """A fresh spell of ``severity``: every counter starts again."""
    return SwitchingState(severity=severity, corrective_action=previous.corrective_action)


def next_score(score: int, lot: LotResult) -> int:
    """The switching score after ``lot`` on normal inspection (ISO 2859-1:1999, 9.3.3)."""
    if not lot.accepted:
        return 0
    if lot.acceptance_number >= 2:
        if lot.accepted_at_tighter_aql is None:
            raise InvalidLotResult(
                N_("lot {lot}: with acceptance number {ac} the switching score needs to know "
                   "whether the lot would have been accepted at the next tighter AQL"),
                lot=lot.lot_id, ac=lot.acceptance_number)
        return score + 3 if lot.accepted_at_tighter_aql else 0
    return score + 2


def step(state: SwitchingState, lot: LotResult, *, steady_production: bool = True,
         approved_for_reduced: bool = False,
         normal_warranted: bool = False) -> tuple[SwitchingState, Transition | None]:
    """The state after ``lot`` and the transition it caused, if any.

    ``steady_production`` and ``approved_for_reduced`` are the conditions (besides the
    score) for reduced inspection; ``normal_warranted`` is the responsible authority's call
    that other conditions warrant a return from reduced to normal inspection.
    """
    severity = state.severity
    if severity is Severity.DISCONTINUED:
        raise InspectionDiscontinued(
            N_("inspection of this stream is discontinued, so lot {lot} cannot be judged; "
               "record the corrective action to resume on tightened inspection"),
            lot=lot.lot_id)
    if lot.resubmitted:
        return state, None

    def move(to: Severity, code: ReasonCode,
             **params: str | int) -> tuple[SwitchingState, Transition]:
        reason = Reason(code, tuple(sorted(params.items())))
        return _enter(to, state), Transition(lot.lot_id, lot.date, severity, to, code, reason)

    if severity is Severity.NORMAL:
        recent = (*state.recent, lot.accepted)[-WINDOW:]
        if recent.count(False) >= NOT_ACCEPTED_TO_TIGHTEN:
            span = len(recent) - recent.index(False)
            return move(Severity.TIGHTENED, ReasonCode.TWO_NOT_ACCEPTED, span=span)
        score = next_score(state.score, lot)
        if score >= SCORE_FOR_REDUCED and steady_production and approved_for_reduced:
            return move(Severity.REDUCED, ReasonCode.SCORE_REACHED, score=score)
        return replace(state, recent=recent, score=score), None

    if severity is Severity.TIGHTENED:
        if lot.accepted:
            if state.accepted_in_row + 1 >= ACCEPTED_TO_NORMAL:
                return move(Severity.NORMAL, ReasonCode.FIVE_ACCEPTED)
            return replace(state, accepted_in_row=state.accepted_in_row + 1), None
        if state.not_accepted + 1 >= NOT_ACCEPTED_TO_DISCONTINUE:
            return move(Severity.DISCONTINUED, ReasonCode.FIVE_NOT_ACCEPTED_ON_TIGHTENED)
        return replace(state, accepted_in_row=0, not_accepted=state.not_accepted + 1), None

    # reduced
    if not lot.accepted:
        return move(Severity.NORMAL, ReasonCode.NOT_ACCEPTED_ON_REDUCED)
    if not steady_production:
        return move(Severity.NORMAL, ReasonCode.IRREGULAR_PRODUCTION)
    if normal_warranted:
        return move(Severity.NORMAL, ReasonCode.NORMAL_WARRANTED)
    return state, None


Condition = bool | Callable[[LotResult], bool]


def _holds(condition: Condition, lot: LotResult) -> bool:
    return condition(lot) if callable(condition) else condition


def replay(lots: Iterable[LotResult], *, start: SwitchingState = START,
           steady_production: Condition = True, approved_for_reduced: Condition = False,
           normal_warranted: Condition = False) -> tuple[SwitchingState, list[Transition]]:
    """Run ``lots`` (in inspection order) through :func:`step` from ``start``.

    Each condition is a constant or a function of the lot. Lots must not go back in time.
    """
    state, transitions = start, []
    previous: LotResult | None = None
    for lot in lots:
        if previous is not None and lot.date < previous.date:
            raise InvalidLotResult(
                N_("lot {lot} is dated {date}, before the lot inspected ahead of it "
                   "({previous}, {previous_date})"), lot=lot.lot_id,
                date=lot.date.isoformat(), previous=previous.lot_id,
                previous_date=previous.date.isoformat())
        state, transition = step(
            state, lot, steady_production=_holds(steady_production, lot),
            approved_for_reduced=_holds(approved_for_reduced, lot),
            normal_warranted=_holds(normal_warranted, lot))
        if transition is not None:
            transitions.append(transition)
        previous = lot
    return state, transitions


def resume(state: SwitchingState, corrective_action_note: str) -> SwitchingState:
    """A discontinued stream back on tightened inspection, after corrective action."""
    if state.severity is not Severity.DISCONTINUED:
        raise ResumeRefused(
            N_("only a discontinued stream can resume; this one is on {severity}"),
            severity=str(state.severity))
    note = corrective_action_note.strip()
    if not note:
        raise ResumeRefused(N_("describe the corrective action taken before resuming "
                               "inspection"))
    return SwitchingState(severity=Severity.TIGHTENED, corrective_action=note)


def resumption(state: SwitchingState, corrective_action_note: str,
               on: dt.date) -> tuple[SwitchingState, Transition]:
    """:func:`resume`, with the transition to record (its reason quotes the note)."""
    resumed = resume(state, corrective_action_note)
    code = ReasonCode.CORRECTIVE_ACTION
    note = resumed.corrective_action or ""
    return resumed, Transition(None, on, state.severity, resumed.severity, code,
                               Reason(code, (("note", note),)))
