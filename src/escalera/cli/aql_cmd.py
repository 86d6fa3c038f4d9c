"""``escalera aql plan|oc``: ISO 2859-1:1999 single sampling plans and their OC curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from escalera.cli.common import console, json_option, print_json
from escalera.domain.oc_curve import curve_figure, normalize_model, risks
from escalera.domain.sampling import SamplingError, SamplingPlan, Severity, sampling_plan
from escalera.domain.switching import SEVERITY_LABELS
from escalera.errors import N_
from escalera.i18n import _


def _plan_options() -> dict[str, Any]:
    """The options ``plan`` and ``oc`` share, built in the language of the run."""
    return {
        "lot_size": typer.Option(..., "--lot-size", help=_("Number of units in the lot.")),
        "level": typer.Option("II", "--level",
                              help=_("Inspection level: S-1, S-2, S-3, S-4, I, II or III.")),
        "aql": typer.Option(..., "--aql", help=_("Acceptance quality limit (AQL) of the "
                                                 "standard's series, e.g. 0.65, 1.0, 2.5.")),
        "severity": typer.Option("normal", "--severity",
                                 help=_("Inspection severity: normal, tightened or reduced.")),
    }


def _severity_word(severity: str) -> str:
    return _(SEVERITY_LABELS[Severity(severity)])


def _print_plan(plan: SamplingPlan) -> None:
    console.print(_("Sampling plan (ISO 2859-1:1999), {severity}, level {level}, "
                    "AQL {aql}:").format(severity=_severity_word(plan.severity),
                                         level=plan.level, aql=plan.aql), highlight=False)
    console.print(_("  code letter {letter}: inspect {n} units; accept with {ac} or fewer "
                    "nonconforming, reject with {re} or more.")
                  .format(letter=plan.code_letter, n=plan.sample_size, ac=plan.ac, re=plan.re),
                  highlight=False)
    if plan.code_letter != plan.table_letter:
        console.print(_("  (Table 1 gives letter {first}; the arrow of the master table leads "
                        "to letter {letter}.)").format(first=plan.table_letter,
                                                       letter=plan.code_letter),
                      highlight=False)
    if plan.full_inspection:
        console.print(_("  The sample is as large as the lot: inspect all {n} units.")
                      .format(n=plan.lot_size), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``aql`` group to ``app``."""
    group = typer.Typer(help=_("Acceptance sampling by attributes (ISO 2859-1:1999): sampling "
                               "plans and operating characteristic curves."),
                        no_args_is_help=True)
    app.add_typer(group, name="aql")
    shared = _plan_options()

    @group.command("plan", help=_("The single sampling plan for a lot: code letter, sample "
                                  "size, acceptance and rejection numbers."))
    def plan_cmd(
        lot_size: int = shared["lot_size"],
        level: str = shared["level"],
        aql: str = shared["aql"],
        severity: str = shared["severity"],
        json_out: bool = json_option(),
    ) -> None:
        """The single sampling plan for a lot."""
        plan = sampling_plan(lot_size, level, aql, severity)
        if json_out:
            print_json({**plan.as_dict(), "edition": "ISO 2859-1:1999"})
            return
        _print_plan(plan)

    @group.command("oc", help=_("The operating characteristic curve of the plan for a lot: "
                                "producer's and consumer's risks, and a chart."))
    def oc_cmd(
        lot_size: int = shared["lot_size"],
        level: str = shared["level"],
        aql: str = shared["aql"],
        severity: str = shared["severity"],
        model: str = typer.Option("binomial", "--model",
                                  help=_("binomial: percent nonconforming; poisson: "
                                         "nonconformities per 100 units.")),
        lq: float = typer.Option(None, "--lq", help=_("Limiting quality (percent) at which "
                                                      "to read the consumer's risk.")),
        output: Path = typer.Option(None, "--output", "-o",
                                    help=_("Write the chart to this file (.svg or .png).")),
        json_out: bool = json_option(),
    ) -> None:
        """The operating characteristic curve of the plan for a lot."""
        plan = sampling_plan(lot_size, level, aql, severity)
        mod = normalize_model(model)
        if output is not None and output.suffix.lower() not in (".svg", ".png"):
            raise SamplingError(N_("the chart file must end in .svg or .png, got {name}"),
                                name=output.name)
        read = risks(plan, mod, lq)
        if output is not None:
            xlabel = (_("Process quality (% nonconforming)") if mod.value == "binomial"
                      else _("Process quality (nonconformities per 100 units)"))
            fig = curve_figure(plan, mod, xlabel=xlabel, ylabel=_("Probability of acceptance"))
            fig.savefig(output, format=output.suffix.lower().lstrip("."))
        if json_out:
            print_json({"plan": plan.as_dict(), **read.as_dict(),
                        "chart": None if output is None else str(output)})
            return
        _print_plan(plan)
        console.print(_("Operating characteristic ({model} model):").format(model=mod.value),
                      highlight=False)
        console.print(_("  probability of acceptance at the AQL: {pa:.1%}; producer's risk "
                        "{risk:.1%}").format(pa=read.pa_at_aql, risk=read.producers_risk),
                      highlight=False)
        console.print(_("  accepted 95 % of the time at {p95:.3g} %; 10 % of the time (LQ10) "
                        "at {lq10:.3g} %").format(p95=read.p95, lq10=read.lq10),
                      highlight=False)
        if read.lq is not None and read.consumers_risk is not None:
            console.print(_("  consumer's risk at LQ {lq:g} %: {risk:.1%}")
                          .format(lq=read.lq, risk=read.consumers_risk), highlight=False)
        if output is not None:
            console.print(_("Chart written to {path}").format(path=output), highlight=False)
