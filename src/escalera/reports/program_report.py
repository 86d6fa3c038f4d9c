"""A program's evaluation as people read it: refusal reasons in words, labels for types,
activities and follow-ups, and the HTML report (Jinja2, autoescaped, Spanish or English)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import Status
from escalera.domain.evidence import ItemKind
from escalera.domain.measures import Direction
from escalera.domain.products import product_label
from escalera.domain.programs import ActivityKind, Program, ProgramType, Shortfall
from escalera.errors import N_
from escalera.i18n import _, current_language, gettext
from escalera.presentation import item_label, number

TYPE_LABELS = {
    ProgramType.MATCHMAKING_EVENT: N_("matchmaking event"),
    ProgramType.CONSULTANT_PROGRAM: N_("consultant program"),
    ProgramType.TUTELAGE_PARTNERSHIP: N_("tutelage partnership"),
    ProgramType.CREDIT_PILOT: N_("credit pilot"),
    ProgramType.BENCHMARKING_CLUB: N_("benchmarking club or case seminar"),
    ProgramType.BEST_PRACTICE_VISITS: N_("visits to best-practice facilities"),
}
ACTIVITY_LABELS = {
    ActivityKind.BUYER_TEAM_TRIP: N_("buyer-team trip"),
    ActivityKind.RETURN_VISIT: N_("return visit"),
    ActivityKind.BEST_PRACTICE_VISIT: N_("best-practice visit"),
    ActivityKind.CONSULTANT_SESSION: N_("consultant session"),
    ActivityKind.MATCHMAKING_MEETING: N_("matchmaking meetings"),
    ActivityKind.SAMPLE: N_("samples"),
    ActivityKind.QUOTE: N_("quotes"),
    ActivityKind.ORDER: N_("orders"),
    ActivityKind.ON_TIME_DELIVERY: N_("on-time deliveries"),
    ActivityKind.REPEAT_ORDER: N_("repeat orders"),
    ActivityKind.NO_DEAL: N_("no deal"),
    ActivityKind.CREDIT_DISBURSEMENT: N_("credit disbursement"),
    ActivityKind.CREDIT_REPAYMENT: N_("credit repayment"),
}
FOLLOW_UP_LABELS = {
    "assessment_after_admission": N_("assessment after admission"),
    "assessment_after_target": N_("assessment after the target date"),
    "funnel_next_stage": N_("next funnel record"),
    "due": N_("due"), "overdue": N_("overdue"),
}
ASSUMPTION_LABELS = {
    "parallel_trends": N_("Parallel trends: without the program, participants' metrics would "
                          "have moved like the comparison firms'."),
    "no_anticipation": N_("No anticipation: participants did not change before they "
                          "entered."),
    "not_rejected": N_("not rejected by the pre-trends"),
    "rejected": N_("rejected by the pre-trends: read the estimate with care"),
    "untestable": N_("cannot be tested: too few quarters before entry"),
}
NOT_ESTIMATED_LABELS = {
    "no_observations": N_("no observation in the panel"),
    "too_few_firms": N_("fewer than 3 participants observed before and after entry, or fewer "
                        "than 3 comparison firms observed"),
    "no_comparison_group": N_("no comparison group"),
}
VERDICT_LABELS = {
    "detects_small_effects": N_("large enough to detect even a 5 % effect"),
    "detects_large_effects_only": N_("detects a 17 % effect but not a 5 % one"),
    "too_small": N_("too small to detect even a 17 % effect: the estimate cannot judge the "
                    "program"),
}


COVARIATE_LABELS = {
    "level_rank": N_("level (0 below the first, 1 the first, ...)"),
    "state": N_("region"), "first_product": N_("main product"), "size_band": N_("size band"),
}


def covariate_label(name: str) -> str:
    """``state=Puebla`` -> ``región = Puebla``; ``first_product=jeans`` -> ``producto
    principal = pantalones de mezclilla``."""
    column, sep, value = name.partition("=")
    if column == "first_product":
        value = product_label(value, current_language())
    return label(COVARIATE_LABELS, column) + (f" = {value}" if sep else "")


def label(table: dict[Any, str], key: Any) -> str:
    """A label from one of the tables above, in the current language."""
    return gettext(table[key]) if key in table else str(key)


def level_name(catalog: Catalog, ladder: str | None, level: str | None) -> str:
    if ladder is None or level is None:
        return _("the program's threshold")
    try:
        found = catalog.ladder(ladder).levels[catalog.ladder(ladder).level_index(level)]
    except KeyError:
        return level
    return found.name.get(current_language())


def shortfall_text(catalog: Catalog, shortfall: Shortfall, ladder: str | None) -> str:
    """``Entregas a tiempo 78 % < 80 % requerido para Nivel 3``; or, without current
    evidence, that the requirement was not assessed."""
    name, unit = item_label(catalog, shortfall.kind, shortfall.item)
    level = level_name(catalog, ladder, shortfall.level)
    if shortfall.kind is ItemKind.PRACTICE and shortfall.current is None:
        return _("{item}: no current evidence (maturity {required} required for {level})"
                 ).format(item=name, required=number(shortfall.required), level=level)
    if shortfall.status is Status.NOT_ASSESSED or shortfall.current is None:
        return _("{item}: no current evidence ({required} {unit} required for {level})").format(
            item=name, required=number(shortfall.required), unit=unit, level=level)
    if shortfall.kind is ItemKind.PRACTICE:
        return _("{item}: maturity {current} < {required} required for {level}").format(
            item=name, current=number(shortfall.current), required=number(shortfall.required),
            level=level)
    relation = "<" if shortfall.direction is Direction.HIGHER else ">"
    return _("{item} {current} {unit} {relation} {required} {unit} required for {level}"
             ).format(item=name, current=number(shortfall.current), unit=unit,
                      relation=relation, required=number(shortfall.required), level=level)


def standard_text(catalog: Catalog, standard: dict[str, Any]) -> str:
    """A program standard in words: the level, or the thresholds."""
    parts = []
    if standard.get("level"):
        ladder = catalog.ladder(standard["ladder"])
        parts.append(f"{level_name(catalog, standard['ladder'], standard['level'])} "
                     f"({ladder.name.get(current_language())})")
    for t in standard.get("thresholds", []):
        name, unit = item_label(catalog, t["kind"], t["item"])
        direction = (catalog.metric(t["item"]).direction if t["kind"] == "metric"
                     else Direction.HIGHER)
        sign = "≥" if direction is Direction.HIGHER else "≤"
        parts.append(f"{name} {sign} {number(t['value'])} {unit}")
    return "; ".join(parts)


def metric_name(catalog: Catalog, metric: str) -> str:
    """A metric's name with its unit, unless the name already says it."""
    name, unit = item_label(catalog, "metric", metric)
    return name if f"({unit})" in name or f"({unit} " in name else f"{name} ({unit})"


def money(value: float | None) -> str:
    """An amount with thousands separated and no decimals."""
    return "—" if value is None else f"{value:,.0f}"


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("escalera.reports", "templates"),
                      autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["_"] = gettext
    env.globals["number"] = number
    env.globals["money"] = money
    env.globals["label"] = label
    return env


def render_program_report(catalog: Catalog, program: Program, summary: dict[str, Any],
                          decisions: list[dict[str, Any]], evaluation: dict[str, Any], *,
                          fragment: bool = False) -> str:
    """The evaluation report as a standalone HTML page in the current language
    (``fragment``: its body alone, for a page of the web application)."""
    lang = current_language()
    segments = {s.id: s.name.get(lang) for s in catalog.segments}
    return _environment().get_template("program_report.html.j2").render(
        p=program, s=summary, decisions=decisions, e=evaluation, lang=lang, fragment=fragment,
        type_label=label(TYPE_LABELS, program.type),
        admission=standard_text(catalog, summary["admission"]),
        target=standard_text(catalog, summary["target"]),
        entry_segment=segments.get(program.entry_segment or "", "—"),
        target_segment=segments.get(program.target_segment or "", "—"),
        metric_name=lambda m: metric_name(catalog, m),
        level_label=lambda lv: (_("not assessed") if lv == "not_assessed"
                                else _("below the first level") if lv == "below_first_level"
                                else level_name(catalog, evaluation.get("ladder"), lv)),
        activity_labels=ACTIVITY_LABELS, follow_up_labels=FOLLOW_UP_LABELS,
        assumption_labels=ASSUMPTION_LABELS, verdict_labels=VERDICT_LABELS,
        not_estimated_labels=NOT_ESTIMATED_LABELS, covariate_label=covariate_label)
