"""What a firm report shows, already worded for its language: plain data for the template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GapRow:
    """One requirement of the next level that is not met yet."""

    requirement: str
    unit: str
    current: str
    required: str
    distance: str
    status: str  # met / unmet / not_assessed (for styling)
    status_text: str
    evidence: str  # assessment id and date behind the current value, or ""


@dataclass(frozen=True)
class CertificateView:
    """A level certificate (constancia de nivel) as shown to the firm."""

    level: str
    issued_on: dt.date
    valid_until: dt.date
    valid: bool


@dataclass(frozen=True)
class LadderSection:
    """The firm on one ladder: level, certificates, and the gap to the next level."""

    name: str
    level: str
    status: str  # attained / below_first_level / not_assessed
    next_level: str | None
    gap: list[GapRow]
    certificates: list[CertificateView] = field(default_factory=list)


@dataclass(frozen=True)
class BenchmarkRow:
    """The firm's position on one metric within its peer group."""

    metric: str
    unit: str
    value: str
    n: int | None
    percentile: str
    chart_svg: str | None  # None when the group is suppressed or the firm has no value
    note: str = ""


@dataclass(frozen=True)
class VisitView:
    """A recommended learning visit and why."""

    host: str
    place: str
    distance_km: float | None
    reasons: list[str]


@dataclass(frozen=True)
class FirmReport:
    """Everything one firm's report shows, in one language."""

    lang: str
    on: dt.date
    firm_id: str
    firm_name: str
    place: str
    roles: str
    products: str
    ladders: list[LadderSection]
    segments_now: list[str]
    next_segment: str | None
    next_segment_blockers: list[str]
    benchmarks: list[BenchmarkRow] = field(default_factory=list)
    benchmark_group: str = ""
    visits: list[VisitView] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    catalog_digest: str = ""
