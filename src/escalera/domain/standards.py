"""Standards (versioned sets of requirements) and ladders of levels that firms climb.

"Standards should be a moving target": each level holds one or more dated versions of its
standard, and the version in force on the evaluation date is the one that judges a firm.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalera.domain.measures import Maturity, Text
from escalera.errors import N_, EscaleraError


class MetricRequirement(BaseModel):
    """A threshold on a metric; which side is good comes from the metric's direction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    threshold: float = Field(strict=True)  # refuse YAML booleans read as 1.0
    rationale: str = Field(min_length=1)


class PracticeRequirement(BaseModel):
    """A minimum maturity for a practice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    practice: str
    min_maturity: Maturity
    rationale: str = Field(min_length=1)


class StandardVersion(BaseModel):
    """One dated version of a level's standard."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    effective_from: dt.date
    effective_to: dt.date | None = None
    metrics: tuple[MetricRequirement, ...] = ()
    practices: tuple[PracticeRequirement, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> StandardVersion:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        if not self.metrics and not self.practices:
            raise ValueError("a standard needs at least one requirement")
        seen = [r.metric for r in self.metrics] + [r.practice for r in self.practices]
        if len(seen) != len(set(seen)):
            raise ValueError("a metric or practice appears twice in one standard")
        return self

    def in_force(self, day: dt.date) -> bool:
        """True when this version applies on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class Level(BaseModel):
    """One rung of a ladder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: Text
    certificate_months: int = Field(default=24, ge=1, le=120)
    versions: tuple[StandardVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> Level:
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        for before, after in pairwise(ordered):
            if before.effective_to is None or before.effective_to > after.effective_from:
                raise ValueError(
                    f"versions {before.version!r} and {after.version!r} overlap: give the "
                    "earlier one an effective_to no later than the next one's effective_from"
                )
        return self

    def standard_on(self, day: dt.date) -> StandardVersion:
        """The version in force on ``day``."""
        for version in self.versions:
            if version.in_force(day):
                return version
        raise EscaleraError(N_("no version of level {level!r} is in force on {day}"),
                            level=self.id, day=day.isoformat())


class Ladder(BaseModel):
    """Ordered levels, lowest first. A level counts only if every lower level is met too."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: Text
    description: Text | None = None
    levels: tuple[Level, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_levels(self) -> Ladder:
        ids = [level.id for level in self.levels]
        if len(ids) != len(set(ids)):
            raise ValueError("level ids must be unique within a ladder")
        return self

    def level_index(self, level_id: str) -> int:
        """Position of a level (0 = lowest)."""
        for i, level in enumerate(self.levels):
            if level.id == level_id:
                return i
        raise KeyError(level_id)
