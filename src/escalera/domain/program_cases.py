"""The case seminar's rule: which participant is the program's success and which its failure.

The study proposes seminars where each agency or chamber presents "two case studies, one of a
major development success and one of a development failure". The picks here are made by
**trajectory** — the evaluator's judgement of a participant against the program's target
standard at admission and at each later assessment — never by hand:

* **Success**: a participant that met the target standard on some assessment up to the target
  date (the same "reached" as :func:`program_followup.target_outcome`) and was not already at
  it when admitted. The largest climb wins: most levels gained on the target's ladder between
  admission and the first assessment at the target, then most requirements of the target
  closed that were short at entry, then the fewest days to get there, then the firm id.
* **Failure**: a participant that did not reach the target by the target date, was assessed
  after the target date, and whose latest assessment still shows the target unmet (a
  requirement on the bad side, not merely without evidence). The least progress wins: fewest
  levels gained (a fall first), then most requirements of the target still short, then the
  firm id. A participant without an assessment after the target date, or whose latest
  evidence cannot say, is never a failure: missing data is not failure.

Level changes are known only where both levels were judged; a participant whose climb cannot
be measured ranks after those whose climb can. When nothing qualifies, the reason is given as
a code (:class:`NoCase`) instead of an error. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from escalera.domain.program_followup import Judgement, target_outcome

BELOW_FIRST_LEVEL = "below_first_level"
NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class CasePoint:
    """The evaluator on one date (admission or a later assessment): the participant's level
    on the target's ladder, whether it meets the target standard (None: cannot say), and how
    many of the target's requirements are short (on the bad side) that day."""

    on: dt.date
    level: str
    meets_target: bool | None
    open_gaps: int

    @property
    def judgement(self) -> Judgement:
        return Judgement(self.on, self.level, self.meets_target)


@dataclass(frozen=True)
class Trajectory:
    """A participant's path: its admission date and the points from admission on, in date
    order (the first one is the admission)."""

    firm_id: str
    admitted_on: dt.date
    points: tuple[CasePoint, ...]


class NoCase(StrEnum):
    """Why no success or no failure could be picked."""

    NO_PARTICIPANTS = "no_participants"
    NONE_REACHED = "none_reached"  # nobody met the target after entering, by the target date
    ONLY_AT_ENTRY = "only_at_entry"  # those who met it already did when admitted
    TARGET_DATE_AHEAD = "target_date_ahead"  # nobody can have failed yet
    NO_FOLLOW_UP = "no_follow_up"  # those short of it were not assessed after the target date
    ALL_REACHED = "all_reached"  # every participant assessed afterwards met the target


@dataclass(frozen=True)
class CasePick:
    """The firm picked and the facts the rule used (words are the adapters' job)."""

    firm_id: str
    entry_level: str
    level: str  # at the first assessment meeting the target (success) or the latest (failure)
    on: dt.date  # that assessment's date
    levels_gained: int | None  # None: a level on either side was not judged
    gaps_at_entry: int
    gaps_now: int  # short on ``on``
    days: int  # from admission to ``on``


@dataclass(frozen=True)
class CasePicks:
    success: CasePick | None
    failure: CasePick | None
    no_success: NoCase | None
    no_failure: NoCase | None


def level_rank(level: str, ladder_levels: Sequence[str]) -> int | None:
    """0 below the first level, 1 for the first level, ...; None when not judged."""
    if level == BELOW_FIRST_LEVEL:
        return 0
    if level in ladder_levels:
        return list(ladder_levels).index(level) + 1
    return None


def _gained(before: str, after: str, ladder_levels: Sequence[str]) -> int | None:
    a, b = level_rank(before, ladder_levels), level_rank(after, ladder_levels)
    return None if a is None or b is None else b - a


def _pick(t: Trajectory, point: CasePoint, ladder_levels: Sequence[str]) -> CasePick:
    entry = t.points[0]
    return CasePick(firm_id=t.firm_id, entry_level=entry.level, level=point.level,
                    on=point.on, levels_gained=_gained(entry.level, point.level, ladder_levels),
                    gaps_at_entry=entry.open_gaps, gaps_now=point.open_gaps,
                    days=(point.on - t.admitted_on).days)


def success_candidates(trajectories: Sequence[Trajectory], target_date: dt.date,
                       ladder_levels: Sequence[str]) -> list[CasePick]:
    """Participants that climbed to the target by the target date, best first."""
    found = []
    for t in trajectories:
        outcome = target_outcome({t.firm_id: (t.admitted_on,
                                              [p.judgement for p in t.points])}, target_date)
        if outcome.reached != 1 or outcome.at_entry:
            continue
        first = next(p for p in t.points
                     if t.admitted_on <= p.on <= target_date and p.meets_target)
        found.append(_pick(t, first, ladder_levels))
    return sorted(found, key=lambda c: (c.levels_gained is None, -(c.levels_gained or 0),
                                        -(c.gaps_at_entry - c.gaps_now), c.days, c.firm_id))


def _reached(t: Trajectory, target_date: dt.date) -> bool:
    return any(p.meets_target for p in t.points if t.admitted_on <= p.on <= target_date)


def _latest_after(t: Trajectory, target_date: dt.date) -> CasePoint | None:
    """The latest point after the target date, if the evaluator could judge it."""
    after = [p for p in t.points if p.on > target_date]
    return after[-1] if after and after[-1].meets_target is not None else None


def failure_candidates(trajectories: Sequence[Trajectory], target_date: dt.date,
                       ladder_levels: Sequence[str]) -> list[CasePick]:
    """Participants assessed after the target date and still short of it, least progress
    first."""
    found = []
    for t in trajectories:
        latest = _latest_after(t, target_date)
        if _reached(t, target_date) or latest is None or latest.meets_target:
            continue
        found.append(_pick(t, latest, ladder_levels))
    return sorted(found, key=lambda c: (c.levels_gained is None, c.levels_gained or 0,
                                        -c.gaps_now, c.firm_id))


def pick_cases(trajectories: Sequence[Trajectory], target_date: dt.date, today: dt.date,
               ladder_levels: Sequence[str]) -> CasePicks:
    """One success and one failure by the rule in the module docstring, or why not."""
    successes = success_candidates(trajectories, target_date, ladder_levels)
    failures = failure_candidates(trajectories, target_date, ladder_levels)
    no_success: NoCase | None = None
    no_failure: NoCase | None = None
    if not trajectories:
        no_success = no_failure = NoCase.NO_PARTICIPANTS
    if not successes and no_success is None:
        at_entry = any(p.meets_target and p.on == t.admitted_on
                       for t in trajectories for p in t.points[:1])
        no_success = NoCase.ONLY_AT_ENTRY if at_entry else NoCase.NONE_REACHED
    if not failures and no_failure is None:
        unknown = [t for t in trajectories if not _reached(t, target_date)
                   and _latest_after(t, target_date) is None]
        no_failure = (NoCase.TARGET_DATE_AHEAD if today <= target_date
                      else NoCase.NO_FOLLOW_UP if unknown else NoCase.ALL_REACHED)
    return CasePicks(successes[0] if successes else None, failures[0] if failures else None,
                     no_success, no_failure)
