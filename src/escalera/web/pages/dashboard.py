"""The dashboard: producers per level by region and product (chart and table), level
transitions over time, and the follow-up visits due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from escalera.analytics.trends import standings_order
from escalera.domain.catalog_model import Catalog
from escalera.domain.permissions import Action, Role, can
from escalera.i18n import _, current_language
from escalera.services import program_evaluation
from escalera.web.api.charts import (
    follow_ups_for,
    group_label,
    standing_label,
    stats_on,
)
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.templating import render

router = APIRouter()

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v6.json"
NOT_ASSESSED_COLOUR, BELOW_COLOUR = "#bdbdbd", "#e08a3c"
LEVEL_COLOURS = ("#9ecae1", "#4292c6", "#08519c", "#08306b", "#041c40")
LEGEND_BELOW = {"legend": {"orient": "bottom", "direction": "horizontal", "columns": 3}}


def standing_scale(catalog: Catalog, ladder_id: str) -> dict[str, Any]:
    """Colours of a ladder's standings: grey, orange, then darker blues up the ladder."""
    labels = [standing_label(catalog, ladder_id, s) for s in standings_order(catalog, ladder_id)]
    levels = len(labels) - 2
    return {"domain": labels,
            "range": [NOT_ASSESSED_COLOUR, BELOW_COLOUR, *LEVEL_COLOURS[:levels]]}


def levels_chart(catalog: Catalog, ladder_id: str, by: str, label: str) -> dict[str, Any]:
    """Stacked bars: the share of producers on each standing, one bar per group."""
    group_title = _("Region") if by == "region" else _("Product")
    return {"mode": "vega-lite", "data": {"rows": "rows"},
            "filter": {"ladder": ladder_id, "by": by},
            "spec": {
                "$schema": VEGA_LITE, "description": label, "data": {"name": "rows"},
                "width": "container", "mark": {"type": "bar", "tooltip": True},
                "config": LEGEND_BELOW,
                "encoding": {
                    "y": {"field": "group_label", "type": "nominal", "title": group_title,
                          "sort": None},
                    "x": {"field": "firms", "type": "quantitative", "stack": "normalize",
                          "title": _("Share of producers"), "axis": {"format": "%"}},
                    "color": {"field": "label", "type": "nominal", "title": _("Level"),
                              "scale": standing_scale(catalog, ladder_id),
                              "sort": {"field": "order"}},
                    "order": {"field": "order", "type": "quantitative"},
                    "tooltip": [{"field": "group_label", "title": group_title},
                                {"field": "label", "title": _("Level")},
                                {"field": "firms", "title": _("Firms")},
                                {"field": "group_firms", "title": _("Producers in the group")}],
                }}}


def over_time_chart(catalog: Catalog, ladder_id: str, label: str) -> dict[str, Any]:
    """Stacked areas: producers on each standing at each quarter."""
    return {"mode": "vega-lite", "data": {"rows": "rows"}, "filter": {"ladder": ladder_id},
            "spec": {
                "$schema": VEGA_LITE, "description": label, "data": {"name": "rows"},
                "width": "container", "height": 220, "mark": {"type": "area", "tooltip": True},
                "config": LEGEND_BELOW,
                "encoding": {
                    "x": {"field": "on", "type": "temporal", "title": _("Date")},
                    "y": {"field": "firms", "type": "quantitative", "stack": "zero",
                          "title": _("Producers")},
                    "color": {"field": "label", "type": "nominal", "title": _("Level"),
                              "scale": standing_scale(catalog, ladder_id),
                              "sort": {"field": "order"}},
                    "order": {"field": "order", "type": "quantitative"},
                    "tooltip": [{"field": "on", "type": "temporal", "title": _("Date")},
                                {"field": "label", "title": _("Level")},
                                {"field": "firms", "title": _("Producers")}],
                }},
            "table": {"caption": label, "summary": _("Show the figures as a table"),
                      "columns": [{"field": "on", "title": _("Date")},
                                  {"field": "label", "title": _("Level")},
                                  {"field": "firms", "title": _("Producers"),
                                   "numeric": True}]}}


def moves_chart(ladder_id: str, label: str) -> dict[str, Any]:
    """Bars side by side: producers that climbed or fell a level since the quarter before."""
    return {"mode": "vega-lite", "data": {"rows": "moves"}, "filter": {"ladder": ladder_id},
            "spec": {
                "$schema": VEGA_LITE, "description": label, "data": {"name": "rows"},
                "width": "container", "height": 180, "mark": {"type": "bar", "tooltip": True},
                "config": LEGEND_BELOW,
                "encoding": {
                    "x": {"field": "on", "type": "ordinal", "title": _("Quarter ending")},
                    "xOffset": {"field": "label"},
                    "y": {"field": "firms", "type": "quantitative", "title": _("Producers")},
                    "color": {"field": "label", "type": "nominal", "title": _("Change"),
                              "scale": {"range": ["#08519c", "#c0392b"]}},
                    "tooltip": [{"field": "on", "title": _("Quarter ending")},
                                {"field": "label", "title": _("Change")},
                                {"field": "firms", "title": _("Producers")}],
                }},
            "table": {"caption": label, "summary": _("Show the figures as a table"),
                      "columns": [{"field": "on", "title": _("Quarter ending")},
                                  {"field": "label", "title": _("Change")},
                                  {"field": "firms", "title": _("Producers"),
                                   "numeric": True}]}}


def group_tables(catalog: Catalog, stats: dict[str, Any]) -> dict[str, Any]:
    """Per ladder and grouping: rows of (group name, firms per standing) for the tables."""
    tables: dict[str, Any] = {}
    for ladder in catalog.ladders:
        order = standings_order(catalog, ladder.id)
        for by, groups in stats["by_group"].items():
            rows = []
            for key, per_ladder in groups.items():
                counts = per_ladder[ladder.id]
                rows.append((group_label(by, key), [
                    counts["levels"].get(s, counts.get(s, 0)) for s in order]))
            tables[f"{ladder.id}|{by}"] = rows
    return tables


@router.get("/")
def dashboard(request: Request, who: PageWho, session: DB,
              ctx: Any = Depends(context)) -> Response:
    """Producers per level of every ladder, overall, by region and by product; how they
    moved over the last quarters; which firms are due a follow-up visit."""
    allow(who, Action.READ_PROFILES)
    catalog = ctx.catalog
    on = dt.date.today()
    stats = stats_on(request.app, session, ctx, on)
    lang = current_language()
    charts: dict[str, tuple[str, dict[str, Any]]] = {}
    for ladder in catalog.ladders:
        name = ladder.name.get(lang)
        for by, text in (("region", _("{ladder}: share of producers on each level, by "
                                      "region")),
                         ("product", _("{ladder}: share of producers on each level, by "
                                       "main product"))):
            label = text.format(ladder=name)
            charts[f"{ladder.id}|{by}"] = (label, levels_chart(catalog, ladder.id, by, label))
        label = _("{ladder}: producers on each level, quarter by quarter").format(ladder=name)
        charts[f"{ladder.id}|time"] = (label, over_time_chart(catalog, ladder.id, label))
        label = _("{ladder}: producers that climbed or fell a level since the quarter "
                  "before").format(ladder=name)
        charts[f"{ladder.id}|moves"] = (label, moves_chart(ladder.id, label))
    due = None if who.role is Role.BUYER else follow_ups_for(request.app, session, ctx,
                                                            who, on)
    program_due = (program_evaluation.follow_up_summary(session, on)
                   if can(who, Action.EVALUATE_PROGRAMS) else None)
    return render(request, "dashboard.html.j2", {
        "who": who, "stats": stats, "on": on, "catalog": catalog, "charts": charts,
        "tables": group_tables(catalog, stats),
        "headers": {ladder.id: [standing_label(catalog, ladder.id, s)
                                for s in standings_order(catalog, ladder.id)]
                    for ladder in catalog.ladders},
        "follow_ups": due, "program_follow_ups": program_due})
