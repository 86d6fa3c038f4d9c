"""An assessment's life-cycle: draft -> submitted -> reviewed -> final (-> superseded).

A final assessment is never edited: a correction is a new version which, once final, makes
the old one *superseded* (kept, never evidence again). The firm may dispute a final
assessment within a window of days after it became final; a dispute is open until it is
upheld or rejected. Only final assessments are evidence for the evaluator.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from escalera.errors import N_, EscaleraError


class AssessmentStatus(StrEnum):
    """Where an assessment is in its life-cycle."""

    DRAFT = "draft"  # being filled in by the assessor; values may change
    SUBMITTED = "submitted"  # handed in for review
    REVIEWED = "reviewed"  # checked by a second person
    FINAL = "final"  # evidence; never edited again
    SUPERSEDED = "superseded"  # replaced by a final correction; kept for the history


class DisputeStatus(StrEnum):
    """The firm's right of reply (inconformidad) to a final assessment."""

    OPEN = "open"
    UPHELD = "upheld"  # the firm was right; a correction should follow
    REJECTED = "rejected"


S = AssessmentStatus
TRANSITIONS: dict[AssessmentStatus, frozenset[AssessmentStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.REVIEWED, S.DRAFT}),  # a reviewer may send it back
    S.REVIEWED: frozenset({S.FINAL, S.DRAFT}),
    S.FINAL: frozenset({S.SUPERSEDED}),  # only by finalising a correction
    S.SUPERSEDED: frozenset(),
}
EDITABLE = frozenset({S.DRAFT})
DEFAULT_DISPUTE_WINDOW_DAYS = 30


class LifecycleError(EscaleraError):
    """An error naming statuses, which read in the interface language when shown."""

    def __str__(self) -> str:
        from escalera.i18n import gettext  # late: the domain stays free of interface state

        shown = dict(self.params)
        for key in ("current", "target", "status"):
            if key in shown:
                shown[key] = gettext(str(shown[key]))
        if "allowed" in shown:
            shown["allowed"] = ", ".join(gettext(s) for s in str(shown["allowed"]).split(", "))
        return gettext(self.message).format(**shown)


class IllegalTransition(LifecycleError):
    """An assessment was asked to move to a status its life-cycle does not allow."""


class NotEditable(LifecycleError):
    """Values of an assessment that is no longer a draft were to be changed."""


class DisputeRefused(LifecycleError):
    """A dispute cannot be opened or resolved (wrong status, window closed, already open)."""


def can_move(current: AssessmentStatus, target: AssessmentStatus) -> bool:
    """True when the life-cycle allows ``current`` -> ``target``."""
    return target in TRANSITIONS[current]


def check_transition(current: AssessmentStatus, target: AssessmentStatus) -> AssessmentStatus:
    """``target`` when allowed; otherwise IllegalTransition naming both statuses."""
    if can_move(current, target):
        return target
    allowed = ", ".join(sorted(TRANSITIONS[current]))
    if not allowed:
        raise IllegalTransition(
            N_("an assessment cannot go from {current} to {target}: {current} is the end of "
               "its life-cycle"), current=str(current), target=str(target))
    raise IllegalTransition(
        N_("an assessment cannot go from {current} to {target} (from {current} it may go to: "
           "{allowed})"), current=str(current), target=str(target), allowed=allowed)


def check_editable(status: AssessmentStatus) -> None:
    """Values may change only while the assessment is a draft."""
    if status not in EDITABLE:
        raise NotEditable(
            N_("this assessment is {status}; only a draft can be changed (correct a final "
               "assessment with a new version)"), status=str(status))


def dispute_deadline(finalised_on: dt.date, window_days: int) -> dt.date:
    """The last day the firm may dispute an assessment made final on ``finalised_on``."""
    return finalised_on + dt.timedelta(days=window_days)


def check_dispute(status: AssessmentStatus, finalised_on: dt.date | None, today: dt.date,
                  window_days: int, has_open_dispute: bool) -> None:
    """A dispute may be opened on a final assessment, within the window, one at a time."""
    if status is not S.FINAL or finalised_on is None:
        raise DisputeRefused(N_("only a final assessment can be disputed; this one is {status}"),
                             status=str(status))
    deadline = dispute_deadline(finalised_on, window_days)
    if today > deadline:
        raise DisputeRefused(
            N_("the dispute window closed on {deadline} ({days} days after the assessment "
               "became final on {finalised})"), deadline=deadline.isoformat(),
            days=window_days, finalised=finalised_on.isoformat())
    if has_open_dispute:
        raise DisputeRefused(N_("this assessment already has an open dispute"))


def check_resolution(current: DisputeStatus, outcome: DisputeStatus) -> None:
    """An open dispute is resolved once, as upheld or rejected."""
    if current is not DisputeStatus.OPEN:
        raise DisputeRefused(N_("this dispute was already resolved ({status})"),
                             status=str(current))
    if outcome is DisputeStatus.OPEN:
        raise DisputeRefused(N_("a dispute is resolved as upheld or rejected"))
