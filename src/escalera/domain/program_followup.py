"""What happened after a program started: the matchmaking funnel, the follow-ups due, and
whether participants reached the target.

Pure arithmetic over records and the evaluator's outputs, so it can be tested by hand:

* **Funnel** — each (participant, buyer) pair counts once at every stage up to the furthest
  one recorded for it (an order implies a quote was made, even if nobody wrote it down);
  a stage's conversion is its pairs over the previous stage's, the overall rate its pairs
  over the meetings. No stage before it: no rate (never a made-up 0 or 100 %).
* **Follow-ups** — a rule with three clocks (:class:`FollowUpRule`): an assessment within
  ``after_admission_days`` of admission, another within ``after_target_days`` of the
  target date, and each open funnel pair's next record within ``funnel_stage_days`` of its
  last. A follow-up is *overdue* once its date has passed, *due* when it falls within
  ``horizon_days`` of today; ``no_deal`` or a repeat order closes a pair.
* **Outcomes** — share of participants that met the target standard by the target date,
  days to get there, and the level-transition matrix (level at admission × level at the
  target date) from the evaluator's judgement on those dates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

from escalera.domain.programs import FUNNEL, Activity, ActivityKind

# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class FunnelStage:
    """One stage: pairs that got this far, and the rates into it."""

    stage: ActivityKind
    pairs: int
    conversion: float | None  # from the previous stage
    overall: float | None  # from the meetings


def _pairs(activities: Iterable[Activity]) -> dict[tuple[str, str], list[Activity]]:
    found: dict[tuple[str, str], list[Activity]] = {}
    for activity in activities:
        if activity.kind in FUNNEL or activity.kind is ActivityKind.NO_DEAL:
            key = (str(activity.firm_id), activity.buyer.strip())
            found.setdefault(key, []).append(activity)
    return found


def furthest_stage(records: Sequence[Activity]) -> int:
    """Index in :data:`FUNNEL` of the furthest stage recorded (-1: none)."""
    return max((FUNNEL.index(a.kind) for a in records if a.kind in FUNNEL), default=-1)


def funnel(activities: Iterable[Activity]) -> tuple[FunnelStage, ...]:
    """The matchmaking funnel with conversion rates (see the module docstring)."""
    reached = Counter(furthest_stage(records) for records in _pairs(activities).values())
    counts = [sum(n for stage, n in reached.items() if stage >= i) for i in range(len(FUNNEL))]
    stages = []
    for i, kind in enumerate(FUNNEL):
        before = counts[i - 1] if i else None
        stages.append(FunnelStage(
            stage=kind, pairs=counts[i],
            conversion=None if not before else counts[i] / before,
            overall=None if not counts[0] else counts[i] / counts[0]))
    return tuple(stages)


# --------------------------------------------------------------------------- follow-ups


class FollowUpKind(StrEnum):
    ASSESSMENT_AFTER_ADMISSION = "assessment_after_admission"
    ASSESSMENT_AFTER_TARGET = "assessment_after_target"
    FUNNEL_NEXT_STAGE = "funnel_next_stage"


class FollowUpStatus(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class FollowUpRule:
    """Days allowed for each follow-up, and how far ahead "due" looks."""

    after_admission_days: int = 90
    after_target_days: int = 90
    funnel_stage_days: int = 60
    horizon_days: int = 30


@dataclass(frozen=True)
class FollowUp:
    """A follow-up not yet done: what, for which firm (and buyer), by when."""

    kind: FollowUpKind
    firm_id: str
    due_on: dt.date
    status: FollowUpStatus
    buyer: str = ""
    last_stage: ActivityKind | None = None


def _status(due_on: dt.date, today: dt.date, horizon: int) -> FollowUpStatus | None:
    if due_on < today:
        return FollowUpStatus.OVERDUE
    if (due_on - today).days <= horizon:
        return FollowUpStatus.DUE
    return None


def follow_ups(admitted: Mapping[str, dt.date], assessed: Mapping[str, Sequence[dt.date]],
               activities: Iterable[Activity], target_date: dt.date, today: dt.date,
               rule: FollowUpRule = FollowUpRule()) -> list[FollowUp]:
    """Follow-ups due or overdue on ``today``.

    ``admitted``: participant -> admission date; ``assessed``: participant -> dates of its
    assessments (any stage). An assessment after admission (after the target date) settles
    the first (second) clock, however late it came.
    """
    out: list[FollowUp] = []
    for firm, entered in sorted(admitted.items()):
        dates = assessed.get(firm, ())
        clocks = ((FollowUpKind.ASSESSMENT_AFTER_ADMISSION, entered, rule.after_admission_days),
                  (FollowUpKind.ASSESSMENT_AFTER_TARGET, target_date, rule.after_target_days))
        for kind, since, days in clocks:
            if any(d > since for d in dates):
                continue
            due_on = since + dt.timedelta(days=days)
            status = _status(due_on, today, rule.horizon_days)
            if status is not None and since <= today:
                out.append(FollowUp(kind, firm, due_on, status))
    for (firm, buyer), records in sorted(_pairs(activities).items()):
        stage = furthest_stage(records)
        if any(a.kind is ActivityKind.NO_DEAL for a in records) or stage in (-1, len(FUNNEL) - 1):
            continue
        last = max(a.on for a in records)
        due_on = last + dt.timedelta(days=rule.funnel_stage_days)
        status = _status(due_on, today, rule.horizon_days)
        if status is not None:
            out.append(FollowUp(FollowUpKind.FUNNEL_NEXT_STAGE, firm, due_on, status, buyer,
                                FUNNEL[stage]))
    return sorted(out, key=lambda f: (f.due_on, f.firm_id, f.kind, f.buyer))


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Judgement:
    """The evaluator on one date for one participant: its level on the target ladder (a
    level id, ``below_first_level`` or ``not_assessed``) and whether it meets the target
    standard (None when the evidence is not enough to say)."""

    on: dt.date
    level: str
    meets_target: bool | None


@dataclass(frozen=True)
class TargetOutcome:
    """Share reaching the target by the target date; days to get there (median, of those
    who did after entering: ``at_entry`` already met it when admitted and are counted as
    reached, not timed); participants that could not be judged on the target date."""

    participants: int
    reached: int
    at_entry: int
    not_reached: int
    unknown: int
    share: float | None
    median_days: float | None
    days: tuple[int, ...]


def target_outcome(paths: dict[str, tuple[dt.date, Sequence[Judgement]]],
                   target_date: dt.date) -> TargetOutcome:
    """``paths``: participant -> (admission date, judgements in date order). Reached: met
    the target on some date up to the target date. Unknown: not reached and not judged
    (not assessed) on its last date up to the target date."""
    reached, at_entry, unknown, days = 0, 0, 0, []
    for entered, judgements in paths.values():
        upto = [j for j in judgements if entered <= j.on <= target_date]
        first = next((j for j in upto if j.meets_target), None)
        if first is not None:
            reached += 1
            if first.on == entered:
                at_entry += 1
            else:
                days.append((first.on - entered).days)
        elif not upto or upto[-1].meets_target is None:
            unknown += 1
    judged = len(paths) - unknown
    return TargetOutcome(
        participants=len(paths), reached=reached, at_entry=at_entry,
        not_reached=judged - reached,
        unknown=unknown, share=reached / judged if judged else None,
        median_days=float(median(days)) if days else None, days=tuple(sorted(days)))


def transition_matrix(pairs: Iterable[tuple[str, str]], order: Sequence[str]
                      ) -> list[list[int]]:
    """Counts of (level at admission, level at the target date), rows and columns in
    ``order`` (e.g. not_assessed, below_first_level, then the ladder's levels)."""
    index = {level: i for i, level in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for before, after in pairs:
        matrix[index[before]][index[after]] += 1
    return matrix
