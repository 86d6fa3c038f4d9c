"""Metrics (outcomes with a unit and a direction) and practices (processes scored 0-3)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Direction(StrEnum):
    """Which way a metric is better."""

    HIGHER = "higher_is_better"
    LOWER = "lower_is_better"


class Maturity(IntEnum):
    """How far a practice has been made explicit: the study's tacit -> explicit path."""

    ABSENT = 0
    INFORMAL = 1
    DOCUMENTED = 2
    CONTINUOUS_IMPROVEMENT = 3


class Text(BaseModel):
    """A label in both interface languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    es: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The label in ``lang`` (Spanish unless ``en``)."""
        return self.en if lang == "en" else self.es


class Metric(BaseModel):
    """An outcome measure. ``minimum``/``maximum`` bound plausible values (e.g. 0-100 %)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    unit: str = Field(min_length=1)
    unit_name: Text | None = None
    direction: Direction
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Metric:
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            raise ValueError("minimum must be below maximum")
        return self

    def unit_label(self, lang: str) -> str:
        """The unit as the interface says it (the symbol when no name is given)."""
        return self.unit_name.get(lang) if self.unit_name else self.unit

    def violation(self, value: float) -> tuple[str, float | None] | None:
        """Why ``value`` is impossible, as data: ``("not_a_number", None)``,
        ``("below_minimum", minimum)`` or ``("above_maximum", maximum)``; None when plausible.
        """
        if value != value:  # NaN
            return ("not_a_number", None)
        if self.minimum is not None and value < self.minimum:
            return ("below_minimum", self.minimum)
        if self.maximum is not None and value > self.maximum:
            return ("above_maximum", self.maximum)
        return None

    def check_value(self, value: float) -> str | None:
        """Why ``value`` is impossible for this metric (English), or None when plausible."""
        found = self.violation(value)
        if found is None:
            return None
        code, limit = found
        if code == "not_a_number":
            return "not a number"
        side = "below the minimum" if code == "below_minimum" else "above the maximum"
        return f"{side} {limit:g} {self.unit}"


class Practice(BaseModel):
    """A process the firm runs; its maturity is scored 0-3 at an assessment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    description: Text | None = None
