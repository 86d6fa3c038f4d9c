"""Render a firm report to HTML (Jinja2, autoescaped), and any report page to PDF
(WeasyPrint)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader

from escalera.i18n import gettext
from escalera.reports.model import FirmReport


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("escalera.reports", "templates"),
                      autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["_"] = gettext  # looked up at render time: the current language
    return env


def render_html(report: FirmReport) -> str:
    """The report as a standalone HTML page (styles inline, charts as inline SVG)."""
    return _environment().get_template("firm_report.html.j2").render(r=report)


def html_to_pdf(html: str) -> bytes:
    """A standalone HTML page (styles inline, charts as inline SVG) printed to PDF: the one
    PDF path of the firm report, the program report and the case documents."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def render_pdf(report: FirmReport) -> bytes:
    """The same page printed to PDF."""
    return html_to_pdf(render_html(report))
