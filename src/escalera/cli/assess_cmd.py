"""``escalera assess ...``: the assessment workflow from the command line.

create -> record -> submit -> review -> finalise; return (send back), dispute, resolve,
correct (a new version of a final assessment), show, plan (what to measure) and screening.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from escalera.cli.common import (
    app_context,
    console,
    firm_id_argument,
    json_option,
    parse_day,
    print_json,
)
from escalera.domain.assessment_scope import Item
from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.lifecycle import DisputeStatus
from escalera.domain.observation_rules import InvalidObservation
from escalera.domain.screening import InvalidScreening, Outcome
from escalera.errors import N_
from escalera.i18n import _, current_language
from escalera.ingest.numbers import CellError, parse_number
from escalera.ingest.text import fold
from escalera.ingest.validate_assessments import item_index
from escalera.ingest.vocab import FALSE_WORDS, MATURITIES, TRUE_WORDS
from escalera.services import assessments as svc
from escalera.services.assessments import AssessmentView

Values = dict[tuple[ItemKind, str], float]


def register(app: typer.Typer) -> None:
    """Add the ``assess`` group to ``app``."""
    group = typer.Typer(help=_("Assessments: screening, diagnostic, follow-up and random "
                               "inspection, from draft to final."), no_args_is_help=True)
    app.add_typer(group, name="assess")
    by_help = _("Who does this (name), for the history.")
    id_help = _("Assessment id, e.g. A-20261127-00000001.")
    pairs_help = _("Values as item=value: a metric or practice id or name, e.g. "
                   "on_time_delivery_pct=92 or \"inspección final\"=documentada.")

    @group.command("create", help=_("Start a draft assessment of a firm, optionally with "
                                      "values."))
    def create(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        stage: Stage = typer.Option(..., "--stage", help=_("Kind of visit.")),
        date: str = typer.Option(None, "--date",
                                 help=_("Date of the visit (YYYY-MM-DD); default today.")),
        assessor: str = typer.Option(..., "--assessor", help=_("Who assessed the firm.")),
        value: list[str] = typer.Option([], "--value", help=pairs_help),
        notes: str = typer.Option("", "--notes", help=_("Evidence notes.")),
        by: str = typer.Option("", "--by", help=by_help),
        json_out: bool = json_option(),
    ) -> None:
        context = app_context(ctx)
        values = parse_values(context.catalog, value)
        with context.transaction() as session:
            view = svc.create(session, context.catalog, firm_id=firm_id, stage=stage,
                              assessed_on=parse_day(date), assessor=assessor, values=values,
                              notes=notes, by=by or assessor,
                              stale_after_days=context.settings.stale_after_days)
        _out(view, context.catalog, json_out)

    @group.command("record", help=_("Record or overwrite values of a draft assessment."))
    def record(
        ctx: typer.Context,
        assessment_id: str = typer.Argument(..., help=id_help),
        pairs: list[str] = typer.Argument(None, help=pairs_help),
        notes: str = typer.Option(None, "--notes", help=_("Replace the evidence notes.")),
        json_out: bool = json_option(),
    ) -> None:
        context = app_context(ctx)
        values = parse_values(context.catalog, pairs or [])
        with context.transaction() as session:
            view = svc.record(session, context.catalog, assessment_id, values, notes,
                              context.settings.stale_after_days)
        _out(view, context.catalog, json_out)

    @group.command("submit", help=_("Hand a draft in for review."))
    def submit(ctx: typer.Context,
               assessment_id: str = typer.Argument(..., help=id_help),
               by: str = typer.Option("", "--by", help=by_help),
               json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.submit(session, context.catalog, assessment_id, by,
                              stale_after_days=context.settings.stale_after_days)
        _out(view, context.catalog, json_out)

    @group.command("review", help=_("Mark a submitted assessment as reviewed."))
    def review(ctx: typer.Context,
               assessment_id: str = typer.Argument(..., help=id_help),
               by: str = typer.Option("", "--by", help=by_help),
               json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.review(session, context.catalog, assessment_id, by,
                              single_person=context.settings.single_person_review)
        _out(view, context.catalog, json_out)

    @group.command("finalise", help=_("Make a reviewed assessment final: it becomes evidence "
                                        "and is never edited again."))
    def finalise(ctx: typer.Context,
                 assessment_id: str = typer.Argument(..., help=id_help),
                 by: str = typer.Option("", "--by", help=by_help),
                 json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.finalise(session, context.catalog, assessment_id, by,
                                single_person=context.settings.single_person_review)
        _out(view, context.catalog, json_out)

    @group.command("return", help=_("Send a submitted or reviewed assessment back to its "
                                      "assessor as a draft."))
    def send_back(ctx: typer.Context,
                  assessment_id: str = typer.Argument(..., help=id_help),
                  note: str = typer.Option("", "--note", help=_("What to fix.")),
                  by: str = typer.Option("", "--by", help=by_help),
                  json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.send_back(session, context.catalog, assessment_id, by, note)
        _out(view, context.catalog, json_out)

    @group.command("dispute", help=_("The firm disputes a final assessment (within "
                                       "ESCALERA_DISPUTE_WINDOW_DAYS of it becoming final)."))
    def dispute(ctx: typer.Context,
                assessment_id: str = typer.Argument(..., help=id_help),
                reason: str = typer.Option(..., "--reason", help=_("Why the firm disagrees.")),
                by: str = typer.Option("", "--by", help=_(
                    "Who opens it for the firm (name), for the history.")),
                json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.dispute(session, context.catalog, assessment_id, reason,
                               context.settings.dispute_window_days, by=by)
        _out(view, context.catalog, json_out)

    @group.command("resolve", help=_("Resolve the open dispute of an assessment as upheld or "
                                       "rejected."))
    def resolve(ctx: typer.Context,
                assessment_id: str = typer.Argument(..., help=id_help),
                upheld: bool = typer.Option(..., "--upheld/--rejected",
                                            help=_("Whether the firm was right.")),
                resolution: str = typer.Option(..., "--resolution",
                                               help=_("The decision and why.")),
                by: str = typer.Option("", "--by", help=by_help),
                json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        outcome = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
        with context.transaction() as session:
            view = svc.resolve(session, context.catalog, assessment_id, outcome, resolution,
                               by, single_person=context.settings.single_person_review)
        _out(view, context.catalog, json_out)

    @group.command("correct", help=_("Correct a final assessment: a new draft version with "
                                       "these values changed; the old one is kept."))
    def correct(
        ctx: typer.Context,
        assessment_id: str = typer.Argument(..., help=id_help),
        pairs: list[str] = typer.Argument(None, help=pairs_help),
        notes: str = typer.Option(None, "--notes", help=_("Replace the evidence notes.")),
        by: str = typer.Option("", "--by", help=by_help),
        json_out: bool = json_option(),
    ) -> None:
        context = app_context(ctx)
        values = parse_values(context.catalog, pairs or [])
        with context.transaction() as session:
            view = svc.correct(session, context.catalog, assessment_id, values, notes, by,
                               stale_after_days=context.settings.stale_after_days)
        _out(view, context.catalog, json_out)

    @group.command("show", help=_("An assessment: values, status history, disputes and "
                                    "versions."))
    def show(ctx: typer.Context,
             assessment_id: str = typer.Argument(..., help=id_help),
             json_out: bool = json_option()) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            view = svc.show(session, context.catalog, assessment_id,
                            context.settings.stale_after_days)
        _out(view, context.catalog, json_out)

    @group.command("plan", help=_("What a visit must measure: for a follow-up, the "
                                    "requirements unmet at the firm's last final "
                                    "assessment."))
    def plan(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        stage: Stage = typer.Option(Stage.FOLLOW_UP, "--stage", help=_("Kind of visit.")),
        on: str = typer.Option(None, "--on",
                               help=_("Date of the visit (YYYY-MM-DD); default today.")),
        json_out: bool = json_option(),
    ) -> None:
        context = app_context(ctx)
        with context.transaction() as session:
            items = svc.plan(session, context.catalog, firm_id, stage, parse_day(on),
                             context.settings.stale_after_days)
        if json_out:
            print_json([{"kind": str(k), "item": i, "name": _name(context.catalog, (k, i))}
                        for k, i in items])
            return
        if not items:
            console.print(_("Nothing to measure for this visit."))
            return
        table = Table(title=_("To measure"))
        table.add_column(_("Item"))
        table.add_column(_("Unit"))
        for item in items:
            table.add_row(_name(context.catalog, item), _unit(context.catalog, item))
        console.print(table)

    @group.command("screening", help=_("Record a half-day screening: checklist answers, then "
                                         "proceed to a diagnostic or not now, with reasons."))
    def screening(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        answer: list[str] = typer.Option([], "--answer",
                                         help=_("question=answer: yes/no (sí/no) or 0-3.")),
        date: str = typer.Option(None, "--date",
                                 help=_("Date of the visit (YYYY-MM-DD); default today.")),
        assessor: str = typer.Option(..., "--assessor", help=_("Who assessed the firm.")),
        notes: str = typer.Option("", "--notes", help=_("Evidence notes.")),
        json_out: bool = json_option(),
    ) -> None:
        context = app_context(ctx)
        answers = parse_answers(answer)
        with context.transaction() as session:
            view = svc.screen(session, context.catalog, firm_id=firm_id,
                              assessed_on=parse_day(date), assessor=assessor,
                              answers=answers, notes=notes, by=assessor)
        _out(view, context.catalog, json_out)


def _split(text: str) -> tuple[str, str]:
    key, sep, value = text.rpartition("=")
    if not sep or not key.strip() or not value.strip():
        raise InvalidObservation(N_("{text!r}: expected item=value"), text=text)
    return key.strip(), value.strip()


def parse_values(catalog: Catalog, pairs: list[str]) -> Values:
    """``item=value`` pairs typed by an assessor -> values (checked later by the service).
    Items by id or Spanish/English name; maturities as 0-3 or a word (documentada)."""
    index = item_index(catalog)
    values: Values = {}
    for pair in pairs:
        key, text = _split(pair)
        entry = index.get(fold(key))
        if entry is None:
            raise InvalidObservation(N_("{item}: not a metric or practice of the catalog"),
                                     item=key)
        if entry[0] is ItemKind.PRACTICE and fold(text) in MATURITIES:
            values[entry] = float(MATURITIES[fold(text)])
            continue
        try:
            values[entry] = parse_number(text).value
        except CellError:
            raise InvalidObservation(N_("{item}: {value!r} is not a number"), item=key,
                                     value=text) from None
    return values


def parse_answers(pairs: list[str]) -> dict[str, int]:
    """``question=answer`` pairs: yes/no words or a whole number."""
    answers: dict[str, int] = {}
    for pair in pairs:
        key, text = _split(pair)
        word = fold(text)
        if word.isdigit():
            answers[key] = int(word)
        elif word in TRUE_WORDS:
            answers[key] = 1
        elif word in FALSE_WORDS:
            answers[key] = 0
        else:
            raise InvalidScreening(N_("{item}: answer yes/no or 0-3, got {value!r}"),
                                   item=key, value=text)
    return answers


def view_to_json(view: AssessmentView) -> dict[str, Any]:
    """The ``--json`` shape of an assessment."""
    data = view.model_dump(mode="json")
    data["missing"] = [{"kind": str(k), "item": i} for k, i in view.missing]
    return data


def _name(catalog: Catalog, item: Item) -> str:
    kind, item_id = item
    lang = current_language()
    try:
        entry = catalog.metric(item_id) if kind is ItemKind.METRIC else \
            catalog.practice(item_id)
    except KeyError:
        return item_id
    return entry.name.get(lang)


def _unit(catalog: Catalog, item: Item) -> str:
    kind, item_id = item
    if kind is ItemKind.PRACTICE:
        return _("maturity 0-3")
    try:
        return catalog.metric(item_id).unit_label(current_language())
    except KeyError:
        return ""


def _status(status: str) -> str:
    labels = {"draft": _("draft"), "submitted": _("submitted"), "reviewed": _("reviewed"),
              "final": _("final"), "superseded": _("superseded"), "open": _("open"),
              "upheld": _("upheld"), "rejected": _("rejected")}
    return labels.get(status, status)


def _stage(stage: Stage) -> str:
    return {Stage.SCREENING: _("screening"), Stage.DIAGNOSTIC: _("diagnostic"),
            Stage.FOLLOW_UP: _("follow-up"),
            Stage.RANDOM_INSPECTION: _("random inspection")}[stage]


def _out(view: AssessmentView, catalog: Catalog, json_out: bool) -> None:
    if json_out:
        print_json(view_to_json(view))
    else:
        render(view, catalog)


def render(view: AssessmentView, catalog: Catalog) -> None:
    """Rich rendering of one assessment."""
    lang = current_language()
    console.print(f"[bold]{view.id}[/bold]  {_stage(view.stage)}  ·  {view.firm_id}  ·  "
                  f"{view.assessed_on.isoformat()}  ·  {view.assessor}")
    console.print(_("Status: {status} (version {version})").format(
        status=_status(view.status), version=view.version))
    if view.notes:
        console.print(_("Notes: {notes}").format(notes=view.notes), highlight=False)
    rows = [((ItemKind(kind), item), value)
            for kind, items in view.values.items() for item, value in items.items()]
    if rows:
        table = Table(title=_("Values"))
        for header in (_("Item"), _("Value"), _("Unit")):
            table.add_column(header)
        for item, value in rows:
            table.add_row(_name(catalog, item), f"{value:,.4g}", _unit(catalog, item))
        console.print(table)
    if view.missing:
        console.print(_("Still to measure: {items}").format(
            items=", ".join(_name(catalog, i) for i in view.missing)))
    if view.screening is not None:
        questions = {q.id: q for q in catalog.screening}
        outcome = _("proceed to the diagnostic") if view.screening.outcome is Outcome.PROCEED \
            else _("not now")
        label = _("Screening")
        console.print(f"[bold]{label}:[/bold] {outcome}")
        for reason in view.screening.reasons:
            text = questions[reason].reason.get(lang) if reason in questions else reason
            console.print(f"  - {text}", highlight=False)
    if view.history:
        table = Table(title=_("History"))
        for header in (_("When"), _("From"), _("To"), _("By"), _("Note")):
            table.add_column(header)
        for change in view.history:
            by = change.by + (" " + _("(same person who recorded it)")
                              if change.same_person else "")
            table.add_row(change.at.strftime("%Y-%m-%d %H:%M"),
                          _status(change.from_status) if change.from_status else "—",
                          _status(change.to_status), by, change.note)
        console.print(table)
    for d in view.disputes:
        console.print(_("Dispute opened {day}: {reason} — {status}").format(
            day=d.opened_on.isoformat(), reason=d.reason, status=_status(d.status)),
            highlight=False)
        if d.resolution:
            console.print(f"  {d.resolution}", highlight=False)
    if len(view.versions) > 1:
        console.print(_("Versions: {versions}").format(versions=", ".join(
            f"{v.id} (v{v.version}, {_status(v.status)})" for v in view.versions)))
