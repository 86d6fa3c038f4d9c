"""The AQL calculator (ISO 2859-1:1999 plan and OC curve) and the inspection entry form.

The calculator is a plain GET form; the plan comes from ``domain.sampling.sampling_plan``,
the risks and the chart from ``domain.oc_curve``. A lot is recorded through
``services.inspections.record``, which judges it and runs the switching rules.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from escalera.domain.defects import CLASS_LABELS, CLASS_ORDER, DEFECTS, DefectClass
from escalera.domain.inspections import DEFAULT_AQLS, ZERO_TOLERANCE, count_defects
from escalera.domain.oc_curve import MODELS, curve, curve_figure, normalize_model, risks
from escalera.domain.permissions import Action, Principal, can
from escalera.domain.products import PRODUCTS, product_label
from escalera.domain.sampling import (
    AQL_SERIES,
    BASES,
    LEVELS,
    SEVERITIES,
    Basis,
    SamplingPlan,
    sampling_plan,
)
from escalera.domain.switching import SEVERITY_LABELS
from escalera.errors import N_, EscaleraError
from escalera.i18n import _, current_language
from escalera.services import accounts
from escalera.services import inspections as svc
from escalera.services.context import AppContext
from escalera.store.firms import get_firm
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.pages.assess import Form, canonical_firm_id, check_csrf
from escalera.web.templating import render

router = APIRouter()
Ctx = Annotated[AppContext, Depends(context)]
MODEL_WORDS = {"binomial": N_("binomial: percent nonconforming"),
               "poisson": N_("poisson: nonconformities per 100 units")}
BASIS_WORDS = {"units": N_("nonconforming units"),
               "nonconformities": N_("nonconformities")}


def oc_svg(plan: SamplingPlan, model: str) -> Markup:
    """The OC curve as inline SVG markup (no XML prolog), labelled for screen readers.
    Markup, printed as is: matplotlib escapes the text it writes, and the only text is our
    own axis labels and the plan's numbers (nothing a user typed)."""
    xlabel = (_("Process quality (% nonconforming)") if model == "binomial"
              else _("Process quality (nonconformities per 100 units)"))
    fig = curve_figure(plan, model, xlabel=xlabel, ylabel=_("Probability of acceptance"))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    start = text.find("<svg")
    svg = text[start:] if start >= 0 else text
    return Markup(svg.replace(
        "<svg ", '<svg role="img" aria-labelledby="oc-title" focusable="false" ', 1))


def _plan_inputs(lot_size: str, level: str, aql: str, severity: str) -> dict[str, str]:
    return {"lot_size": lot_size.strip(), "level": level.strip() or "II",
            "aql": aql.strip() or "2.5", "severity": severity.strip() or "normal"}


@router.get("/aql")
def aql_page(request: Request, who: PageWho, lot_size: str = "", level: str = "II",
             aql: str = "2.5", severity: str = "normal", model: str = "binomial",
             lq: str = "") -> Response:
    """The calculator; with a lot size, the plan, its risks and its OC curve."""
    allow(who, Action.READ_PROFILES)
    inputs = {**_plan_inputs(lot_size, level, aql, severity), "model": model, "lq": lq}
    data: dict[str, Any] = {"who": who, "inputs": inputs, "levels": LEVELS,
                            "aqls": AQL_SERIES, "severities": SEVERITIES,
                            "severity_words": {s: SEVERITY_LABELS[s] for s in
                                               SEVERITY_LABELS},
                            "models": MODELS, "model_words": MODEL_WORDS}
    status = 200
    if inputs["lot_size"]:
        try:
            size = int(inputs["lot_size"])
        except ValueError:
            data["error"] = _("lot size must be a whole number of at least 1, got {lot_size}"
                              ).format(lot_size=inputs["lot_size"])
            return render(request, "aql.html.j2", data, status_code=422)
        try:
            mod = normalize_model(model)
            limit = float(lq.replace(",", ".")) if lq.strip() else None
            plan = sampling_plan(size, inputs["level"], inputs["aql"], inputs["severity"])
            read = risks(plan, mod, limit)
            data.update(plan=plan, risks=read, svg=oc_svg(plan, mod.value),
                        points=curve(plan, mod, points=11))
        except (EscaleraError, ValueError) as exc:
            data["error"] = str(exc) if isinstance(exc, EscaleraError) else _(
                "the limiting quality must be a number, got {value!r}").format(value=lq)
            status = 422
    return render(request, "aql.html.j2", data, status_code=status)


# --- inspections ----------------------------------------------------------------------------

def may_inspect(who: Principal) -> bool:
    """Whether the account may record inspections of any firm (assessors: assigned ones)."""
    return can(who, Action.INSPECT) or any(can(who, Action.INSPECT, f) for f in who.assigned)


def _firm_choices(session: Session, who: Principal) -> list[tuple[str, str]]:
    if who.unrestricted:
        return []
    found = []
    for firm_id in sorted(who.assigned):
        try:
            found.append((firm_id, get_firm(session, firm_id).name))
        except EscaleraError:
            continue
    return found


def _inspection_page(request: Request, session: Session, who: Principal,
                     values: dict[str, str], errors: dict[str, str], message: str = "",
                     status_code: int = 200, recorded: svc.Recorded | None = None
                     ) -> Response:
    lang = current_language()
    firm_id = canonical_firm_id(values.get("firm", ""))
    streams: list[svc.StreamView] = []
    if firm_id and can(who, Action.INSPECT, firm_id):
        try:
            streams = svc.streams(session, firm_id, lots=0)
        except EscaleraError:
            streams = []
    return render(request, "inspection_form.html.j2", {
        "streams": streams, "product_label": lambda p: product_label(p, lang),
        "who": who, "values": values, "errors": errors, "message": message,
        "firms": _firm_choices(session, who),
        "products": [(p.id, product_label(p.id, lang)) for p in PRODUCTS],
        "levels": LEVELS, "aqls": AQL_SERIES, "classes": CLASS_ORDER,
        "class_words": CLASS_LABELS, "defects": DEFECTS, "bases": BASES,
        "basis_words": BASIS_WORDS, "zero": ZERO_TOLERANCE,
        "today": dt.date.today().isoformat(), "recorded": recorded,
        "severity_words": SEVERITY_LABELS,
    }, status_code=status_code)


def _defaults(who: Principal, firm: str = "") -> dict[str, str]:
    values = {"firm": firm, "product": "jeans", "lot_size": "", "level": "II",
              "basis": "units", "inspected_on": dt.date.today().isoformat(),
              "inspector": who.username, "lot": "", "order": ""}
    values.update({f"aql:{cls}": aql for cls, aql in DEFAULT_AQLS.items()})
    return values


@router.get("/inspections/new")
def new_inspection(request: Request, who: PageWho, session: DB, firm: str = "") -> Response:
    """The inspection entry form."""
    if not may_inspect(who):
        allow(who, Action.INSPECT)
    chosen = canonical_firm_id(firm.strip()) if firm.strip() else ""
    return _inspection_page(request, session, who, _defaults(who, chosen), {})


def _lot_input(values: dict[str, str], who: Principal, errors: dict[str, str]
               ) -> svc.LotInput | None:
    firm_id = canonical_firm_id(values.get("firm", ""))
    if not firm_id:
        errors["firm"] = _("choose a firm")
    elif not can(who, Action.INSPECT, firm_id):
        errors["firm"] = _("your account may not inspect this firm")
    size = 0
    try:
        size = int(values.get("lot_size", ""))
        if size < 1:
            raise ValueError
    except ValueError:
        errors["lot_size"] = _("lot size must be a whole number of at least 1, got {lot_size}"
                               ).format(lot_size=values.get("lot_size", ""))
    try:
        on = dt.date.fromisoformat(values.get("inspected_on", ""))
    except ValueError:
        on = dt.date.today()
        errors["inspected_on"] = _("expected a date as YYYY-MM-DD, got {value!r}").format(
            value=values.get("inspected_on", ""))
    aqls: dict[DefectClass, str] = {}
    for cls in CLASS_ORDER:
        chosen = values.get(f"aql:{cls}", "")
        if chosen and chosen != "-":
            aqls[cls] = chosen
    counts: dict[str, int] = {}
    for item in DEFECTS:
        name = f"defect:{item.code}"
        text = values.get(name, "")
        if not text:
            continue
        if not text.isdigit():
            errors[name] = _("the count must be a whole number of at least 0, got {count}"
                             ).format(count=text)
            continue
        counts[item.code] = int(text)
    if errors:
        return None
    try:
        basis = Basis(values.get("basis", "units"))
    except ValueError:
        basis = Basis.UNITS
    return svc.LotInput(
        firm_id=firm_id, product=values.get("product", ""), lot_ref=values.get("lot", ""),
        lot_size=size, level=values.get("level", "II"), aqls=aqls,
        defects=count_defects(counts), inspected_on=on,
        inspector=values.get("inspector", "") or who.username,
        order_ref=values.get("order", ""), basis=basis,
        resubmitted=values.get("resubmitted") == "1",
        steady_production=values.get("irregular") != "1")


@router.post("/inspections/new")
def post_inspection(request: Request, who: PageWho, session: DB, form: Form) -> Response:
    """Judge and record one lot; the page shows the decision and the switching rules."""
    check_csrf(request, form)
    if not may_inspect(who):
        allow(who, Action.INSPECT)
    values = _typed(form)
    errors: dict[str, str] = {}
    lot = _lot_input(values, who, errors)
    if lot is None:
        return _inspection_page(request, session, who, values, errors,
                                _("Please correct the fields marked below."), 422)
    try:
        with session.begin_nested():
            recorded = svc.record(session, lot)
    except EscaleraError as exc:
        return _inspection_page(request, session, who, values, {}, str(exc), 422)
    accounts.audit(session, actor=who.username, action="inspection.record",
                   entity="inspection", entity_id=recorded.id, before=None,
                   after=recorded.as_dict())
    fresh = _defaults(who, recorded.firm_id)
    fresh.update({"product": recorded.product, "level": values.get("level", "II"),
                  "basis": values.get("basis", "units"),
                  **{k: v for k, v in values.items() if k.startswith("aql:")}})
    return _inspection_page(request, session, who, fresh, {}, recorded=recorded)


def _typed(form: FormData) -> dict[str, str]:
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}
