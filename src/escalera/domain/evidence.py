"""Assessment evidence: raw observations kept once, judged by any number of standards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Stage(StrEnum):
    """Kinds of assessment visit."""

    SCREENING = "screening"  # half day, short checklist
    DIAGNOSTIC = "diagnostic"  # full day, everything
    FOLLOW_UP = "follow_up"
    RANDOM_INSPECTION = "random_inspection"


class ItemKind(StrEnum):
    """An observation is of a metric value or a practice maturity."""

    METRIC = "metric"
    PRACTICE = "practice"


class Observation(BaseModel):
    """One observed value: a metric value or a practice maturity, at one assessment."""

    model_config = ConfigDict(frozen=True)

    firm_id: str
    assessment_id: str
    observed_on: dt.date
    kind: ItemKind
    item: str
    value: float


class EvidenceItem(BaseModel):
    """The value in force for one metric or practice, and where it came from."""

    model_config = ConfigDict(frozen=True)

    value: float
    observed_on: dt.date
    assessment_id: str


class Evidence(BaseModel):
    """A firm's latest value per metric and per practice as of some date."""

    model_config = ConfigDict(frozen=True)

    metrics: dict[str, EvidenceItem] = {}
    practices: dict[str, EvidenceItem] = {}


def latest_evidence(observations: Iterable[Observation], on: dt.date) -> Evidence:
    """The latest observation of each item made on or before ``on`` (ties: later assessment id).

    Observations after ``on`` are ignored, so evaluating a past date reproduces what was
    known then.
    """
    metrics: dict[str, EvidenceItem] = {}
    practices: dict[str, EvidenceItem] = {}
    for obs in observations:
        if obs.observed_on > on:
            continue
        target = metrics if obs.kind is ItemKind.METRIC else practices
        current = target.get(obs.item)
        key = (obs.observed_on, obs.assessment_id)
        if current is None or key > (current.observed_on, current.assessment_id):
            target[obs.item] = EvidenceItem(
                value=obs.value, observed_on=obs.observed_on, assessment_id=obs.assessment_id
            )
    return Evidence(metrics=metrics, practices=practices)
