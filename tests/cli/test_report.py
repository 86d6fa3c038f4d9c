"""``escalera report firm``: one document per firm, HTML or PDF, Spanish or English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.config import Settings
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.reports.charts import Distribution, position_svg
from escalera.services.context import AppContext
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms

from .conftest import Workshop


def _report(workshop: Workshop, tmp_path: Path, *extra: str) -> Path:
    suffix = "pdf" if "--pdf" in extra else "html"
    out = tmp_path / f"report.{suffix}"
    result = CliRunner().invoke(app, ["report", "firm", workshop.firm_id, "--on", "2026-06-01",
                                      "-o", str(out), *extra])
    assert result.exit_code == 0, (result.output, result.exception)
    return out


def test_html_report_in_spanish_shows_level_gap_and_segments(workshop: Workshop,
                                                             tmp_path: Path) -> None:
    html = _report(workshop, tmp_path).read_text(encoding="utf-8")
    assert '<html lang="es">' in html
    assert "Niveles y brechas" in html and "Brecha hacia Nivel 2" in html
    assert "Confecciones Peña &amp; &lt;Hijos&gt;" in html  # escaped, accents intact
    assert "<Hijos>" not in html
    assert "A-20260301-0001" in html  # evidence behind the values
    assert "Entregas a tiempo" in html and "Mercados locales" in html
    assert "taller (contratista)" in html and "Pantalones de mezclilla" in html
    assert "Constancia" in html and "vigente" in html and "2028-02-29" in html  # 24 months
    assert "Visitas de aprendizaje recomendadas" in html
    assert "Maquiladora Modelo de Tehuacán" in html and "0 km" in html
    assert "Entregas a tiempo: 98 allá (se requiere 90; usted 86)" in html


def test_report_language_option_and_interface_language(workshop: Workshop,
                                                       tmp_path: Path) -> None:
    html = _report(workshop, tmp_path, "--lang", "en").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Levels and gaps" in html and "Gap to Tier 2" in html
    assert "Niveles y brechas" not in html


def test_pdf_report_is_a_pdf(workshop: Workshop, tmp_path: Path) -> None:
    data = _report(workshop, tmp_path, "--pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5_000


def test_unknown_language_is_refused(workshop: Workshop, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "firm", workshop.firm_id, "--lang", "fr",
                                      "-o", str(tmp_path / "x.html")])
    assert result.exit_code != 0
    assert not (tmp_path / "x.html").exists()


def test_position_chart_marks_the_firm_only_when_it_has_a_value() -> None:
    dist = Distribution(p10=80, p25=85, median=90, p75=94, p90=97, best=97)
    with_firm, without = position_svg(dist, 86.0), position_svg(dist, None)
    assert with_firm.startswith("<svg") and without.startswith("<svg")
    assert with_firm.count("#c0392b") > without.count("#c0392b")


def test_small_peer_groups_are_never_drawn(workshop: Workshop, tmp_path: Path) -> None:
    html = _report(workshop, tmp_path).read_text(encoding="utf-8")
    assert "Posición frente a sus pares" in html
    assert "grupo demasiado pequeño para mostrarse (menos de 5 empresas)" in html
    position = html[html.index("Posición frente a sus pares"):]
    assert "<svg" not in position.split("Visitas de aprendizaje")[0]


def test_peer_position_is_charted_once_the_group_is_large_enough(workshop: Workshop,
                                                                 tmp_path: Path) -> None:
    context = AppContext(Settings(database_url=workshop.url))
    with context.transaction() as session:
        for n in range(19):  # percentiles are charted for groups of 20 firms or more
            peer = firm_id_from_int(5000 + n)
            insert_firms(session, [Firm(id=peer, name=f"Taller {n}", roles=(Role.CONTRACTOR,),
                                        state="Puebla", municipality="Tehuacán",
                                        products=("jeans",))])
            insert_assessment(session, public_id=f"A-20260401-{n:04d}", firm_id=peer,
                              stage=Stage.DIAGNOSTIC, assessed_on=dt.date(2026, 4, 1),
                              assessor="Ing. Ruiz",
                              values={(ItemKind.METRIC, "on_time_delivery_pct"):
                                      80.1 + 0.7 * n})
    context.engine.dispose()
    html = _report(workshop, tmp_path).read_text(encoding="utf-8")
    position = html[html.index("Posición frente a sus pares"):].split("Visitas de")[0]
    assert position.count("<svg") == 1  # on-time delivery only: 20 firms have a value
    assert "grupo demasiado pequeño" in position  # the other metrics stay hidden
