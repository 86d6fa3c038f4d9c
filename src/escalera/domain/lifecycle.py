"""An assessment's life-cycle: draft -> submitted -> reviewed -> final (-> superseded).

A final assessment is never edited: a correction is a new version which, once final, makes
the old one *superseded* (kept, never evidence again). The firm may dispute a final
assessment within a window of days after it became final; a dispute is open until it is
upheld or rejected. Only final assessments are evidence for the evaluator.

Separation of duties: review, finalisation and the resolution of a dispute are taken by a
second person (``check_second_person``), and only the assessed firm opens a dispute
(``may_dispute``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from escalera.domain.permissions import Principal, Role
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


# Separation of duties. The person who recorded an assessment (its assessor, whoever created
# it and whoever submitted it) neither reviews nor finalises it, and a dispute is resolved by
# someone other than who opened it and who recorded the assessment. A one-person agency may
# allow it (ESCALERA_SINGLE_PERSON_REVIEW); the step is then recorded as taken by the same
# person. Names are compared without case or extra spaces, so "Ing. Ruiz" is "ing.  ruiz".


class SecondStep(StrEnum):
    """The steps that ask for a second person."""

    REVIEW = "review"
    FINALISE = "finalise"
    RESOLVE = "resolve"


class SecondPersonRequired(LifecycleError):
    """A step that needs a second person was asked of who recorded the assessment or
    opened the dispute, or of no one named."""


class DisputeNotAllowed(LifecycleError):
    """An account that does not speak for the assessed firm tried to open a dispute."""


_SAME_PERSON = {
    SecondStep.REVIEW: N_("{by} recorded this assessment and may not also review it: a "
                          "second person reviews (a one-person agency may set "
                          "ESCALERA_SINGLE_PERSON_REVIEW=true)"),
    SecondStep.FINALISE: N_("{by} recorded this assessment and may not also make it final: "
                            "a second person does (a one-person agency may set "
                            "ESCALERA_SINGLE_PERSON_REVIEW=true)"),
    SecondStep.RESOLVE: N_("{by} opened this dispute or recorded the assessment and may not "
                           "also resolve it: a second person does (a one-person agency may "
                           "set ESCALERA_SINGLE_PERSON_REVIEW=true)"),
}


def identity(name: str) -> str:
    """A person's name as compared: no case, single spaces."""
    return " ".join(name.split()).casefold()


def check_second_person(step: SecondStep, by: str, excluded: Iterable[str],
                        single_person: bool = False) -> bool:
    """Whether ``by`` takes ``step`` as one of the ``excluded`` people (who recorded the
    assessment; for a resolution, also who opened the dispute): refused unless
    ``single_person`` allows it, and then True so the step is recorded as such."""
    if not identity(by):
        raise SecondPersonRequired(
            N_("name who takes this step (review, finalise or resolve a dispute), so that it "
               "can be checked it is not who recorded the assessment"))
    same = identity(by) in {identity(name) for name in excluded if identity(name)}
    if same and not single_person:
        raise SecondPersonRequired(_SAME_PERSON[step], by=" ".join(by.split()))
    return same


def may_dispute(who: Principal, firm_id: str) -> bool:
    """A dispute is the assessed firm's right of reply: its own producer accounts open it,
    or an admin or program manager records it for the firm (a complaint made in writing or
    in person). Assessors never, nor buyers, even those the firm shares its data with."""
    if who.role is Role.PRODUCER:
        return who.firm_id == firm_id
    return who.unrestricted


def check_may_dispute(who: Principal, firm_id: str) -> None:
    """DisputeNotAllowed unless ``who`` speaks for the assessed firm (``may_dispute``)."""
    if not may_dispute(who, firm_id):
        raise DisputeNotAllowed(
            N_("only the assessed firm opens a dispute of its assessment (its own account, or "
               "an admin or program manager recording it for the firm)"))
