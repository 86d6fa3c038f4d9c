"""The rule book the evaluator reads: metrics, practices, ladders and segments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from escalera.domain.measures import Metric, Practice
from escalera.domain.screening import ScreeningQuestion
from escalera.domain.segments import LEAD_TIME_METRIC, MarketSegment
from escalera.domain.sourcing import SourcingOrigin
from escalera.domain.standards import Ladder

Path = tuple[str | int, ...]


class Catalog(BaseModel):
    """Everything needed to judge evidence. Build it with ``escalera.catalog.load_catalog``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: tuple[Metric, ...]
    practices: tuple[Practice, ...]
    ladders: tuple[Ladder, ...]
    segments: tuple[MarketSegment, ...] = ()
    screening: tuple[ScreeningQuestion, ...] = ()  # the half-day checklist
    sourcing: tuple[SourcingOrigin, ...] = ()  # time to market by sourcing country

    def metric(self, metric_id: str) -> Metric:
        """The metric with this id (KeyError when unknown)."""
        return self._metrics[metric_id]

    def practice(self, practice_id: str) -> Practice:
        """The practice with this id (KeyError when unknown)."""
        return self._practices[practice_id]

    def ladder(self, ladder_id: str) -> Ladder:
        """The ladder with this id (KeyError when unknown)."""
        return self._ladders[ladder_id]

    _metrics: dict[str, Metric] = PrivateAttr(default_factory=dict)
    _practices: dict[str, Practice] = PrivateAttr(default_factory=dict)
    _ladders: dict[str, Ladder] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index items by id once; the evaluator looks them up per requirement."""
        self._metrics = {m.id: m for m in self.metrics}
        self._practices = {p.id: p for p in self.practices}
        self._ladders = {ladder.id: ladder for ladder in self.ladders}

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Catalog:
        """A copy whose id indexes are rebuilt from its (possibly updated) items."""
        copy = super().model_copy(update=update, deep=deep)
        copy.model_post_init(None)
        return copy


def catalog_problems(catalog: Catalog) -> list[tuple[Path, str]]:
    """Cross-reference problems as data: (path into the catalog document, reason)."""
    problems: list[tuple[Path, str]] = []
    sections: dict[str, list[str]] = {
        "metrics": [m.id for m in catalog.metrics],
        "practices": [p.id for p in catalog.practices],
        "ladders": [ladder.id for ladder in catalog.ladders],
        "segments": [s.id for s in catalog.segments],
        "screening": [q.id for q in catalog.screening],
    }
    for section, ids in sections.items():
        seen: set[str] = set()
        for i, item_id in enumerate(ids):
            if item_id in seen:
                problems.append(((section, i, "id"), f"duplicate id {item_id!r}"))
            seen.add(item_id)
    metric_ids = {m.id for m in catalog.metrics}
    practice_ids = {p.id for p in catalog.practices}
    for li, ladder in enumerate(catalog.ladders):
        for vi, level in enumerate(ladder.levels):
            for si, version in enumerate(level.versions):
                base: Path = ("ladders", li, "levels", vi, "versions", si)
                for ri, mreq in enumerate(version.metrics):
                    if mreq.metric not in metric_ids:
                        problems.append(((*base, "metrics", ri, "metric"),
                                         f"unknown metric {mreq.metric!r}"))
                for ri, preq in enumerate(version.practices):
                    if preq.practice not in practice_ids:
                        problems.append(((*base, "practices", ri, "practice"),
                                         f"unknown practice {preq.practice!r}"))
    if catalog.segments and LEAD_TIME_METRIC not in metric_ids:
        problems.append((("metrics",), f"segments need the metric {LEAD_TIME_METRIC!r}"))
    ladders = {ladder.id: ladder for ladder in catalog.ladders}
    for si, segment in enumerate(catalog.segments):
        seg_ladder = ladders.get(segment.ladder)
        if seg_ladder is None:
            problems.append((("segments", si, "ladder"), f"unknown ladder {segment.ladder!r}"))
        elif segment.level is not None and segment.level not in {
            lv.id for lv in seg_ladder.levels
        }:
            problems.append((("segments", si, "level"),
                             f"ladder {segment.ladder!r} has no level {segment.level!r}"))
    return problems
