"""``/api/v1/benchmarks``: how firms compare with their peers, through
``services.benchmarks`` (and ``analytics.trends`` behind it).

Every table has already been through disclosure control (``analytics.confidentiality``,
``docs/confidentiality.md``): peer groups with fewer than ``ESCALERA_MIN_GROUP_SIZE`` firms
and their complementary cells are absent, ``suppressed`` says how many groups (and firms)
were left out, percentiles are shown only where they cannot pin down a member, and ``on`` is
read at a month end. A firm's own position (``/firms/{id}/benchmark``) shows its values,
so it is raw data: the firm, its assessors, program managers and admins only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from escalera.domain.permissions import Action
from escalera.services import benchmarks as service
from escalera.services.context import AppContext
from escalera.web.api.access import ERRORS, firm_scope
from escalera.web.deps import DB, Who, allow, context
from escalera.web.text import Identifier, ShortText

router = APIRouter(tags=["benchmarks"], responses=ERRORS)
Ctx = Annotated[AppContext, Depends(context)]
By = Annotated[ShortText, Query(max_length=80, description=(
    "Peer groups: a comma-separated list of region, product, role, size_band, period; "
    "empty for the whole population."))]
Period = Annotated[ShortText, Query(max_length=10, description=(
    "latest (each firm's latest fresh value) or a quarter such as 2026Q3."))]
On = Annotated[dt.date | None, Query(description=(
    "Evaluation date; default today. Benchmarks are read at the last month end on or before "
    "it (and before today): the answer's `on` says which."))]
Item = Annotated[Identifier, Query(min_length=1, max_length=64)]


class Suppressed(BaseModel):
    """Groups left out because they have fewer than ``min_group_size`` firms."""

    groups: int
    firms: int


class WindowOut(BaseModel):
    """The observations read: dated ``from`` to ``to``."""

    period: str
    from_: dt.date = Field(alias="from")
    to: dt.date


class MetricTable(BaseModel):
    """A metric per peer group: firms, percentiles, best and prevailing practice, gap."""

    metric: str
    unit: str
    direction: str
    by: list[str]
    on: dt.date
    window: WindowOut
    min_group_size: int
    rows: list[dict[str, Any]]
    suppressed: Suppressed


class PracticeTable(BaseModel):
    """A practice per peer group: firms and the share at each maturity 0-3."""

    practice: str
    by: list[str]
    on: dt.date
    window: WindowOut
    min_group_size: int
    rows: list[dict[str, Any]]
    suppressed: Suppressed


class TrendTable(BaseModel):
    """A metric per peer group and quarter, with the change of the median."""

    metric: str
    unit: str
    direction: str
    by: list[str]
    on: dt.date
    min_group_size: int
    rows: list[dict[str, Any]]
    suppressed: Suppressed


class TransitionTable(BaseModel):
    """How firms moved between the levels of a ladder, and months to climb each step."""

    ladder: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    by: list[str]
    standings: list[str]
    min_group_size: int
    rows: list[dict[str, Any]]
    suppressed: Suppressed
    climb: list[dict[str, Any]]
    climb_suppressed: Suppressed


class FirmMetric(BaseModel):
    """A firm's value on one metric and where it stands in its peer group."""

    metric: str
    unit: str
    direction: str
    value: float | None
    observed_on: dt.date | None
    status: str
    percentile_rank: float | None
    group: dict[str, float | int | None] | None


class FirmPosition(BaseModel):
    """A firm's position on every metric among its peers (same state, main product and size
    band); ``suppressed`` metrics have too few peers with a value to show statistics."""

    firm_id: str
    on: dt.date
    window: WindowOut
    min_group_size: int
    peer_group: dict[str, str] | None
    metrics: list[FirmMetric]


def _today(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


@router.get("/benchmarks", response_model=MetricTable)
def metric_benchmark(who: Who, session: DB, ctx: Ctx, metric: Item, by: By = "region",
                     period: Period = "latest", on: On = None) -> dict[str, Any]:
    """One metric's distribution per peer group: firms, p10-p90, best practice (top
    decile), prevailing practice (median) and the gap between them."""
    allow(who, Action.READ_BENCHMARKS)
    return service.metric_table(session, ctx.catalog, metric, by, period, _today(on),
                                ctx.settings.stale_after_days, ctx.settings.min_group_size)


@router.get("/benchmarks/practices", response_model=PracticeTable)
def practice_benchmark(who: Who, session: DB, ctx: Ctx, practice: Item, by: By = "region",
                       period: Period = "latest", on: On = None) -> dict[str, Any]:
    """One practice's maturity per peer group: the share of firms at each level 0-3."""
    allow(who, Action.READ_BENCHMARKS)
    return service.practice_table(session, ctx.catalog, practice, by, period, _today(on),
                                  ctx.settings.stale_after_days, ctx.settings.min_group_size)


@router.get("/benchmarks/trends", response_model=TrendTable)
def metric_trend(who: Who, session: DB, ctx: Ctx, metric: Item, by: By = "region",
                 on: On = None) -> dict[str, Any]:
    """A metric per peer group and quarter up to ``on``, with the change of the median
    from the group's previous shown quarter: continuous improvement."""
    allow(who, Action.READ_BENCHMARKS)
    return service.metric_trend(session, ctx.catalog, metric, by, _today(on),
                                ctx.settings.min_group_size)


@router.get("/benchmarks/transitions", response_model=TransitionTable)
def transitions(who: Who, session: DB, ctx: Ctx,
                ladder: Annotated[Identifier, Query(min_length=1, max_length=64)],
                start: Annotated[dt.date, Query(alias="from")],
                end: Annotated[dt.date | None, Query(alias="to")] = None,
                by: By = "") -> dict[str, Any]:
    """How firms moved between the levels of a ladder from one date to another (default
    today), per peer group, and the median months firms took to climb each step."""
    allow(who, Action.READ_BENCHMARKS)
    return service.transitions(session, ctx.catalog, ladder, start, _today(end), by,
                               ctx.settings.stale_after_days, ctx.settings.min_group_size)


@router.get("/firms/{firm_id}/benchmark", response_model=FirmPosition)
def firm_benchmark(firm_id: Annotated[Identifier, Path(max_length=20)], who: Who, session: DB,
                   ctx: Ctx, on: On = None) -> dict[str, Any]:
    """A firm's percentile rank on every metric among its peers, with its own values: raw
    data, so only for the firm, its assessors, program managers and admins."""
    canonical = firm_scope(who, Action.READ_RAW, firm_id, session)  # 404 before 403
    return service.firm_benchmark(session, ctx.catalog, canonical, _today(on),
                                  stale_after_days=ctx.settings.stale_after_days,
                                  min_group_size=ctx.settings.min_group_size)
