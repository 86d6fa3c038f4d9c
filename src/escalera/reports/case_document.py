"""The case seminar document: a program's success or failure as people read it (Jinja2,
autoescaped, Spanish or English) — the rule and why this firm, its profile without its name,
its path and its gaps over time, the program's activities with it, and questions for the
discussion. Also the rule and its picks in words for the CLI and the web pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
from markupsafe import Markup, escape

from escalera.analytics.peer_groups import size_band
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import Status
from escalera.domain.firms import Firm
from escalera.domain.measures import Direction
from escalera.domain.products import product_label
from escalera.domain.program_cases import (
    BELOW_FIRST_LEVEL,
    NOT_ASSESSED,
    CasePick,
    NoCase,
    level_rank,
)
from escalera.domain.program_followup import funnel
from escalera.domain.programs import (
    FUNNEL,
    Activity,
    ActivityKind,
    Program,
    Shortfall,
    shortfall_gap,
)
from escalera.i18n import _, current_language
from escalera.presentation import item_label, number, role_label
from escalera.reports.program_report import (
    ACTIVITY_LABELS,
    TYPE_LABELS,
    _environment,
    label,
    level_name,
    shortfall_text,
    standard_text,
)

if TYPE_CHECKING:
    from escalera.services.program_cases import Step


@dataclass(frozen=True)
class CaseData:
    """What the service gathered for one case (see :mod:`services.program_cases`)."""

    program: Program
    summary: dict[str, Any]
    which: str
    pick: CasePick
    by_rule: bool  # the rule's own pick
    qualifies: bool  # meets the rule's conditions (a firm named by hand may not)
    firm: Firm
    steps: list[Step]  # date order, the admission first
    activities: list[Activity]
    today: dt.date
    ladder: str
    levels: list[str]


# --------------------------------------------------------------------------- words


def rule_text() -> str:
    """The picking rule in words (current language)."""
    return _("Success: a participant that met the target standard on an assessment up to the "
             "target date, not having met it when admitted; the largest climb wins (most "
             "levels gained, then most requirements closed that were short at entry, then the "
             "fewest days, then the firm id). Failure: a participant that did not reach the "
             "target by the target date, was assessed after it and is still short of it on "
             "its latest assessment; the least progress wins (fewest levels gained, then most "
             "requirements still short, then the firm id). A participant without an "
             "assessment after the target date, or whose latest evidence is not current, is "
             "never picked as a failure: missing data is not failure.")


def level_label(catalog: Catalog, ladder: str, level: str) -> str:
    """A level of the target's ladder, or below the first level, or not assessed."""
    if level == NOT_ASSESSED:
        return _("not assessed")
    if level == BELOW_FIRST_LEVEL:
        return _("below the first level")
    return level_name(catalog, ladder, level)


def _target(catalog: Catalog, program: Program) -> str:
    """The target in a few words: its level, else its thresholds."""
    from escalera.store.programs import standard_to_json

    target = program.target
    if target.is_level and not target.thresholds:
        return level_name(catalog, target.ladder, target.level)
    return standard_text(catalog, standard_to_json(target))


def _gained(value: int | None) -> str:
    return _("not known") if value is None else f"{value:+d}"


def why_text(catalog: Catalog, program: Program, pick: CasePick, which: str,
             ladder: str) -> str:
    """Why the rule picked this firm, with the facts it used (current language)."""
    facts = {"on": pick.on.isoformat(), "days": pick.days,
             "entry": level_label(catalog, ladder, pick.entry_level),
             "level": level_label(catalog, ladder, pick.level),
             "gained": _gained(pick.levels_gained), "target": _target(catalog, program),
             "target_date": program.target_date.isoformat(), "at_entry": pick.gaps_at_entry,
             "closed": pick.gaps_at_entry - pick.gaps_now, "now": pick.gaps_now}
    if which == "success":
        return _("Met the target ({target}) on {on}, {days} days after admission: from "
                 "{entry} to {level} (levels gained: {gained}); requirements closed that "
                 "were short at entry: {closed} of {at_entry}.").format(**facts)
    return _("Assessed on {on}, after the target date ({target_date}), and still short of "
             "the target ({target}) on {now} requirements: from {entry} at admission to "
             "{level} (levels gained: {gained}).").format(**facts)


def by_hand_text(catalog: Catalog, pick: CasePick, ladder: str) -> str:
    """A participant named by hand that the rule would not pick."""
    return _("Chosen by hand, not by the rule (the rule would not pick it). Latest assessment "
             "on {on}: from {entry} to {level} (levels gained: {gained}); requirements of "
             "the target short at entry: {at_entry}, on that date: {now}.").format(
        on=pick.on.isoformat(), entry=level_label(catalog, ladder, pick.entry_level),
        level=level_label(catalog, ladder, pick.level), gained=_gained(pick.levels_gained),
        at_entry=pick.gaps_at_entry, now=pick.gaps_now)


def none_text(reason: NoCase, program: Program) -> str:
    """Why nothing qualifies (current language)."""
    date = program.target_date.isoformat()
    return {
        NoCase.NO_PARTICIPANTS: _("the program has no admitted participants."),
        NoCase.NONE_REACHED: _("no participant met the target standard on an assessment up "
                               "to the target date ({date}).").format(date=date),
        NoCase.ONLY_AT_ENTRY: _("the participants that met the target already met it when "
                                "admitted; none climbed to it."),
        NoCase.TARGET_DATE_AHEAD: _("the target date ({date}) has not passed yet; no "
                                    "participant can have failed.").format(date=date),
        NoCase.NO_FOLLOW_UP: _("the participants short of the target have no assessment "
                               "with current evidence after the target date ({date}); "
                               "missing data is not failure.").format(date=date),
        NoCase.ALL_REACHED: _("every participant assessed after the target date ({date}) "
                              "reached the target or meets it now.").format(date=date),
    }[reason]


def _size(employees: int | None) -> str:
    band = pl.select(size_band(pl.lit(employees, dtype=pl.Int64))).item()
    return {"micro": _("micro (up to 10 employees)"), "small": _("small (11-50 employees)"),
            "medium": _("medium (51-250 employees)"), "large": _("large (over 250 employees)"),
            }.get(band, _("size unknown"))


# --------------------------------------------------------------------------- gaps


def _mark(status: Status) -> str:
    return {Status.MET: "✓", Status.UNMET: "✗", Status.NOT_ASSESSED: "—"}[status]


def _end_state(first: Status | None, last: Status | None) -> str:
    if last is Status.UNMET:
        return _("still open")
    if last is Status.MET:
        return _("closed") if first is Status.UNMET else _("met")
    return _("no current evidence")


def gap_rows(catalog: Catalog, steps: list[Step]) -> list[dict[str, Any]]:
    """Each requirement of the target: value and verdict at each date, required, end state."""
    keys: dict[tuple[Any, str], None] = {}
    for step in steps:
        for r in step.requirements:
            keys.setdefault((r.kind, r.item), None)
    rows = []
    for kind, item in keys:
        name, unit = item_label(catalog, kind, item)
        cells, first, last, required = [], None, None, None
        for step in steps:
            found = next((x for x in step.requirements if (x.kind, x.item) == (kind, item)),
                         None)
            if found is None:
                cells.append({"value": "—", "mark": "", "status": ""})
                continue
            first = first or found.status
            last, required = found.status, found
            cells.append({"value": number(found.current) if found.current is not None else "",
                          "mark": _mark(found.status), "status": str(found.status)})
        sign = "≥" if required is None or required.direction is Direction.HIGHER else "≤"
        rows.append({"name": name, "unit": "" if f"({unit}" in name else unit, "cells": cells,
                     "required": f"{sign} {number(required.required if required else None)}",
                     "end": _end_state(first, last), "end_status": str(last)})
    return rows


def _relative(shortfall: Shortfall) -> float:
    gap = shortfall_gap(shortfall)
    return 0.0 if gap is None else gap / (abs(shortfall.required) or 1.0)


def _largest(shortfalls: list[Shortfall]) -> Shortfall | None:
    unmet = [s for s in shortfalls if s.status is Status.UNMET]
    return max(unmet, key=lambda s: (_relative(s), s.item), default=None)


# --------------------------------------------------------------------------- questions


def questions(catalog: Catalog, data: CaseData) -> list[str]:
    """Four to six questions for the discussion, chosen for a success or a failure, the
    firm's largest gap and what the program did with it."""
    kinds = {a.kind for a in data.activities if a.firm_id == data.firm.id}
    entry = list(data.steps[0].judgement.shortfalls)
    now = next(s for s in data.steps if s.point.on == data.pick.on).judgement.shortfalls
    out = []
    if data.which == "success":
        still = {(s.kind, s.item) for s in now if s.status is Status.UNMET}
        closed = _largest([s for s in entry if (s.kind, s.item) not in still])
        if closed is not None:
            out.append(_("Which practice change closed the gap in {item}?").format(
                item=item_label(catalog, closed.kind, closed.item)[0].lower()))
        else:
            out.append(_("Which practice changes made the difference, and in what order were "
                         "they made?"))
        out += [_("What did the program give this firm that it could not have got on its "
                  "own?"),
                _("Which requirement took longest to meet, and what held it back?"),
                _("What in this firm's situation (region, size, products, market segment) "
                  "made the climb easier, and could other participants follow the same "
                  "path?"),
                _("Would the firm have climbed without the program? What would a comparison "
                  "group of similar firms say?")]
        if kinds & {ActivityKind.ORDER, ActivityKind.REPEAT_ORDER}:
            out.append(_("Did the orders come before or after the gaps closed, and what does "
                         "that say about the order in which to help?"))
        elif ActivityKind.CONSULTANT_SESSION in kinds:
            out.append(_("Which of the consultant's recommendations did the firm put into "
                         "practice first, and why those?"))
        elif ActivityKind.CREDIT_DISBURSEMENT in kinds:
            out.append(_("What did the working capital make possible that was not possible "
                         "before?"))
        return out[:6]
    largest = _largest(list(now))
    if largest is not None:
        out.append(_("What stood in the way of closing the gap in {item}?").format(
            item=item_label(catalog, largest.kind, largest.item)[0].lower()))
    out += [_("What would have had to happen for this firm to reach the target by "
              "{date}?").format(date=data.program.target_date.isoformat()),
            _("Was the target within reach for this firm and its market segment, or out of "
              "reach from the start?"),
            _("When did the follow-up first show the firm falling behind, and what could the "
              "program have changed then?"),
            _("What should the program do differently with firms like this one next time?")]
    if kinds & set(FUNNEL):
        out.append(_("Where did the firm's dealings with buyers stop, and why?"))
    elif ActivityKind.CONSULTANT_SESSION in kinds:
        out.append(_("Which of the consultant's recommendations were not put into practice, "
                     "and why?"))
    elif ActivityKind.CREDIT_DISBURSEMENT in kinds:
        out.append(_("Did the working capital arrive when the orders needed it?"))
    return out[:6]


# --------------------------------------------------------------------------- chart


def path_svg(catalog: Catalog, data: CaseData) -> Markup:
    """The level at each date as a small step chart (inline SVG); the target level and the
    target date as dashed lines; dates without a judged level are left out."""
    width, height, left, right, top, bottom = 660, 200, 190, 24, 12, 36
    names = [_("below the first level"),
             *(level_name(catalog, data.ladder, lv) for lv in data.levels)]
    title, target_label = _("Level at each assessment"), _("target date")
    days: list[dt.date] = [s.point.on for s in data.steps]
    first, last = min(days), max(max(days), data.program.target_date)
    span = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return left + (width - left - right) * (day - first).days / span

    def y(rank: float) -> float:
        return top + (height - top - bottom) * (1 - rank / max(len(names) - 1, 1))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for rank, name in enumerate(names):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(rank):.1f}" '
                     f'y2="{y(rank):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(rank) + 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="#333">{escape(name)}</text>')
    target = data.program.target
    if target.is_level and target.ladder == data.ladder:
        goal = level_rank(str(target.level), data.levels)
        if goal is not None:
            parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(goal):.1f}" '
                         f'y2="{y(goal):.1f}" stroke="#1e8449" stroke-dasharray="6 4"/>')
    tx = x(data.program.target_date)
    parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{height - bottom}" '
                 f'stroke="#8a3b00" stroke-dasharray="4 4"/>'
                 f'<text x="{tx:.1f}" y="{height - bottom + 28}" font-size="10" '
                 f'text-anchor="middle" fill="#8a3b00">{escape(target_label)}</text>')
    points = [(x(s.point.on), y(r)) for s in data.steps
              if (r := level_rank(s.point.level, data.levels)) is not None]
    if points:
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#2c3e50" '
                     f'stroke-width="2"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#c0392b"/>'
                  for px, py in points]
    for day, anchor in ((first, "start"), (last, "end")):
        parts.append(f'<text x="{x(day):.1f}" y="{height - bottom + 14}" font-size="10" '
                     f'text-anchor="{anchor}" fill="#333">{day.isoformat()}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


MAX_GAP_COLUMNS = 5


def gap_columns(steps: list[Step], keep: dt.date) -> list[int]:
    """Which dates the gap table shows (it must fit a printed page): all of them up to
    :data:`MAX_GAP_COLUMNS`; else the admission, ``keep`` (the date the rule read), the
    last, and the others spread evenly between them."""
    n = len(steps)
    if n <= MAX_GAP_COLUMNS:
        return list(range(n))
    fixed = {0, n - 1, *(i for i, s in enumerate(steps) if s.point.on == keep)}
    rest = [i for i in range(n) if i not in fixed]
    room = MAX_GAP_COLUMNS - len(fixed)
    spread = {rest[round(k * (len(rest) - 1) / max(room - 1, 1))] for k in range(room)}
    return sorted(fixed | spread)


# --------------------------------------------------------------------------- page


def _meets_text(value: bool | None) -> str:
    return _("yes") if value else _("no") if value is False else _("cannot say")


def _activity_rows(data: CaseData) -> list[dict[str, Any]]:
    return [{"on": a.on.isoformat(), "kind": label(ACTIVITY_LABELS, a.kind),
             "buyer": a.buyer, "units": a.units, "amount": a.amount, "note": a.note,
             "whole_program": a.firm_id is None}
            for a in sorted(data.activities, key=lambda a: (a.on, str(a.kind)))
            if a.firm_id in (None, data.firm.id)]


def _funnel_rows(activities: list[Activity]) -> list[dict[str, Any]]:
    return [{"stage": label(ACTIVITY_LABELS, s.stage), "pairs": s.pairs,
             "conversion": s.conversion} for s in funnel(activities)]


def render_case_document(catalog: Catalog, data: CaseData) -> str:
    """The case document as a standalone, printable HTML page in the current language."""
    lang = current_language()
    segments = {s.id: s.name.get(lang) for s in catalog.segments}
    program, firm = data.program, data.firm
    mine = [a for a in data.activities if a.firm_id == firm.id]
    last = data.steps[-1].judgement
    shown = [data.steps[i] for i in gap_columns(data.steps, data.pick.on)]
    if data.by_rule:
        why = why_text(catalog, program, data.pick, data.which, data.ladder)
    elif data.qualifies:
        why = " ".join((_("Chosen by hand: it meets the rule's conditions, but the rule "
                          "ranks another participant first."),
                        why_text(catalog, program, data.pick, data.which, data.ladder)))
    else:
        why = by_hand_text(catalog, data.pick, data.ladder)
    return _environment().get_template("case_document.html.j2").render(
        p=program, lang=lang, which=data.which, today=data.today.isoformat(),
        title=_("Success case") if data.which == "success" else _("Failure case"),
        type_label=label(TYPE_LABELS, program.type),
        admission=standard_text(catalog, data.summary["admission"]),
        target=standard_text(catalog, data.summary["target"]),
        entry_segment=segments.get(program.entry_segment or "", "—"),
        target_segment=segments.get(program.target_segment or "", "—"),
        admitted=data.summary["admitted"], rule=rule_text(), why=why,
        profile={"roles": ", ".join(role_label(r) for r in firm.roles),
                 "region": firm.state,
                 "products": ", ".join(product_label(p, lang) for p in firm.products) or "—",
                 "size": _size(firm.employees)},
        path=[{"on": s.point.on.isoformat(), "admission": i == 0,
               "level": level_label(catalog, data.ladder, s.point.level),
               "meets": _meets_text(s.point.meets_target), "open": s.point.open_gaps,
               "unknown": sum(x.status is Status.NOT_ASSESSED
                              for x in s.judgement.shortfalls)}
              for i, s in enumerate(data.steps)],
        chart=path_svg(catalog, data), dates=[s.point.on.isoformat() for s in shown],
        gaps=gap_rows(catalog, shown), all_dates=len(data.steps),
        open_now=[shortfall_text(catalog, s, program.target.ladder) for s in last.shortfalls],
        last_on=data.steps[-1].point.on.isoformat(),
        activities=_activity_rows(data), firm_funnel=_funnel_rows(mine),
        program_funnel=_funnel_rows(data.activities),
        questions=questions(catalog, data))
