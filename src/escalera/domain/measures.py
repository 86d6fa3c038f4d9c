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
    direction: Direction
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Metric:
        if self.minimum is not None and self.maximum is not None and self.minimum >= self.maximum:
            raise ValueError("minimum must be below maximum")
        return self

    def check_value(self, value: float) -> str | None:
        """Why ``value`` is impossible for this metric, or None when it is plausible."""
        if value != value:  # NaN
            return "not a number"
        if self.minimum is not None and value < self.minimum:
            return f"below the minimum {self.minimum:g} {self.unit}"
        if self.maximum is not None and value > self.maximum:
            return f"above the maximum {self.maximum:g} {self.unit}"
        return None


class Practice(BaseModel):
    """A process the firm runs; its maturity is scored 0-3 at an assessment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    description: Text | None = None
