"""Development programs: the list and a new program's form; a program's page (what it is,
who was admitted or refused and why, the activities and the funnel records, the
follow-ups due or overdue, admitting firms, recording activities); its evaluation inside
the site's layout and as a standalone report (HTML or PDF).

Everyone signed in reads the list and what a program is (its admission standard tells a
producer what it takes to enter); participants, refusals, activities and the evaluation
are for program managers and admins (``EVALUATE_PROGRAMS``), and only they change a
program (``MANAGE_PROGRAMS``). Every rule is the services' (``services.programs``,
``services.program_evaluation``); every change writes an audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.permissions import Action, Principal, can
from escalera.domain.programs import (
    Activity,
    ActivityKind,
    Program,
    ProgramError,
    ProgramType,
    parse_standard,
    program_window,
)
from escalera.errors import N_, EscaleraError
from escalera.i18n import _, current_language
from escalera.reports.program_report import (
    ACTIVITY_LABELS,
    FOLLOW_UP_LABELS,
    TYPE_LABELS,
    label,
    level_name,
    money,
    standard_text,
)
from escalera.services import accounts, program_cases
from escalera.services import program_evaluation as evaluation
from escalera.services import programs as svc
from escalera.services.context import AppContext
from escalera.store import programs as store
from escalera.web.api.charts import Day
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.pages.assess import Form, check_csrf
from escalera.web.templating import render

router = APIRouter()
Ctx = Annotated[AppContext, Depends(context)]
ProgramId = Annotated[str, Path(max_length=40)]
MAX_FIRMS_PER_ADMISSION = 200
FORMATS = ("html", "pdf")

# Form fields of a new program, and where the service's error about each is shown.
ERROR_FIELDS = {"admission": "admission_level", "admission_threshold": "admission_thresholds",
                "target": "target_level", "target_threshold": "target_thresholds"}


def _error(exc: EscaleraError, fields: set[str], prefix: str = "") -> dict[str, str]:
    """A domain error placed beside the form field it is about (its ``field`` parameter or
    the word before the first colon of its template, which the text then drops), else at
    the top of the form (``form``)."""
    named = str(exc.params.get("field") or exc.message.partition(":")[0])
    named = ERROR_FIELDS.get(named, named)
    text = str(exc)
    if named not in fields:
        return {f"{prefix}form": text}
    head, sep, rest = text.partition(": ")
    return {f"{prefix}{named}": rest if sep and " " not in head else text}


def _day(values: dict[str, str], name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(values.get(name, ""))
    except ValueError:
        raise ProgramError(N_("{field}: expected a date as YYYY-MM-DD, got {value!r}"),
                           field=name, value=values.get(name, "")) from None


def _values(form: Any) -> dict[str, str]:
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def _levels(catalog: Catalog) -> list[tuple[str, str]]:
    lang = current_language()
    return [(f"{ladder.id}:{lv.id}", f"{ladder.name.get(lang)}: {lv.name.get(lang)}")
            for ladder in catalog.ladders for lv in ladder.levels]


# --------------------------------------------------------------------------- the list


def _list_page(request: Request, session: Session, ctx: AppContext, who: Principal,
               values: dict[str, str], errors: dict[str, str], status_code: int = 200
               ) -> Response:
    lang = current_language()
    catalog = ctx.catalog
    rows = svc.list_programs(session)
    for row in rows:
        row["type_label"] = label(TYPE_LABELS, row["type"])
    return render(request, "programs.html.j2", {
        "rows": rows, "values": values, "errors": errors,
        "types": [(t.value, label(TYPE_LABELS, t)) for t in ProgramType],
        "levels": _levels(catalog),
        "segments": [(s.id, s.name.get(lang)) for s in catalog.segments],
        "metrics": [(m.id, m.name.get(lang)) for m in catalog.metrics],
        "practices": [(p.id, p.name.get(lang)) for p in catalog.practices],
    }, status_code=status_code)


def _new_defaults() -> dict[str, str]:
    today = dt.date.today()
    return {"starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=180)).isoformat(),
            "target_date": (today + dt.timedelta(days=540)).isoformat(), "currency": "MXN",
            "type": ProgramType.CONSULTANT_PROGRAM.value}


@router.get("/programs")
def programs_page(request: Request, who: PageWho, session: DB, ctx: Ctx) -> Response:
    """Every program; the form for a new one (program managers, admins)."""
    allow(who, Action.READ_PROFILES)
    return _list_page(request, session, ctx, who, _new_defaults(), {})


def _lines(text: str) -> list[str]:
    return [part.strip() for line in text.splitlines() for part in line.split(";")
            if part.strip()]


def _read_program(values: dict[str, str], catalog: Catalog) -> Program:
    """The program the form describes; a ProgramError names the field at fault."""
    dates: dict[str, dt.date] = {}
    for name in ("starts_on", "ends_on", "target_date"):
        dates[name] = _day(values, name)
    try:
        budget = float(values.get("budget", "").replace(",", "") or "0")
    except ValueError:
        raise ProgramError(N_("{field}: {value!r} is not a number"), field="budget",
                           value=values.get("budget", "")) from None
    try:
        kind = ProgramType(values.get("type", ""))
    except ValueError:
        raise ProgramError(N_("{field}: {value!r} is not one of {choices}"), field="type",
                           value=values.get("type", ""),
                           choices=", ".join(t.value for t in ProgramType)) from None
    return Program(
        id=values.get("id", ""), name=values.get("name", ""), type=kind,
        sponsor=values.get("sponsor", ""), description=values.get("description", ""),
        budget=budget, currency=values.get("currency", "MXN") or "MXN",
        admission=parse_standard(values.get("admission_level") or None,
                                 _lines(values.get("admission_thresholds", "")),
                                 "admission", catalog),
        target=parse_standard(values.get("target_level") or None,
                              _lines(values.get("target_thresholds", "")), "target", catalog),
        entry_segment=values.get("entry_segment") or None,
        target_segment=values.get("target_segment") or None, **dates)


@router.post("/programs")
def create_program(request: Request, who: PageWho, session: DB, ctx: Ctx,
                   form: Form) -> Response:
    """Create a program after the service's checks; nothing is stored when one fails."""
    check_csrf(request, form)
    allow(who, Action.MANAGE_PROGRAMS)
    values = _values(form)
    try:
        with session.begin_nested():
            program = svc.create(session, ctx.catalog, _read_program(values, ctx.catalog))
    except EscaleraError as exc:
        return _list_page(request, session, ctx, who, values, _error(exc, set(values)), 422)
    accounts.audit(session, actor=who.username, action="program.create", entity="program",
                   entity_id=program.id,
                   after=svc.program_summary(program, admitted=0, refused=0))
    return RedirectResponse(f"/programs/{program.id}?created=1", status_code=303)


# --------------------------------------------------------------------------- one program


def _program_page(request: Request, session: Session, ctx: AppContext, who: Principal,
                  program_id: str, values: dict[str, str], errors: dict[str, str],
                  notice: str = "", status_code: int = 200) -> Response:
    catalog = ctx.catalog
    program = store.get_program(session, program_id)
    lang = current_language()
    segments = {s.id: s.name.get(lang) for s in catalog.segments}
    data: dict[str, Any] = {
        "p": program, "type_label": label(TYPE_LABELS, program.type),
        "admission": standard_text(catalog, store.standard_to_json(program.admission)),
        "target": standard_text(catalog, store.standard_to_json(program.target)),
        "entry_segment": segments.get(program.entry_segment or "", "—"),
        "target_segment": segments.get(program.target_segment or "", "—"),
        "budget": money(program.budget), "values": values, "errors": errors,
        "notice": notice,
    }
    if can(who, Action.EVALUATE_PROGRAMS):
        decisions = evaluation.decision_rows(catalog, session, program_id)
        activities = sorted(store.activities(session, program_id),
                            key=lambda a: (a.on, str(a.kind)), reverse=True)
        participants = sorted(d["firm_id"] for d in decisions if d["admitted"])
        names = {d["firm_id"]: d["name"] or d["firm_id"] for d in decisions}
        data.update({
            "decisions": decisions, "names": names, "participants": participants,
            "activities": activities, "activity_label": lambda k: label(ACTIVITY_LABELS, k),
            "follow_up_label": lambda k: label(FOLLOW_UP_LABELS, k),
            "level_label": lambda lv: level_name(catalog, program.admission.ladder, lv)
            if lv else "—",
            "follow_ups": evaluation.due_follow_ups(session, program_id, dt.date.today()),
            "kinds": [(k.value, label(ACTIVITY_LABELS, k)) for k in ActivityKind],
            "cases_available": True,
            "admit_on": min(max(dt.date.today(), program.starts_on),
                            program.ends_on).isoformat(),
            "record_on": min(max(dt.date.today(), program_window(program)[0]),
                             program_window(program)[1]).isoformat(),
        })
    return render(request, "program.html.j2", data, status_code=status_code)


@router.get("/programs/{program_id}")
def program_page(request: Request, program_id: ProgramId, who: PageWho, session: DB,
                 ctx: Ctx, created: str = "", admitted: int | None = None,
                 refused: int | None = None, recorded: str = "") -> Response:
    """What a program is; for program managers and admins also its participants,
    activities, follow-ups and forms."""
    allow(who, Action.READ_PROFILES)
    notice = ""
    if created:
        notice = _("Program {id} created.").format(id=program_id)
    elif admitted is not None and refused is not None:
        notice = _("Admitted: {admitted}. Refused: {refused} (the reasons are in the table)."
                   ).format(admitted=admitted, refused=refused)
    elif recorded:
        notice = _("Recorded: {kind}.").format(kind=label(ACTIVITY_LABELS, recorded))
    return _program_page(request, session, ctx, who, program_id, {}, {}, notice)


def _firm_ids(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", " ").split() if part.strip()]


@router.post("/programs/{program_id}/admissions")
def admit_firms(request: Request, program_id: ProgramId, who: PageWho, session: DB,
                ctx: Ctx, form: Form) -> Response:
    """Judge the firms named against the admission standard on the date given; every
    decision is stored (admitted, or refused with its reasons)."""
    check_csrf(request, form)
    allow(who, Action.MANAGE_PROGRAMS)
    values = _values(form)
    firms = _firm_ids(values.get("firms", ""))
    try:
        if len(firms) > MAX_FIRMS_PER_ADMISSION:
            raise ProgramError(N_("firm: at most {most} firms at a time"),
                               most=MAX_FIRMS_PER_ADMISSION)
        on = _day(values, "on")
        with session.begin_nested():
            decisions = svc.admit(session, ctx.catalog, program_id, firms, on,
                                  ctx.settings.stale_after_days)
    except EscaleraError as exc:
        store.get_program(session, program_id)  # an unknown program is a 404, not a form
        return _program_page(request, session, ctx, who, program_id, values,
                             _error(exc, {"firm", "on"}, "admit_"), status_code=422)
    accounts.audit(session, actor=who.username, action="program.admit", entity="program",
                   entity_id=program_id, after={"on": on.isoformat(), "decisions": [
                       {"firm_id": d.firm_id, "admitted": d.admitted} for d in decisions]})
    count = sum(d.admitted for d in decisions)
    return RedirectResponse(f"/programs/{program_id}?admitted={count}"
                            f"&refused={len(decisions) - count}#participants",
                            status_code=303)


def _read_activity(values: dict[str, str]) -> Activity:
    try:
        kind = ActivityKind(values.get("kind", ""))
    except ValueError:
        raise ProgramError(N_("{field}: {value!r} is not one of {choices}"), field="kind",
                           value=values.get("kind", ""),
                           choices=", ".join(k.value for k in ActivityKind)) from None
    on = _day(values, "on")
    numbers: dict[str, Any] = {}
    for name, kind_of in (("amount", float), ("units", int)):
        text = values.get(name, "").replace(",", "")
        if text:
            try:
                numbers[name] = kind_of(text)
            except ValueError:
                raise ProgramError(N_("{field}: {value!r} is not a number"), field=name,
                                   value=values.get(name, "")) from None
    return Activity(kind=kind, on=on, firm_id=values.get("firm") or None,
                    buyer=values.get("buyer", ""), note=values.get("note", ""), **numbers)


@router.post("/programs/{program_id}/activities")
def record_activity(request: Request, program_id: ProgramId, who: PageWho, session: DB,
                    ctx: Ctx, form: Form) -> Response:
    """Record one activity or funnel stage after the service's checks."""
    check_csrf(request, form)
    allow(who, Action.MANAGE_PROGRAMS)
    values = _values(form)
    try:
        activity = _read_activity(values)
        with session.begin_nested():
            svc.record(session, program_id, [activity])
    except EscaleraError as exc:
        store.get_program(session, program_id)
        fields = {"kind", "on", "firm", "buyer", "amount", "units"}
        return _program_page(request, session, ctx, who, program_id, values,
                             _error(exc, fields, "record_"), status_code=422)
    accounts.audit(session, actor=who.username, action="program.record", entity="program",
                   entity_id=program_id, after={
                       "kind": str(activity.kind), "on": activity.on.isoformat(),
                       "firm_id": activity.firm_id, "buyer": activity.buyer,
                       "amount": activity.amount, "units": activity.units,
                       "note": activity.note})
    return RedirectResponse(f"/programs/{program_id}?recorded={activity.kind}#activities",
                            status_code=303)


# --------------------------------------------------------------------------- evaluation


@router.get("/programs/{program_id}/evaluation")
def evaluation_page(request: Request, program_id: ProgramId, who: PageWho, session: DB,
                    ctx: Ctx, on: Day = None) -> Response:
    """The evaluation report inside the site's layout, with its downloads."""
    allow(who, Action.EVALUATE_PROGRAMS)
    day = on or dt.date.today()
    body = evaluation.report(session, ctx.catalog, program_id, day,
                             stale_after_days=ctx.settings.stale_after_days, fragment=True)
    return render(request, "program_evaluation.html.j2", {
        "program_id": program_id, "body": body, "on": day.isoformat(),
        "name": store.get_program(session, program_id).name})


@router.get("/programs/{program_id}/report")
def report_download(program_id: ProgramId, who: PageWho, session: DB, ctx: Ctx,
                    on: Day = None,
                    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html"
                    ) -> Response:
    """The evaluation report as a standalone document to keep or print (HTML or PDF)."""
    allow(who, Action.EVALUATE_PROGRAMS)
    day = on or dt.date.today()
    html = evaluation.report(session, ctx.catalog, program_id, day,
                             stale_after_days=ctx.settings.stale_after_days)
    return _document(html, f"{program_id}-{day.isoformat()}", format)


def _document(html: str, stem: str, format: str) -> Response:
    if format == "pdf":
        from escalera.reports.render import html_to_pdf

        return Response(html_to_pdf(html), media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="{stem}.pdf"'})
    return Response(html, media_type="text/html; charset=utf-8", headers={
        "content-disposition": f'inline; filename="{stem}.html"'})


# --------------------------------------------------------------------------- case seminar kit


@router.get("/programs/{program_id}/cases")
def cases_page(request: Request, program_id: ProgramId, who: PageWho, session: DB, ctx: Ctx,
               on: Day = None) -> Response:
    """The case seminar kit: the rule, the success and the failure it picks, and their
    case documents (HTML or PDF)."""
    allow(who, Action.EVALUATE_PROGRAMS)
    day = on or dt.date.today()
    picks = program_cases.pick_cases(session, ctx.catalog, program_id, day,
                                     stale_after_days=ctx.settings.stale_after_days)
    return render(request, "program_cases.html.j2", {
        "program_id": program_id, "name": store.get_program(session, program_id).name,
        "on": day.isoformat(), "picks": picks})


@router.get("/programs/{program_id}/cases/{which}")
def case_download(program_id: ProgramId,
                  which: Annotated[str, Path(pattern="^(success|failure)$")],
                  who: PageWho, session: DB, ctx: Ctx, on: Day = None,
                  format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html"
                  ) -> Response:
    """One case document (the rule's pick) to hand out at a seminar."""
    allow(who, Action.EVALUATE_PROGRAMS)
    day = on or dt.date.today()
    html = program_cases.case_document(session, ctx.catalog, program_id, which, day,
                                       stale_after_days=ctx.settings.stale_after_days)
    return _document(html, f"{program_id}-{which}", format)
