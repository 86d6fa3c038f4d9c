"""``escalera report firm ID``: the firm report as HTML or PDF, in Spanish or English."""

from __future__ import annotations

from pathlib import Path

import typer

from escalera.cli.common import app_context, console, firm_id_argument, on_option, parse_day
from escalera.domain.ids import parse_firm_id
from escalera.i18n import LANGUAGES, _, current_language, set_language
from escalera.reports.render import render_html, render_pdf
from escalera.services.report import build_firm_report


def register(app: typer.Typer) -> None:
    """Add the ``report`` group to ``app``."""
    group = typer.Typer(help=_("Reports for people: one document per firm."),
                        no_args_is_help=True)
    app.add_typer(group, name="report")

    @group.command("firm", help=_("A firm's report: level per ladder, certificates, gaps, "
                                  "segments, position among peers and learning visits."))
    def firm(
        ctx: typer.Context,
        firm_id: str = firm_id_argument(),
        pdf: bool = typer.Option(False, "--pdf", help=_("Write a PDF instead of HTML.")),
        lang: str = typer.Option(None, "--lang",
                                 help=_("Language of the report: es or en.")),
        on: str = on_option(),
        output: Path = typer.Option(None, "--output", "-o", help=_("File to write.")),
    ) -> None:
        """Write one firm's report (HTML, or PDF with --pdf)."""
        context = app_context(ctx)
        if lang is not None and lang not in LANGUAGES:
            raise typer.BadParameter(_("use es or en"), param_hint="--lang")
        interface = current_language()
        if lang:
            set_language(lang)
        try:
            with context.transaction() as session:
                report = build_firm_report(session, context.catalog, firm_id, parse_day(on),
                                           context.settings.stale_after_days,
                                           context.settings.min_group_size)
            stem = (_("report") + "_" + parse_firm_id(firm_id)).replace("-", "")
            target = output or Path(f"{stem}.{'pdf' if pdf else 'html'}")
            if pdf:
                target.write_bytes(render_pdf(report))
            else:
                target.write_text(render_html(report), encoding="utf-8")
        finally:
            set_language(interface)
        console.print(_("Report written to {path}").format(path=target), highlight=False)
