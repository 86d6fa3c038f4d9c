"""The chain map: who subcontracts to whom, tutelage partnerships over time, integradoras
and jobber networks, one region at a time, filtered by product and date. Drawn in the
browser as a force-directed Vega graph; the same links are listed in a table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from escalera.domain.chain import LinkType
from escalera.domain.permissions import Action
from escalera.domain.products import PRODUCTS, product_label
from escalera.i18n import _, current_language
from escalera.web.api.charts import MAX_LINKS, chain_graph, link_type_label, regions
from escalera.web.deps import DB, PageWho, allow
from escalera.web.templating import render

router = APIRouter()

VEGA = "https://vega.github.io/schema/vega/v6.json"
DAY_MS = 86_400_000
LINK_COLOURS = ("#1f5f99", "#b35900", "#2e7d32", "#7b1fa2", "#c62828")


def _ms(day: dt.date) -> int:
    """A day as Vega's time: milliseconds since 1970 at UTC midnight."""
    return (day - dt.date(1970, 1, 1)).days * DAY_MS


def time_line(first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Signals of the time line: a slider of days from the first link to ``last`` and the
    date it stands on."""
    span = max((last - first).days, 1)
    return [{"name": "days", "value": span,
             "bind": {"input": "range", "min": 0, "max": span, "step": 1,
                      "name": _("Time line: days since the first link ({first})").format(
                          first=first.isoformat()) + " "}},
            {"name": "at", "update": f"{_ms(first)} + days * {DAY_MS}"}]


def graph_spec(label: str, first: dt.date | None = None,
               last: dt.date | None = None) -> dict[str, Any]:
    """A force-directed graph: firms as circles coloured by their first role (filled when in
    the region), links as lines coloured by type, dashed once ended. Pointing at a firm
    shows its name, roles, place and products; a click opens its page. With ``first`` and
    ``last``, a time line fades the links not active on the day it points to, so the map
    shows who tutored or subcontracted to whom at any time."""
    types = [link_type_label(t) for t in LinkType]
    moving = first is not None and last is not None
    active_at = ("toDate(datum.start) <= at && (!datum.end || at < toDate(datum.end))"
                 if moving else "datum.active")
    marks_when: list[dict[str, Any]] = [] if not moving else [
        {"type": "text", "aria": False, "encode": {"update": {
            "x": {"signal": "width"}, "y": {"value": 0}, "align": {"value": "right"},
            "baseline": {"value": "top"}, "fontSize": {"value": 14},
            "fill": {"value": "#1a1a1a"},
            "text": {"signal": json.dumps(_("Links active on")) + " + ' ' + "
                               "timeFormat(at, '%Y-%m-%d')"}}}}]
    return {"mode": "vega", "data": {"nodes": "nodes", "links": "edges"}, "spec": {
        "$schema": VEGA, "description": label, "width": 760, "height": 560,
        "autosize": "none", "padding": 8,
        "signals": [{"name": "cx", "update": "width / 2"},
                    {"name": "cy", "update": "height / 2"},
                    *(time_line(first, last) if first and last else [])],
        "data": [{"name": "nodes", "values": []}, {"name": "links", "values": []}],
        "scales": [
            {"name": "role", "type": "ordinal", "domain": {"data": "nodes", "field": "role_name"},
             "range": {"scheme": "tableau10"}},
            {"name": "linktype", "type": "ordinal", "domain": types,
             "range": list(LINK_COLOURS)}],
        "legends": [
            {"fill": "role", "title": _("Role on the chain"), "orient": "top-left",
             "symbolType": "circle"},
            {"stroke": "linktype", "title": _("Link"), "orient": "bottom-left",
             "symbolType": "stroke"}],
        "marks": [
            {"type": "path", "from": {"data": "links"}, "interactive": False, "aria": False,
             "encode": {"update": {
                 "stroke": {"scale": "linktype", "field": "type_label"},
                 "strokeWidth": {"value": 1.6},
                 "strokeDash": {"signal": "datum.active ? [1, 0] : [5, 4]"},
                 "strokeOpacity": {"signal": f"({active_at}) ? 0.9 : "
                                             f"{0.08 if moving else 0.55}"}}},
             "transform": [{"type": "linkpath", "require": {"signal": "force"},
                            "shape": "line", "sourceX": "datum.source.x",
                            "sourceY": "datum.source.y", "targetX": "datum.target.x",
                            "targetY": "datum.target.y"}]},
            {"name": "firms", "type": "symbol", "zindex": 1, "from": {"data": "nodes"},
             "aria": False,
             "encode": {"enter": {
                 "size": {"value": 110}, "cursor": {"value": "pointer"},
                 "stroke": {"scale": "role", "field": "role_name"},
                 "strokeWidth": {"value": 2},
                 "fill": {"signal": "datum.in_region ? scale('role', datum.role_name) : "
                                    "'#ffffff'"},
                 "href": {"field": "url"},
                 "tooltip": {"signal": "{title: datum.name, " + json.dumps(_("Roles"))
                             + ": datum.role_label, " + json.dumps(_("Place"))
                             + ": (datum.municipality ? datum.municipality + ', ' : '') + "
                             "datum.state, " + json.dumps(_("Products"))
                             + ": datum.products_label}"}}},
             "transform": [{"type": "force", "iterations": 300, "static": True,
                            "signal": "force", "forces": [
                                {"force": "center", "x": {"signal": "cx"},
                                 "y": {"signal": "cy"}},
                                {"force": "collide", "radius": 9},
                                {"force": "nbody", "strength": -18},
                                {"force": "link", "links": "links", "id": "datum.id",
                                 "distance": 36}]}]},
            *marks_when,
        ]}}


@router.get("/chain")
def chain_page(request: Request, who: PageWho, session: DB,
               state: Annotated[str | None, Query(max_length=80)] = None,
               product: Annotated[str | None, Query(max_length=40)] = None,
               on: Annotated[str | None, Query(max_length=10)] = None,
               type: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """The chain map of one region (default: the one with most firms)."""
    allow(who, Action.READ_PROFILES)
    states = regions(session)
    region = state if state in {s for s, _n in states} else (states[0][0] if states else "")
    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        day = None
    link_type = type if type in {str(t) for t in LinkType} else None
    graph = chain_graph(session, state=region, product=product or None, on=day,
                        link_type=LinkType(link_type) if link_type else None)
    query = urlencode({k: v for k, v in (("state", region), ("product", product or ""),
                                         ("on", day.isoformat() if day else ""),
                                         ("type", link_type or "")) if v})
    label = _("Links between firms in {region}").format(region=region)
    lang = current_language()
    return render(request, "chain.html.j2", {
        "who": who, "graph": graph, "region": region, "states": states,
        "product": product or "", "on": day.isoformat() if day else "",
        "products": [(p.id, product_label(p.id, lang)) for p in PRODUCTS],
        "types": [(str(t), link_type_label(t)) for t in LinkType], "type": link_type or "",
        "src": f"/api/v1/charts/chain?{query}", "label": label, "limit": MAX_LINKS,
        "config": graph_spec(label, *_span(graph, day))})


def _span(graph: dict[str, Any], day: dt.date | None) -> tuple[dt.date | None, dt.date]:
    """From the first link's start to today, for the time line; none when the map already
    shows one day."""
    today = dt.date.today()
    if day is not None or not graph["edges"]:
        return None, today
    return min(dt.date.fromisoformat(e["start"]) for e in graph["edges"]), today
