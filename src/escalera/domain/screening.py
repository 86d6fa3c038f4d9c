"""The half-day screening visit: a short checklist whose answers say whether a full-day
diagnostic is worth doing now ("proceed") or not yet ("not now", with the reasons)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalera.domain.measures import Text
from escalera.errors import N_, EscaleraError


class AnswerScale(StrEnum):
    """How a checklist question is answered."""

    YES_NO = "yes_no"  # 1 yes, 0 no
    MATURITY = "maturity"  # 0-3, as practices are scored


class ScreeningQuestion(BaseModel):
    """One checklist question; an answer below ``minimum`` means "not now" for ``reason``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: Text
    scale: AnswerScale = AnswerScale.YES_NO
    minimum: int = Field(default=1, ge=0, le=3)
    reason: Text

    @model_validator(mode="after")
    def _minimum_on_scale(self) -> ScreeningQuestion:
        if self.minimum > self.top:
            raise ValueError(f"minimum must be within the answer scale 0-{self.top}")
        return self

    @property
    def top(self) -> int:
        """The highest answer on this question's scale."""
        return 1 if self.scale is AnswerScale.YES_NO else 3


class Outcome(StrEnum):
    """What a screening concludes."""

    PROCEED = "proceed"  # go on to the full-day diagnostic
    NOT_NOW = "not_now"


class ScreeningResult(BaseModel):
    """The conclusion and, for "not now", the questions that decided it."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    answers: dict[str, int]
    reasons: tuple[str, ...]  # ids of the questions answered below their minimum


class InvalidScreening(EscaleraError, ValueError):
    """Screening answers are missing, unknown or off the question's scale."""


def judge_screening(questions: tuple[ScreeningQuestion, ...],
                    answers: Mapping[str, int]) -> ScreeningResult:
    """Every question must be answered on its scale; any answer below its minimum means
    "not now", with that question's reason."""
    known = {q.id: q for q in questions}
    unknown = sorted(set(answers) - known.keys())
    if unknown:
        raise InvalidScreening(N_("{item}: not a question of the screening checklist"),
                               item=unknown[0])
    missing = [q.id for q in questions if q.id not in answers]
    if missing:
        raise InvalidScreening(N_("unanswered screening questions: {items}"),
                               items=", ".join(missing))
    for q in questions:
        if not 0 <= answers[q.id] <= q.top:
            raise InvalidScreening(N_("{item}: the answer is 0-{top}, got {value}"),
                                   item=q.id, top=q.top, value=answers[q.id])
    reasons = tuple(q.id for q in questions if answers[q.id] < q.minimum)
    return ScreeningResult(outcome=Outcome.NOT_NOW if reasons else Outcome.PROCEED,
                           answers={q.id: int(answers[q.id]) for q in questions},
                           reasons=reasons)
