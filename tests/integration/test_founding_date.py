"""A firm's founding date: imported, kept through export and re-import, and no assessment
can be dated before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import Stage
from escalera.domain.observation_rules import InvalidObservation
from escalera.errors import ImportRejected
from escalera.i18n import set_language
from escalera.ingest.formats import Kind
from escalera.services import assessments as svc
from escalera.services.exporting import ExportFormat, export_all
from escalera.services.importing import ImportFile, folder_files, import_file, import_files
from escalera.store.dump import all_firms
from escalera.store.tables import FirmRow

FIRMS = (
    "Razón social;Tipo;Estado;Fecha de fundación\r\n"
    "Confecciones Peña;maquila;Puebla;01/03/2009\r\n"
    "Bordados Ñuñoa;taller doméstico;Yucatán;\r\n"
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("es")


def _import(session: Session, catalog: Catalog, folder: Path) -> dict[str, dt.date | None]:
    path = folder / "empresas.csv"
    path.write_bytes(FIRMS.encode("cp1252"))
    import_file(session, catalog, Kind.FIRMS, path)
    return {f["name"]: f["founded_on"] for f in all_firms(session)}


def test_imported_founding_date_bounds_assessment_dates(
        session: Session, catalog: Catalog, tmp_path: Path) -> None:
    founded = _import(session, catalog, tmp_path)
    assert founded == {"Confecciones Peña": dt.date(2009, 3, 1), "Bordados Ñuñoa": None}
    firms = {f["name"]: f["id"] for f in all_firms(session)}
    with pytest.raises(InvalidObservation, match="before the firm was founded"):
        svc.create(session, catalog, firm_id=firms["Confecciones Peña"],
                   stage=Stage.DIAGNOSTIC, assessed_on=dt.date(2008, 12, 31), assessor="x")
    svc.create(session, catalog, firm_id=firms["Bordados Ñuñoa"], stage=Stage.DIAGNOSTIC,
               assessed_on=dt.date(1990, 1, 1), assessor="x")  # unknown: no check


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_founding_date_survives_export_and_import(
        session: Session, catalog: Catalog, tmp_path: Path, fmt: ExportFormat) -> None:
    before = _import(session, catalog, tmp_path)
    result = export_all(session, catalog, tmp_path / "out", fmt)
    session.execute(delete(FirmRow))
    source = result.files[0] if fmt is ExportFormat.XLSX else tmp_path / "out"
    assert import_files(session, catalog, folder_files(source)).ok
    assert {f["name"]: f["founded_on"] for f in all_firms(session)} == before


def test_the_importer_refuses_a_visit_before_the_founding_date(
        session: Session, catalog: Catalog, tmp_path: Path) -> None:
    visits = ("Empresa;Fecha;Etapa;Indicador;Valor\r\n"
              "Confecciones Peña;15/02/2009;diagnóstico;Entregas a tiempo;90\r\n"
              "Bordados Ñuñoa;15/02/1999;diagnóstico;Entregas a tiempo;90\r\n")
    (tmp_path / "evaluaciones.csv").write_bytes(visits.encode("cp1252"))
    (tmp_path / "empresas.csv").write_bytes(FIRMS.encode("cp1252"))
    files = [ImportFile(Kind.FIRMS, tmp_path / "empresas.csv"),
             ImportFile(Kind.ASSESSMENTS, tmp_path / "evaluaciones.csv")]
    with pytest.raises(ImportRejected) as info:  # the firm in the same file set
        import_files(session, catalog, files, today=dt.date(2025, 1, 1))
    errors = info.value.report.errors  # type: ignore[attr-defined]
    assert [(e.row, e.code) for e in errors] == [(2, "before_founding")]
    assert "before the firm was founded (2009-03-01)" in errors[0].reason
    import_file(session, catalog, Kind.FIRMS, tmp_path / "empresas.csv")
    with pytest.raises(ImportRejected):  # the firm already stored
        import_file(session, catalog, Kind.ASSESSMENTS, tmp_path / "evaluaciones.csv",
                    today=dt.date(2025, 1, 1))
