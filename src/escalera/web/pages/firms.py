"""The firm list (search, filters, pages; htmx swaps the results only) and the firm page:
level per ladder with certificates, gap to the next level, segments now and next,
benchmark chart, learning visits, assessments, inspections and links. Raw data (current
values, benchmark position, visits, assessments, inspections) only for those allowed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import FirmEvaluation, Status
from escalera.domain.firms import Role as FirmRole
from escalera.domain.permissions import Action, can
from escalera.domain.products import OTHER_PRODUCTS, PRODUCTS, product_label
from escalera.domain.sampling import Severity
from escalera.domain.switching import SEVERITY_LABELS
from escalera.errors import EscaleraError
from escalera.i18n import _, current_language
from escalera.presentation import number, role_label, status_label
from escalera.services import accounts, inspections, sharing
from escalera.services.firm_view import show_firm
from escalera.services.report import firm_report_from_view
from escalera.store.firms import get_firm
from escalera.store.tables import AssessmentRow, FirmRow
from escalera.web.api.charts import link_type_label, regions
from escalera.web.api.firms import list_firms
from escalera.web.api.lists import Page
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.security import csrf_ok
from escalera.web.templating import render
from escalera.web.text import Identifier

router = APIRouter()

PAGE_SIZE = 50
VEGA_LITE = "https://vega.github.io/schema/vega-lite/v6.json"


def amount(value: float | None) -> str:
    """A count or quantity: whole numbers in full with thousands separated (``number``
    keeps four significant digits, right for measurements, not for 27,180 units)."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else number(value)


def filter_options(session: Session) -> dict[str, Any]:
    """Choices of the firm filters: states, products and roles, labelled."""
    lang = current_language()
    return {"states": [state for state, _n in regions(session)],
            "products": [(p.id, product_label(p.id, lang))
                         for p in (*PRODUCTS, *OTHER_PRODUCTS)],
            "roles": [(str(r), role_label(r)) for r in FirmRole]}


@router.get("/firms")
def firm_list(request: Request, who: PageWho, session: DB,
              q: Annotated[str | None, Query(max_length=100)] = None,
              state: Annotated[str | None, Query(max_length=80)] = None,
              product: Annotated[str | None, Query(max_length=40)] = None,
              role: Annotated[str | None, Query(max_length=40)] = None,
              page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """Firms by name, state, product and role, fifty a page; an htmx request gets only the
    results, so typing in the search box updates them in place."""
    allow(who, Action.READ_PROFILES)
    found = list_firms(who, session, Page(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
                       q=q or None, state=state or None, product=product or None,
                       role=role or None)
    lang = current_language()
    for item in found["items"]:
        item["roles_label"] = ", ".join(role_label(FirmRole(r)) for r in item["roles"] or ()
                                        if r in set(FirmRole))
        item["products_label"] = ", ".join(product_label(p, lang)
                                           for p in item["products"] or ())
    pages = max(1, -(-found["total"] // PAGE_SIZE))
    params = {k: v for k, v in (("q", q), ("state", state), ("product", product),
                                ("role", role)) if v}
    data = {"who": who, "found": found, "amount": amount, "page": page, "pages": pages,
            "params": params, "options": filter_options(session)}
    partial = bool(request.headers.get("hx-request"))
    return render(request, "_browse_firms_results.html.j2" if partial else "firms.html.j2",
                  {**data, "oob": partial})


def benchmark_chart(firm_id: str, label: str) -> dict[str, Any]:
    """One row per metric: the peers' 10th-90th percentiles (line), middle half (bar),
    median (tick) and the firm's own value (diamond); each metric on its own scale."""
    x = {"type": "quantitative", "title": None, "scale": {"zero": False}}
    return {"mode": "vega-lite", "data": {"rows": "rows"}, "spec": {
        "$schema": VEGA_LITE, "description": label, "data": {"name": "rows"},
        "facet": {"row": {"field": "label", "type": "nominal", "title": None,
                          "header": {"labelAngle": 0, "labelAlign": "left",
                                     "labelLimit": 220}}},
        "resolve": {"scale": {"x": "independent"}},
        "spec": {"width": 320, "height": 26, "layer": [
            {"mark": {"type": "rule", "color": "#595959"},
             "encoding": {"x": {"field": "p10", **x}, "x2": {"field": "p90"}}},
            {"mark": {"type": "bar", "color": "#9ecae1", "height": 14},
             "encoding": {"x": {"field": "p25", **x}, "x2": {"field": "p75"}}},
            {"mark": {"type": "tick", "color": "#1a1a1a", "thickness": 2, "size": 18},
             "encoding": {"x": {"field": "median", **x}}},
            {"mark": {"type": "point", "shape": "diamond", "filled": True, "size": 120,
                      "color": "#a11212"},
             "encoding": {"x": {"field": "value", **x}, "tooltip": [
                 {"field": "label", "title": _("Metric")},
                 {"field": "value", "title": _("This firm")},
                 {"field": "median", "title": _("Median of peers"), "format": ".4~g"},
                 {"field": "percentile_rank", "title": _("Percentile rank"),
                  "format": ".0f"},
                 {"field": "n", "title": _("Firms in the group")}]}},
        ]}},
        "table": {"caption": label, "summary": _("Show the figures as a table"), "columns": [
            {"field": "label", "title": _("Metric")}, {"field": "unit", "title": _("Unit")},
            {"field": "value", "title": _("This firm"), "numeric": True},
            {"field": "p10", "title": "P10", "numeric": True},
            {"field": "median", "title": _("Median of peers"), "numeric": True},
            {"field": "p90", "title": "P90", "numeric": True},
            {"field": "percentile_rank", "title": _("Percentile rank"), "numeric": True},
            {"field": "n", "title": _("Firms in the group"), "numeric": True}]}}


def assessments_of(session: Session, firm_id: str) -> list[dict[str, Any]]:
    """A firm's assessments, newest first (every status: drafts and disputes too)."""
    rows = session.execute(
        select(AssessmentRow.public_id, AssessmentRow.assessed_on, AssessmentRow.stage,
               AssessmentRow.assessor, AssessmentRow.status, AssessmentRow.version)
        .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
        .where(FirmRow.public_id == firm_id)
        .order_by(AssessmentRow.assessed_on.desc(), AssessmentRow.id.desc()))
    stages = {"screening": _("screening"), "diagnostic": _("diagnostic"),
              "follow_up": _("follow-up"), "random_inspection": _("random inspection")}
    statuses = {"draft": _("draft"), "submitted": _("submitted"), "reviewed": _("reviewed"),
                "final": _("final"), "superseded": _("superseded")}
    return [{"id": pid, "on": on, "stage": stages.get(stage, stage), "assessor": assessor,
             "status": statuses.get(status, status), "version": version}
            for pid, on, stage, assessor, status, version in rows]


def next_segment_checks(catalog: Catalog, evaluation: FirmEvaluation,
                        raw: bool) -> list[dict[str, str]]:
    """What still keeps the firm from its next segment: each unmet or unassessed condition
    with the value required (and the firm's own value, with raw access), in words."""
    nxt = evaluation.next_segment
    if nxt is None:
        return []
    segment = next(s for s in catalog.segments if s.id == nxt.segment)
    ladder = catalog.ladder(segment.ladder)
    lang = current_language()
    levels = {lv.id: lv.name.get(lang) for lv in ladder.levels}
    labels = {"level": _("level"), "capacity": _("capacity"), "lead_time": _("lead time")}
    units = {"capacity": _("units/month"), "lead_time": _("days")}

    def shown(condition: str, value: float | str | None) -> str:
        if value is None:
            return "—"
        if condition == "level":
            return levels.get(str(value), str(value))
        return f"{amount(float(value))} {units.get(condition, '')}".strip()

    return [{"condition": labels.get(c.condition, c.condition),
             "current": shown(c.condition, c.current) if raw else "",
             "required": shown(c.condition, c.required), "status": status_label(c.status)}
            for c in nxt.checks if c.status is not Status.MET]


def names_of(session: Session, ids: set[str]) -> dict[str, str]:
    """Firm names by public id."""
    if not ids:
        return {}
    return dict(session.execute(select(FirmRow.public_id, FirmRow.name)
                                .where(FirmRow.public_id.in_(sorted(ids)))).all())


@router.get("/firms/{firm_id}")
def firm_page(firm_id: str, request: Request, who: PageWho, session: DB,
              ctx: Any = Depends(context)) -> Response:
    """One firm as the signed-in account may see it."""
    allow(who, Action.READ_PROFILES)
    catalog = ctx.catalog
    on = dt.date.today()
    firm = get_firm(session, firm_id)
    raw = can(who, Action.READ_RAW, firm.id)
    view = show_firm(session, catalog, firm.id, on, ctx.settings.stale_after_days,
                     with_visits=raw and firm.is_producer)
    report = firm_report_from_view(view, catalog)
    lang = current_language()
    segment_names = {s.id: s.name.get(lang) for s in catalog.segments}
    streams: list[Any] = []
    if raw and firm.is_producer:
        try:
            streams = inspections.streams(session, firm.id)
        except EscaleraError:
            streams = []
    others = names_of(session, {x for link in view.links for x in (link.source, link.target)})
    links = [{"other": link.target if link.source == firm.id else link.source,
              "other_name": others.get(link.target if link.source == firm.id
                                       else link.source, ""),
              "outgoing": link.source == firm.id, "type": link_type_label(link.type),
              "start": link.start, "end": link.end, "exclusive": link.exclusive,
              "active": link.active_on(on)} for link in view.links]
    label = _("{firm} among its peers: the firm's value against its peer group").format(
        firm=firm.name)
    return render(request, "firm.html.j2", {
        "who": who, "view": view, "report": report, "catalog": catalog, "raw": raw,
        "on": on, "segment_names": segment_names, "links": links, "streams": streams,
        "assessments": assessments_of(session, firm.id) if raw else [],
        "min_group_size": ctx.settings.min_group_size, "amount": amount,
        "product_name": lambda product: product_label(product, lang),
        "severity": lambda value: _(SEVERITY_LABELS[Severity(value)]),
        "next_checks": next_segment_checks(catalog, view.evaluation, raw),
        "products": ", ".join(product_label(p, lang) for p in firm.products),
        "shares": sharing.shares_of(session, firm.id) if raw and firm.is_producer else [],
        "may_share": firm.is_producer and can(who, Action.SHARE_DATA, firm.id),
        "roles": ", ".join(role_label(r) for r in firm.roles),
        "benchmark": (label, benchmark_chart(firm.id, label)) if raw and firm.is_producer
        else None})


@router.post("/firms/{firm_id}/shares")
def change_share(firm_id: str, request: Request, who: PageWho, session: DB,
                 buyer_id: Annotated[Identifier, Form(max_length=20)],
                 csrf_token: Annotated[str, Form()] = "",
                 remove: Annotated[str, Form()] = "") -> Response:
    """Share the firm's raw data with a buyer's firm, or stop (``remove``)."""
    if not csrf_ok(request, csrf_token):
        raise HTTPException(403, _("the form expired; please try again"))
    firm = get_firm(session, firm_id)
    allow(who, Action.SHARE_DATA, firm.id)
    before = [s["buyer_id"] for s in sharing.shares_of(session, firm.id)]
    if remove:
        sharing.unshare(session, firm.id, buyer_id.strip())
    else:
        sharing.share(session, firm.id, buyer_id.strip(), who.username)
    after = [s["buyer_id"] for s in sharing.shares_of(session, firm.id)]
    accounts.audit(session, actor=who.username, action="unshare" if remove else "share",
                   entity="firm", entity_id=firm.id, before={"shares": before},
                   after={"shares": after})
    return RedirectResponse(f"/firms/{firm.id}#sharing-heading", status_code=303)
