"""Use cases "how do firms compare with their peers" and "how do they improve over time".

Reads the registry and every final observation as frames (``store.evidence.firms_frame`` /
``observations_frame``: the same code for SQLite and PostgreSQL) and hands them to the
columnar read models in ``escalera.analytics``. Only producers are compared (manufacturers,
contractors, home workshops, integradoras, jobbers), as in ``ladder_stats``. Every result
has already been through ``analytics.confidentiality``: groups of fewer than
``min_group_size`` firms and their complementary cells are absent (``suppressed`` says how
many were left out), percentiles are shown only where they cannot pin down a member, and a
reading ``on`` a date is the reading at the last month end on or before it (never after
today's), with only the groups whose last change involved at least k firms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from escalera.analytics import trends
from escalera.analytics.benchmarks import Bounds, Settle, benchmark, practice_benchmark
from escalera.analytics.confidentiality import MIN_GROUP_SIZE, quarter_snap, snap
from escalera.analytics.peer_groups import (
    FIRM_ID,
    LATEST,
    PERIOD,
    PRODUCT,
    REGION,
    SIZE_BAND,
    InvalidQuery,
    Window,
    firm_groups,
    parse_dimensions,
    window,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.ids import parse_firm_id
from escalera.errors import N_, UnknownReference
from escalera.store.evidence import firms_frame, observations_frame

FIRM_PEERS = (REGION, PRODUCT, SIZE_BAND)
"""The peer group of a firm's own report: same state, main product and size band."""


def producer_groups(session: Session) -> pl.DataFrame:
    """``peer_groups.firm_groups`` of the registered producers."""
    registry = firms_frame(session)
    producer = pl.col("roles").list.eval(
        pl.element().is_in(sorted(PRODUCER_ROLES))).list.any().fill_null(False)
    return firm_groups(registry.filter(producer))


def _metric(catalog: Catalog, metric_id: str) -> str:
    try:
        return catalog.metric(metric_id).id
    except KeyError:
        raise UnknownReference(N_("unknown metric {id!r}; use {choices}"), id=metric_id,
                               choices=", ".join(m.id for m in catalog.metrics)) from None


def _practice(catalog: Catalog, practice_id: str) -> str:
    try:
        return catalog.practice(practice_id).id
    except KeyError:
        raise UnknownReference(N_("unknown practice {id!r}; use {choices}"), id=practice_id,
                               choices=", ".join(p.id for p in catalog.practices)) from None


def _ladder(catalog: Catalog, ladder_id: str) -> str:
    try:
        return catalog.ladder(ladder_id).id
    except KeyError:
        raise UnknownReference(N_("unknown ladder {id!r}; use {choices}"), id=ladder_id,
                               choices=", ".join(lad.id for lad in catalog.ladders)) from None


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: dates as ISO text, everything else as is."""
    return [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}
            for row in frame.iter_rows(named=True)]


def _window(win: Window) -> dict[str, str]:
    return {"period": win.label, "from": win.start.isoformat(), "to": win.end.isoformat()}


def reading_date(on: dt.date, today: dt.date | None = None) -> dt.date:
    """The month end a benchmark asked for ``on`` is read at: the last one on or before
    ``on`` and never after the last one before today, so no caller picks the day (or reads
    a month still filling up)."""
    return snap(min(on, (today or dt.date.today()) - dt.timedelta(days=1)))


def _published_window(period: str, on: dt.date, stale_after_days: int) -> Window:
    """The window of ``period`` read at ``on`` (a month end); a quarter only once over."""
    win = window(period, on, stale_after_days)
    if win.label != LATEST and win.end > on:
        raise InvalidQuery(N_("the quarter {period} is not over on {on}; its benchmarks are "
                              "published once it is"), period=win.label, on=on.isoformat())
    return win


def _settle(win: Window, stale_after_days: int) -> Settle | None:
    return Settle(win.end, stale_after_days) if win.label == LATEST else None


def metric_bounds(catalog: Catalog) -> Bounds:
    """Every metric's plausible range, from the catalog."""
    return {m.id: (m.minimum, m.maximum) for m in catalog.metrics}


def metric_table(session: Session, catalog: Catalog, metric: str, by: str | Sequence[str],
                 period: str, on: dt.date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                 min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """One metric's benchmark per peer group: one row per group with n, the percentiles,
    best and prevailing practice and the gap."""
    metric = _metric(catalog, metric)
    dims = parse_dimensions(by)
    on = reading_date(on)
    win = _published_window(period, on, stale_after_days)
    result = benchmark(observations_frame(session, until=win.end), producer_groups(session),
                       {metric: catalog.metric(metric).direction}, dims, win, min_group_size,
                       bounds=metric_bounds(catalog), settle=_settle(win, stale_after_days))
    return {
        "metric": metric, "unit": catalog.metric(metric).unit,
        "direction": str(catalog.metric(metric).direction), "by": dims, "on": on.isoformat(),
        "window": _window(win), "min_group_size": min_group_size,
        "rows": _rows(result.stats.drop("item")), "suppressed": result.hidden.as_dict(),
    }


def practice_table(session: Session, catalog: Catalog, practice: str,
                   by: str | Sequence[str], period: str, on: dt.date,
                   stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                   min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """One practice's maturity per peer group: n and the share of firms at each level 0-3."""
    practice = _practice(catalog, practice)
    dims = parse_dimensions(by)
    on = reading_date(on)
    win = _published_window(period, on, stale_after_days)
    table, hidden = practice_benchmark(observations_frame(session, until=win.end),
                                       producer_groups(session), [practice], dims, win,
                                       min_group_size, settle=_settle(win, stale_after_days))
    return {
        "practice": practice, "by": dims, "on": on.isoformat(), "window": _window(win),
        "min_group_size": min_group_size, "rows": _rows(table.drop("item")),
        "suppressed": hidden.as_dict(),
    }


def firm_benchmark(session: Session, catalog: Catalog, firm_id: str, on: dt.date, *,
                   stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                   min_group_size: int = MIN_GROUP_SIZE,
                   by: Sequence[str] = FIRM_PEERS) -> dict[str, Any]:
    """A firm's position on every metric among its peers (same state, main product and size
    band by default), for its report.

    ``{"firm_id", "on", "window": {"period", "from", "to"}, "min_group_size",
    "peer_group": {dimension: key}, "metrics": [{"metric", "unit", "direction", "value",
    "observed_on", "status", "percentile_rank", "group": {"n", "p10", "p25", "median",
    "p75", "p90", "best", "prevailing", "gap"} | None}]}``. ``status`` is ``ranked``,
    ``no_value`` (no fresh value of its own) or ``suppressed`` (its group has fewer than
    ``min_group_size`` firms with a value: no statistics and no rank are given). A firm that
    is not a producer has no peer group (``peer_group`` null, every metric ``no_value``).
    """
    canonical = parse_firm_id(firm_id)
    dims = list(by)
    on = reading_date(on)
    win = window(LATEST, on, stale_after_days)
    groups = producer_groups(session)
    observations = observations_frame(session, until=on)
    directions = {m.id: m.direction for m in catalog.metrics}
    result = benchmark(observations, groups, directions, dims, win, min_group_size,
                       bounds=metric_bounds(catalog), settle=_settle(win, stale_after_days))
    mine = {row["item"]: row for row in result.position(canonical).iter_rows(named=True)}
    own = groups.filter(pl.col(FIRM_ID) == canonical)
    peer_group = own.select(dims).row(0, named=True) if own.height else None
    # The firm's own latest values, shown even where its group is suppressed.
    values = (observations.filter(pl.col(FIRM_ID) == canonical, pl.col("kind") == "metric",
                                  pl.col("observed_on").is_between(win.start, win.end))
              .sort("observed_on", "assessment_id").group_by("item").last())
    own_values = {r["item"]: r for r in values.iter_rows(named=True)} if own.height else {}
    metrics = []
    for metric in catalog.metrics:
        row = mine.get(metric.id)
        value = own_values.get(metric.id)
        status = "ranked" if row else ("suppressed" if value else "no_value")
        metrics.append({
            "metric": metric.id, "unit": metric.unit, "direction": str(metric.direction),
            "value": value["value"] if value else None,
            "observed_on": value["observed_on"].isoformat() if value else None,
            "status": status,
            "percentile_rank": row["percentile_rank"] if row else None,
            "group": {key: row[f"{key}_group" if key == "n" else key]
                      for key in ("n", "p10", "p25", "median", "p75", "p90", "best",
                                  "prevailing", "gap")} if row else None,
        })
    return {"firm_id": canonical, "on": on.isoformat(), "window": _window(win),
            "min_group_size": min_group_size, "peer_group": peer_group, "metrics": metrics}


def transitions(session: Session, catalog: Catalog, ladder: str, start: dt.date,
                end: dt.date, by: str | Sequence[str] = (),
                stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """Level-transition matrix of a ladder between two dates, per peer group (or overall),
    and the median months firms took to climb each step up to ``end``."""
    ladder = _ladder(catalog, ladder)
    dims = [d for d in parse_dimensions(by) if d != PERIOD]
    groups = producer_groups(session)
    observations = observations_frame(session, until=max(start, end))
    matrix, hidden = trends.transition_matrix(catalog, ladder, observations, groups, dims,
                                              start, end, stale_after_days, min_group_size)
    climbs, climbs_hidden = trends.climb_times(catalog, ladder, observations, groups, end,
                                               stale_after_days, min_group_size)
    return {
        "ladder": ladder, "from": start.isoformat(), "to": end.isoformat(), "by": dims,
        "standings": trends.standings_order(catalog, ladder),
        "min_group_size": min_group_size, "rows": _rows(matrix),
        "suppressed": hidden.as_dict(), "climb": _rows(climbs),
        "climb_suppressed": climbs_hidden.as_dict(),
    }


def metric_trend(session: Session, catalog: Catalog, metric: str, by: str | Sequence[str],
                 on: dt.date, min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """A metric per peer group and complete quarter up to ``on`` (the last quarter end on or
    before it), with the median's change from the group's previous shown quarter: the
    continuous-improvement view. A quarter still under way is never shown, so its rows
    cannot be read month by month."""
    metric = _metric(catalog, metric)
    on = quarter_snap(reading_date(on))
    dims = [d for d in parse_dimensions(by) if d != PERIOD]
    table, hidden = trends.metric_trend(observations_frame(session, until=on),
                                        producer_groups(session), metric,
                                        catalog.metric(metric).direction, dims, on,
                                        min_group_size, bounds=metric_bounds(catalog))
    return {
        "metric": metric, "unit": catalog.metric(metric).unit,
        "direction": str(catalog.metric(metric).direction), "by": dims, "on": on.isoformat(),
        "min_group_size": min_group_size, "rows": _rows(table.drop("item")),
        "suppressed": hidden.as_dict(),
    }
