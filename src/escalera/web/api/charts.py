"""``/api/v1/charts/...``: the data the browsing pages draw in the browser.

Every figure comes from an existing use case (``ladder_stats``, ``analytics.trends``,
``firm_benchmark``, the evaluator in bulk, the link registry) and keeps its confidentiality:
breakdowns leave out groups smaller than ``ESCALERA_MIN_GROUP_SIZE``; a firm's benchmark
position (its own values) goes only to those who may read its raw data. Labels come in the
request's language so a chart needs no translation of its own.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import polars as pl
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    level_status_column,
    status_column,
)
from escalera.analytics.peer_groups import FIRM_ID as GROUP_FIRM_ID
from escalera.analytics.trends import standings_order
from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import add_months
from escalera.domain.chain import Link, LinkType
from escalera.domain.evaluation import LadderStatus, Status
from escalera.domain.firms import Role
from escalera.domain.permissions import Action, Principal, can
from escalera.domain.products import product_label
from escalera.i18n import _, current_language
from escalera.presentation import role_label
from escalera.services.benchmarks import firm_benchmark, producer_groups
from escalera.services.ladder_stats import GROUPINGS, NO_PRODUCT, ladder_stats
from escalera.store.evidence import observations_frame
from escalera.store.firms import get_firm
from escalera.store.tables import (
    AssessmentRow,
    FirmRow,
    LinkRow,
    ObservationRow,
    StatusChangeRow,
)
from escalera.web.api.access import FirmPath
from escalera.web.deps import DB, Who, allow, context
from escalera.web.text import ShortText

router = APIRouter(prefix="/charts", tags=["charts"])

QUARTERS = 8  # the transitions chart looks back two years, quarter by quarter
MAX_LINKS = 400  # the chain map draws at most this many links (the most recent)
FOLLOW_UPS = 25
CACHE_SECONDS = 600  # a figure is recomputed at the latest this long after it was made
CACHE_ENTRIES = 128
T = TypeVar("T")
Day = Annotated[dt.date | None, Query(ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31),
                                      description="The date to read (default today).")]
_lock = threading.Lock()


def data_version(session: Session) -> tuple[Any, ...]:
    """The highest row id of firms, links, assessments, observations and status changes:
    it moves whenever evidence, the registry or an assessment's status changes."""
    return tuple(session.execute(select(*[
        select(func.max(table.id)).scalar_subquery()
        for table in (FirmRow, LinkRow, AssessmentRow, ObservationRow, StatusChangeRow)])).one())


def remembered(app: FastAPI, session: Session, key: tuple[Any, ...],
               compute: Callable[[], T]) -> T:
    """``compute()`` once per ``key`` and state of the data, for up to ``CACHE_SECONDS``.

    Dashboard figures judge every producer (the bulk evaluator over all evidence); the page
    and the chart data it fetches ask for the same figures, as does every visitor until
    the data change. Kept per application, least recently used dropped first."""
    cache: OrderedDict[tuple[Any, ...], tuple[float, Any]] | None = getattr(
        app.state, "chart_cache", None)
    if cache is None:
        cache = app.state.chart_cache = OrderedDict()
    full = (*key, data_version(session))
    now = time.monotonic()
    with _lock:
        found = cache.get(full)
        if found is not None and now - found[0] < CACHE_SECONDS:
            cache.move_to_end(full)
            return found[1]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        cache[full] = (now, value)
        cache.move_to_end(full)
        while len(cache) > CACHE_ENTRIES:
            cache.popitem(last=False)
    return value


def stats_on(app: FastAPI, session: Session, ctx: Any, day: dt.date) -> dict[str, Any]:
    """``ladder_stats`` on ``day`` with the app's settings, remembered."""
    return remembered(app, session, ("ladder_stats", day), lambda: ladder_stats(
        session, ctx.catalog, day, ctx.settings.stale_after_days,
        ctx.settings.min_group_size))


def standing_label(catalog: Catalog, ladder_id: str, standing: str) -> str:
    """A ladder standing (level id, below the first level, not assessed) in words."""
    if standing == LadderStatus.NOT_ASSESSED:
        return _("Not assessed")
    if standing == LadderStatus.BELOW_FIRST_LEVEL:
        return _("Below the first level")
    ladder = catalog.ladder(ladder_id)
    return ladder.levels[ladder.level_index(standing)].name.get(current_language())


def group_label(by: str, key: str) -> str:
    """A region as written; a product by its name in the interface language."""
    if by == "product":
        return _("No product recorded") if key == NO_PRODUCT else product_label(
            key, current_language())
    return key


def level_rows(catalog: Catalog, stats: dict[str, Any]) -> list[dict[str, Any]]:
    """``ladder_stats`` flattened: one row per ladder, grouping, group and standing (only the
    groups ``ladder_stats`` shows, i.e. none smaller than the minimum group size)."""
    rows: list[dict[str, Any]] = []
    for by, groups in stats["by_group"].items():
        for key, per_ladder in groups.items():
            for ladder_id, counts in per_ladder.items():
                total = counts["not_assessed"] + counts["below_first_level"] + sum(
                    counts["levels"].values())
                for order, standing in enumerate(standings_order(catalog, ladder_id)):
                    firms = counts["levels"].get(standing, counts.get(standing, 0))
                    rows.append({"ladder": ladder_id, "by": by, "group": key,
                                 "group_label": group_label(by, key), "group_firms": total,
                                 "standing": standing, "order": order,
                                 "label": standing_label(catalog, ladder_id, standing),
                                 "firms": firms})
    return rows


@router.get("/levels")
def levels(request: Request, who: Who, session: DB, ctx: Any = Depends(context),
           on: Day = None) -> dict[str, Any]:
    """Producers per standing on every ladder, by region and by product (groups smaller than
    the minimum group size are left out and counted in ``suppressed``)."""
    allow(who, Action.READ_PROFILES)
    day = on or dt.date.today()
    stats = stats_on(request.app, session, ctx, day)
    return {"on": day.isoformat(), "min_group_size": stats["min_group_size"],
            "groupings": list(GROUPINGS), "rows": level_rows(ctx.catalog, stats),
            "suppressed": stats["suppressed"]}


def quarter_ends(on: dt.date, quarters: int) -> list[dt.date]:
    """``on`` and the same day 3, 6, ... months before, oldest first."""
    return [add_months(on, -3 * k) for k in range(quarters, -1, -1)]


def transitions_over_time(session: Session, catalog: Catalog, on: dt.date,
                          stale_after_days: int, min_group_size: int,
                          quarters: int = QUARTERS) -> dict[str, Any]:
    """Producers per standing at each quarter and how many climbed or fell since the
    quarter before, on every ladder. One bulk evaluation per date (all ladders at once);
    the same producers throughout, so the counts are comparable. No labels: see
    :func:`labelled_transitions`."""
    firms = producer_groups(session).select(GROUP_FIRM_ID)
    days = quarter_ends(on, quarters)
    result: dict[str, Any] = {"on": on.isoformat(), "dates": [d.isoformat() for d in days],
                              "min_group_size": min_group_size, "firms": firms.height,
                              "rows": [], "moves": []}
    if firms.height < min_group_size:
        result["suppressed"] = True
        return result
    result["suppressed"] = False
    observations = observations_frame(session, until=on)
    previous: dict[str, pl.DataFrame] = {}
    for day in days:
        wide = latest_evidence_frame(observations, day)
        frame = firms.join(wide, on=FIRM_ID, how="left", maintain_order="left")
        judged = evaluate_bulk(catalog, frame, day, stale_after_days)
        for ladder in catalog.ladders:
            order = standings_order(catalog, ladder.id)
            rank = {s: i for i, s in enumerate(order)}
            now = judged.select(FIRM_ID, pl.coalesce(
                pl.col(level_column(ladder.id)),
                pl.col(status_column(ladder.id)).cast(pl.String)).alias("standing"))
            counts = dict(now.group_by("standing").len().iter_rows())
            for standing in order:
                result["rows"].append({
                    "ladder": ladder.id, "on": day.isoformat(), "standing": standing,
                    "order": rank[standing], "firms": counts.get(standing, 0)})
            before = previous.get(ladder.id)
            if before is not None:
                assessed = rank[str(LadderStatus.BELOW_FIRST_LEVEL)]
                moved = before.join(now, on=FIRM_ID, suffix="_now").with_columns(
                    pl.col("standing").replace_strict(rank, return_dtype=pl.Int32).alias("a"),
                    pl.col("standing_now").replace_strict(rank, return_dtype=pl.Int32)
                    .alias("b")).filter(pl.col("a") >= assessed, pl.col("b") >= assessed)
                up = moved.filter(pl.col("b") > pl.col("a")).height
                down = moved.filter(pl.col("b") < pl.col("a")).height
                for direction, firms_moved in (("up", up), ("down", down)):
                    result["moves"].append({
                        "ladder": ladder.id, "on": day.isoformat(), "direction": direction,
                        "firms": firms_moved})
            previous[ladder.id] = now
    return result


def labelled_transitions(catalog: Catalog, result: dict[str, Any]) -> dict[str, Any]:
    """``transitions_over_time`` with each standing and move in words."""
    moved = {"up": _("climbed"), "down": _("fell")}
    return {**result,
            "rows": [{**row, "label": standing_label(catalog, row["ladder"], row["standing"])}
                     for row in result["rows"]],
            "moves": [{**move, "label": moved[move["direction"]]} for move in result["moves"]]}


@router.get("/transitions")
def transitions(request: Request, who: Who, session: DB, ctx: Any = Depends(context),
                on: Day = None,
                quarters: Annotated[int, Query(ge=1, le=12)] = QUARTERS) -> dict[str, Any]:
    """Producers per standing at each of the last ``quarters`` quarters, and how many
    climbed or fell a level between consecutive quarters, per ladder."""
    allow(who, Action.READ_PROFILES)
    day = on or dt.date.today()
    return labelled_transitions(ctx.catalog, remembered(
        request.app, session, ("transitions", day, quarters),
        lambda: transitions_over_time(session, ctx.catalog, day,
                                      ctx.settings.stale_after_days,
                                      ctx.settings.min_group_size, quarters)))


def follow_ups(session: Session, catalog: Catalog, who: Principal, on: dt.date,
               stale_after_days: int, limit: int = FOLLOW_UPS) -> dict[str, Any]:
    """Firms due a follow-up visit: their latest evidence leaves a requirement unmet on some
    level (what a follow-up measures again, ``domain.assessment_scope``), oldest last
    assessment first. Only firms whose raw data ``who`` may read (assessors: their
    assigned firms; producers: their own)."""
    observations = observations_frame(session, until=on)
    if not who.unrestricted:
        observations = observations.filter(pl.col(FIRM_ID).is_in(
            [f for f in observations.get_column(FIRM_ID).unique().to_list()
             if can(who, Action.READ_RAW, f)]))
    wide = latest_evidence_frame(observations, on)
    judged = evaluate_bulk(catalog, wide, on, stale_after_days, include_levels=True)
    unmet_columns = {(ladder.id, level.id): level_status_column(ladder.id, level.id)
                     for ladder in catalog.ladders for level in ladder.levels}
    due = judged.select(FIRM_ID, *[
        (pl.col(column) == str(Status.UNMET)).alias(f"{ladder}|{level}")
        for (ladder, level), column in unmet_columns.items()])
    last = observations.group_by(FIRM_ID).agg(
        pl.col("observed_on").max().alias("last_assessed_on"))
    flags = [f"{ladder}|{level}" for ladder, level in unmet_columns]
    due = (due.filter(pl.any_horizontal(flags)).join(last, on=FIRM_ID)
           .sort("last_assessed_on", FIRM_ID))
    total = due.height
    rows = due.head(limit).to_dicts()
    names = _firm_names(session, [r[FIRM_ID] for r in rows])
    lang = current_language()
    items = []
    for row in rows:
        unmet = []
        for ladder in catalog.ladders:
            first = next((lv for lv in ladder.levels if row[f"{ladder.id}|{lv.id}"]), None)
            if first is not None:
                unmet.append({"ladder": ladder.id, "ladder_name": ladder.name.get(lang),
                              "level": first.id, "level_name": first.name.get(lang)})
        name, state = names.get(row[FIRM_ID], ("", ""))
        items.append({"firm_id": row[FIRM_ID], "name": name, "state": state,
                      "last_assessed_on": row["last_assessed_on"].isoformat(),
                      "unmet_levels": unmet})
    return {"on": on.isoformat(), "items": items, "total": total}


def follow_ups_for(app: FastAPI, session: Session, ctx: Any, who: Principal, on: dt.date,
                   limit: int = FOLLOW_UPS) -> dict[str, Any]:
    """``follow_ups`` with the app's settings, remembered per scope of firms."""
    scope = "all" if who.unrestricted else (who.role, who.firm_id, tuple(sorted(who.assigned)))
    return remembered(app, session, ("follow_ups", on, limit, scope, current_language()),
                      lambda: follow_ups(session, ctx.catalog, who, on,
                                         ctx.settings.stale_after_days, limit))


@router.get("/follow-ups")
def upcoming_follow_ups(request: Request, who: Who, session: DB, ctx: Any = Depends(context),
                        on: Day = None,
                        limit: Annotated[int, Query(ge=1, le=200)] = FOLLOW_UPS
                        ) -> dict[str, Any]:
    """Firms due a follow-up (an unmet requirement in their latest evidence), oldest last
    assessment first, among the firms whose raw data the account may read."""
    allow(who, Action.READ_PROFILES)
    return follow_ups_for(request.app, session, ctx, who, on or dt.date.today(), limit)


def _firm_names(session: Session, ids: list[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 900):
        for pid, name, state in session.execute(
                select(FirmRow.public_id, FirmRow.name, FirmRow.state)
                .where(FirmRow.public_id.in_(ids[start:start + 900]))):
            found[pid] = (name, state)
    return found


def link_type_label(link_type: str) -> str:
    """A link type in glossary words."""
    return {LinkType.SUBCONTRACTING: _("subcontracting"),
            LinkType.FULL_PACKAGE: _("full package"),
            LinkType.TUTELAGE: _("tutelage partnership"),
            LinkType.INTEGRADORA_MEMBERSHIP: _("integradora membership"),
            LinkType.JOBBER_NETWORK: _("jobber network")}.get(LinkType(link_type), link_type)


def regions(session: Session) -> list[tuple[str, int]]:
    """States with how many firms each, largest first."""
    return [(state, n) for state, n in session.execute(
        select(FirmRow.state, func.count()).group_by(FirmRow.state)
        .order_by(func.count().desc(), FirmRow.state))]


def chain_graph(session: Session, *, state: str, product: str | None = None,
                on: dt.date | None = None, link_type: LinkType | None = None,
                today: dt.date | None = None, limit: int = MAX_LINKS) -> dict[str, Any]:
    """The links of one region (either end in ``state``), optionally only those of one
    type, touching a firm that makes ``product`` and active on ``on``; the most recent
    ``limit`` links when there are more. Nodes are the firms at either end."""
    src, dst = FirmRow.__table__.alias("src"), FirmRow.__table__.alias("dst")
    stmt = (select(LinkRow, src.c.public_id, dst.c.public_id)
            .join(src, src.c.id == LinkRow.source_id).join(dst, dst.c.id == LinkRow.target_id)
            .where((src.c.state == state) | (dst.c.state == state))
            .order_by(LinkRow.start.desc(), LinkRow.id.desc()))
    if link_type is not None:
        stmt = stmt.where(LinkRow.type == str(link_type))
    links = [Link(source=s, target=t, type=row.type, start=row.start, end=row.end,
                  exclusive=row.exclusive) for row, s, t in session.execute(stmt)]
    if on is not None:
        links = [link for link in links if link.active_on(on)]
    ids = sorted({x for link in links for x in (link.source, link.target)})
    firms: dict[str, FirmRow] = {}
    for start in range(0, len(ids), 900):
        for firm in session.scalars(select(FirmRow).where(
                FirmRow.public_id.in_(ids[start:start + 900]))):
            firms[firm.public_id] = firm
    if product:
        links = [link for link in links if product in firms[link.source].products
                 or product in firms[link.target].products]
    total = len(links)
    links = links[:limit]
    shown = sorted({x for link in links for x in (link.source, link.target)})
    day = on or today or dt.date.today()
    lang = current_language()
    nodes = []
    for pid in shown:
        firm = firms[pid]
        roles = [str(r) for r in firm.roles]
        nodes.append({
            "id": pid, "name": firm.name, "state": firm.state,
            "municipality": firm.municipality, "in_region": firm.state == state,
            "role": roles[0] if roles else "", "roles": roles,
            "role_name": role_label(Role(roles[0])) if roles and roles[0] in set(Role) else "",
            "role_label": ", ".join(role_label(Role(r)) for r in roles if r in set(Role)),
            "products": list(firm.products),
            "products_label": ", ".join(product_label(p, lang) for p in firm.products),
            "url": f"/firms/{pid}"})
    edges = [{"source": link.source, "target": link.target, "type": str(link.type),
              "type_label": link_type_label(link.type),
              "source_name": firms[link.source].name, "target_name": firms[link.target].name,
              "start": link.start.isoformat(),
              "end": link.end.isoformat() if link.end else None,
              "exclusive": link.exclusive, "active": link.active_on(day)} for link in links]
    return {"state": state, "product": product, "on": on.isoformat() if on else None,
            "type": str(link_type) if link_type else None,
            "nodes": nodes, "edges": edges, "total_links": total,
            "truncated": total > len(links), "limit": limit}


@router.get("/chain")
def chain(who: Who, session: DB,
          state: Annotated[ShortText | None, Query(max_length=80)] = None,
          product: Annotated[ShortText | None, Query(max_length=40)] = None,
          on: Day = None, type: LinkType | None = None,
          limit: Annotated[int, Query(ge=1, le=2000)] = MAX_LINKS) -> dict[str, Any]:
    """The chain map of one region (default: the region with most firms): firms as nodes
    (role, state, products), links as edges (type, start, end), filtered by link type, by
    product and by the date on which links were active."""
    allow(who, Action.READ_PROFILES)
    region = state or next(iter(regions(session)), ("", 0))[0]
    return chain_graph(session, state=region, product=product or None, on=on,
                       link_type=type, limit=limit)


def benchmark_rows(catalog: Catalog, result: dict[str, Any]) -> list[dict[str, Any]]:
    """``firm_benchmark`` metrics that were ranked, flattened for a chart (labels included);
    suppressed groups and metrics without a fresh value are left out."""
    lang = current_language()
    rows = []
    for item in result["metrics"]:
        group = item["group"]
        if item["status"] != "ranked" or group is None:
            continue
        metric = catalog.metric(item["metric"])
        rows.append({"metric": item["metric"], "label": metric.name.get(lang),
                     "unit": metric.unit_label(lang), "direction": item["direction"],
                     "value": item["value"], "observed_on": item["observed_on"],
                     "percentile_rank": item["percentile_rank"], "n": group["n"],
                     **{k: group[k] for k in ("p10", "p25", "median", "p75", "p90")}})
    return rows


@router.get("/firms/{firm_id}/benchmarks")
def firm_benchmarks(request: Request, firm_id: FirmPath, who: Who, session: DB,
                    ctx: Any = Depends(context),
                    on: Day = None) -> dict[str, Any]:
    """A firm's position on every metric among its peers (same state, main product and size
    band): the group's percentiles and the firm's own value. Its own values are raw data:
    only the firm itself, its assessors, program managers and admins may read them."""
    allow(who, Action.READ_PROFILES)
    firm = get_firm(session, firm_id)
    allow(who, Action.READ_RAW, firm.id)
    day = on or dt.date.today()
    result = remembered(request.app, session, ("firm_benchmark", firm.id, day),
                        lambda: firm_benchmark(
                            session, ctx.catalog, firm.id, day,
                            stale_after_days=ctx.settings.stale_after_days,
                            min_group_size=ctx.settings.min_group_size))
    return {**result, "rows": benchmark_rows(ctx.catalog, result)}
