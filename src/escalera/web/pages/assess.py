"""The assessment form (screening checklist or full diagnostic) and one assessment's page.

The form works without JavaScript; ``static/offline.js`` keeps a draft on the device and
sends it when the connection returns. Values and dates are checked by the domain rules the
service uses (``observation_rules``, ``screening``) field by field, so each message sits
next to its field; nothing is written until every field is acceptable.

``Form``, ``check_csrf`` and ``canonical_firm_id`` are shared by the other working pages
(AQL and inspections, orders, import).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from escalera.domain.assessment_scope import scope
from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.ids import parse_firm_id
from escalera.domain.measures import Maturity
from escalera.domain.observation_rules import InvalidObservation, check_date, check_values
from escalera.domain.permissions import Action, Principal, can
from escalera.domain.screening import InvalidScreening, judge_screening
from escalera.errors import N_, EscaleraError
from escalera.i18n import _, current_language
from escalera.services import accounts
from escalera.services import assessments as svc
from escalera.services.context import AppContext
from escalera.store.firms import get_firm
from escalera.store.tables import AuditRow
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.security import csrf_ok
from escalera.web.templating import render
from escalera.web.text import checked_form

router = APIRouter()
Ctx = Annotated[AppContext, Depends(context)]
FORM_STAGES = (Stage.SCREENING, Stage.DIAGNOSTIC)
CREATED = "assessment.create"  # the audit action of an assessment made through the form
MATURITY_WORDS = {Maturity.ABSENT: N_("absent"), Maturity.INFORMAL: N_("informal"),
                  Maturity.DOCUMENTED: N_("documented"),
                  Maturity.CONTINUOUS_IMPROVEMENT: N_("continuous improvement")}
STAGE_WORDS = {Stage.SCREENING: N_("screening"), Stage.DIAGNOSTIC: N_("diagnostic"),
               Stage.FOLLOW_UP: N_("follow-up"),
               Stage.RANDOM_INSPECTION: N_("random inspection")}
STATUS_WORDS = {"draft": N_("draft"), "submitted": N_("submitted"),
                "reviewed": N_("reviewed"), "final": N_("final"),
                "superseded": N_("superseded"), "open": N_("dispute open"),
                "upheld": N_("dispute upheld"), "rejected": N_("dispute rejected")}
"""Statuses of the history: the assessment's, and its disputes' (opened and resolved)."""


async def form_data(request: Request) -> FormData:
    """The posted form (read once; Starlette keeps it on the request)."""
    return checked_form(await request.form())


Form = Annotated[FormData, Depends(form_data)]


def check_csrf(request: Request, form: FormData) -> None:
    """Refuse a form without the session's CSRF token, before anything is read or written."""
    token = form.get("csrf_token")
    if not csrf_ok(request, token if isinstance(token, str) else None):
        raise HTTPException(403, _("the form expired; please try again"))


def may_assess(who: Principal) -> bool:
    """Whether the account may assess any firm at all (assessors: their assigned ones)."""
    return can(who, Action.ASSESS) or any(can(who, Action.ASSESS, f) for f in who.assigned)


def _picker(session: Session, who: Principal) -> list[tuple[str, str]]:
    """(id, name) of the firms an assessor may pick; empty for accounts that may assess any
    firm (they type the id)."""
    if who.unrestricted:
        return []
    firms = []
    for firm_id in sorted(who.assigned):
        try:
            firms.append((firm_id, get_firm(session, firm_id).name))
        except EscaleraError:
            continue
    return firms


def _stage(text: str | None) -> Stage:
    try:
        stage = Stage(text or Stage.DIAGNOSTIC)
    except ValueError:
        stage = Stage.DIAGNOSTIC
    return stage if stage in FORM_STAGES else Stage.DIAGNOSTIC


def _field(kind: ItemKind | str, item: str) -> str:
    return f"{kind}:{item}"


def _form_page(request: Request, session: Session, ctx: AppContext, who: Principal, *,
               stage: Stage, firm_id: str, values: dict[str, str], errors: dict[str, str],
               message: str = "", status_code: int = 200) -> Response:
    catalog = ctx.catalog
    required: set[str] = set()
    if stage is Stage.DIAGNOSTIC:
        try:
            on = dt.date.fromisoformat(values.get("assessed_on", ""))
        except ValueError:
            on = dt.date.today()
        required = {_field(k, i) for k, i in scope(catalog, stage, on)}
    return render(request, "assess_form.html.j2", {
        "who": who, "catalog": catalog, "stage": stage, "stages": FORM_STAGES,
        "stage_words": STAGE_WORDS, "firm_id": firm_id, "firms": _picker(session, who),
        "values": values, "errors": errors, "message": message, "required": required,
        "maturity": [(int(m), MATURITY_WORDS[m]) for m in Maturity],
        "today": dt.date.today().isoformat(),
    }, status_code=status_code)


@router.get("/assessments/new")
def new_assessment(request: Request, who: PageWho, session: DB, ctx: Ctx,
                   firm: str = "", stage: str = "") -> Response:
    """The blank form for a screening or a diagnostic of a firm the account may assess."""
    if not may_assess(who):
        allow(who, Action.ASSESS)
    chosen = _stage(stage)
    firm_id = canonical_firm_id(firm.strip()) if firm.strip() else ""
    errors: dict[str, str] = {}
    if firm_id and not can(who, Action.ASSESS, firm_id):
        errors["firm"] = _("your account may not assess this firm")
    values = {"firm": firm_id, "assessed_on": dt.date.today().isoformat(),
              "assessor": who.username}
    return _form_page(request, session, ctx, who, stage=chosen, firm_id=firm_id,
                      values=values, errors=errors)


def canonical_firm_id(firm_id: str) -> str:
    """A typed firm id as stored (case, dashes), or as typed when it is not one."""
    try:
        return parse_firm_id(firm_id)
    except EscaleraError:
        return firm_id


def beside_field(message: str, item: str) -> str:
    """A domain message shown next to its own field: without the item id it starts with."""
    return message.removeprefix(f"{item}: ")


def _number(text: str) -> float:
    return float(text.strip().replace(",", "."))


def _read(form: FormData, catalog: Catalog, stage: Stage, session: Session, who: Principal
          ) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """The posted values as typed, the problems per field, and the parsed input."""
    typed = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    firm_id = canonical_firm_id(typed.get("firm", ""))
    founded: dt.date | None = None
    if not firm_id:
        errors["firm"] = _("choose a firm")
    elif not can(who, Action.ASSESS, firm_id):
        errors["firm"] = _("your account may not assess this firm")
    else:
        try:
            firm = get_firm(session, firm_id)
            parsed["firm"], founded = firm.id, firm.founded_on
        except EscaleraError as exc:
            errors["firm"] = str(exc)
    try:
        on = dt.date.fromisoformat(typed.get("assessed_on", ""))
        check_date(on, dt.date.today(), founded)
        parsed["assessed_on"] = on
    except ValueError as exc:
        errors["assessed_on"] = str(exc) if isinstance(exc, InvalidObservation) else _(
            "expected a date as YYYY-MM-DD, got {value!r}").format(
            value=typed.get("assessed_on", ""))
    assessor = typed.get("assessor", "") or who.username
    if len(assessor) > 120:
        errors["assessor"] = _("at most {limit} characters").format(limit=120)
    parsed["assessor"], parsed["notes"] = assessor, typed.get("notes", "")
    if stage is Stage.SCREENING:
        answers: dict[str, int] = {}
        for question in catalog.screening:
            name = f"q:{question.id}"
            text = typed.get(name, "")
            if not text:
                errors[name] = _("answer this question")
                continue
            try:
                answers[question.id] = int(text)
                judge_screening((question,), {question.id: answers[question.id]})
            except (ValueError, InvalidScreening) as exc:
                errors[name] = beside_field(str(exc), question.id) if isinstance(
                    exc, InvalidScreening) else _("{value!r} is not a number").format(
                    value=text)
        parsed["answers"] = answers
        return typed, errors, parsed
    values: dict[tuple[ItemKind, str], float] = {}
    items = [(ItemKind.METRIC, m.id) for m in catalog.metrics] + \
        [(ItemKind.PRACTICE, p.id) for p in catalog.practices]
    for kind, item in items:
        name = _field(kind, item)
        text = typed.get(name, "")
        if not text:
            continue
        try:
            value = _number(text)
            check_values(catalog, {(kind, item): value})
            values[(kind, item)] = value
        except ValueError as exc:
            errors[name] = beside_field(str(exc), item) if isinstance(
                exc, InvalidObservation) else _("{value!r} is not a number").format(value=text)
    parsed["values"] = values
    return typed, errors, parsed


@router.post("/assessments/new")
def post_assessment(request: Request, who: PageWho, session: DB, ctx: Ctx,
                    form: Form) -> Response:
    """Create the assessment with its values and, unless kept as a draft, submit it."""
    check_csrf(request, form)
    if not may_assess(who):
        allow(who, Action.ASSESS)
    key = str(form.get("submission_key") or "")[:64]
    earlier = _created_with(session, who.username, key) if key else None
    if earlier is not None:  # a retried submission whose first answer never arrived
        return RedirectResponse(f"/assessments/{earlier}?saved=1", status_code=303)
    raw_stage = form.get("stage")
    stage = _stage(raw_stage if isinstance(raw_stage, str) else None)
    typed, errors, parsed = _read(form, ctx.catalog, stage, session, who)
    submit = typed.get("action", "submit") != "draft"
    if not errors and submit and stage is Stage.DIAGNOSTIC:
        for kind, item in svc.plan(session, ctx.catalog, parsed["firm"], stage,
                                   parsed["assessed_on"],
                                   ctx.settings.stale_after_days):
            if (kind, item) not in parsed["values"]:
                errors[_field(kind, item)] = _("required before the diagnostic is submitted "
                                               "(or save it as a draft)")
    if errors:
        return _form_page(request, session, ctx, who, stage=stage,
                          firm_id=typed.get("firm", ""), values=typed, errors=errors,
                          message=_("Please correct the fields marked below."),
                          status_code=422)
    by = who.username
    if stage is Stage.SCREENING:
        view = svc.screen(session, ctx.catalog, firm_id=parsed["firm"],
                          assessed_on=parsed["assessed_on"], assessor=parsed["assessor"],
                          answers=parsed["answers"], notes=parsed["notes"], by=by)
    else:
        view = svc.create(session, ctx.catalog, firm_id=parsed["firm"], stage=stage,
                          assessed_on=parsed["assessed_on"], assessor=parsed["assessor"],
                          values=parsed["values"], notes=parsed["notes"], by=by,
                          stale_after_days=ctx.settings.stale_after_days)
    if submit:
        view = svc.submit(session, ctx.catalog, view.id, by=by,
                          stale_after_days=ctx.settings.stale_after_days)
    accounts.audit(session, actor=by, action=CREATED, entity="assessment",
                   entity_id=view.id, before=None, after={
                       "firm_id": view.firm_id, "stage": str(view.stage),
                       "assessed_on": view.assessed_on.isoformat(),
                       "assessor": view.assessor, "status": str(view.status),
                       "values": view.values, "submission_key": key or None,
                       "screening": None if view.screening is None else
                       view.screening.model_dump(mode="json")})
    return RedirectResponse(f"/assessments/{view.id}?saved=1", status_code=303)


def _created_with(session: Session, actor: str, key: str) -> str | None:
    """The assessment this account already created from the submission ``key`` (offline.js
    gives each submission one, so a retry after a lost answer creates nothing new)."""
    recent = session.scalars(select(AuditRow).where(
        AuditRow.actor == actor, AuditRow.action == CREATED).order_by(
        AuditRow.id.desc()).limit(500))
    return next((row.entity_id for row in recent
                 if (row.after or {}).get("submission_key") == key), None)


@router.get("/assessments/{assessment_id}")
def assessment_page(assessment_id: str, request: Request, who: PageWho, session: DB,
                    ctx: Ctx, saved: int = 0) -> Response:
    """One assessment, for accounts that may read the firm's raw data."""
    view = svc.show(session, ctx.catalog, assessment_id, ctx.settings.stale_after_days)
    allow(who, Action.READ_RAW, view.firm_id)
    rows = []
    for kind, items in view.values.items():
        for item, value in items.items():
            rows.append(_value_row(ctx.catalog, kind, item, value))
    questions = {q.id: q for q in ctx.catalog.screening}
    return render(request, "assess_show.html.j2", {
        "who": who, "view": view, "rows": rows, "questions": questions,
        "stage_words": STAGE_WORDS, "status_words": STATUS_WORDS,
        "maturity_words": {int(m): w for m, w in MATURITY_WORDS.items()},
        "saved": bool(saved), "firm": get_firm(session, view.firm_id)})


def _value_row(catalog: Catalog, kind: str, item: str, value: float) -> dict[str, Any]:
    lang = current_language()
    if kind == ItemKind.METRIC:
        try:
            metric = catalog.metric(item)
            return {"name": metric.name.get(lang), "value": value,
                    "unit": metric.unit_label(lang), "maturity": None}
        except KeyError:
            pass
    else:
        try:
            return {"name": catalog.practice(item).name.get(lang), "value": value,
                    "unit": _("maturity 0-3"), "maturity": int(value)}
        except KeyError:
            pass
    return {"name": item, "value": value, "unit": "", "maturity": None}
