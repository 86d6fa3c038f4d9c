"""Import writes all or nothing (or the good rows with skip_bad); export imports back equal.

Runs on SQLite and, with ESCALERA_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.ids import firm_id_from_int
from escalera.errors import ImportRejected
from escalera.i18n import set_language
from escalera.ingest.formats import Kind
from escalera.ingest.report import ImportReport
from escalera.services.exporting import ExportFormat, export_all
from escalera.services.importing import ImportFile, folder_files, import_file, import_files
from escalera.store.dump import all_assessments, all_firms, all_links
from escalera.store.evidence import insert_assessment
from escalera.store.firms import get_firm
from escalera.store.tables import (
    AssessmentRow,
    FirmRow,
    ImportBatchRow,
    LinkRow,
    ObservationRow,
)

TODAY = dt.date(2025, 6, 30)

FIRMS_ES = (  # as Excel in Mexico saves it: Latin-1, semicolons, Spanish headers
    "Razón social;Tipo;Estado;Municipio;Giro;Empleados;Capacidad mensual;Régimen\r\n"
    "Confecciones Peña;maquila;Puebla;Tehuacán;jeans;45;12,000;maquila\r\n"
    "Bordados Ñuñoa;taller doméstico;Yucatán;Mérida;guayaberas, camisas;3;1 500;nacional\r\n"
    "Uniformes del Bajío;fabricante, intermediario;Guanajuato;León;uniformes;120;"
    "30,000;definitivo\r\n"
    "Tienda Azul;minorista;Ciudad de México;Cuauhtémoc;;900;;nacional\r\n"
)
LINKS_ES = (
    "Origen;Destino;Tipo;Inicio;Fin;Exclusivo;Participación\r\n"
    "Tienda Azul;Confecciones Peña;tutoría;01/03/2021;;sí;40 %\r\n"
    "Uniformes del Bajío;Bordados Ñuñoa;red de intermediario;2022-01-15;2023-06-30;;0.25\r\n"
)
ASSESSMENTS_ES = (
    "Clave evaluación;Empresa;Fecha;Etapa;Evaluador;Indicador;Valor\r\n"
    "EV-1;Confecciones Peña;14/05/2024;diagnóstico;Ing. Núñez;Entregas a tiempo;92,5 %\r\n"
    "EV-1;Confecciones Peña;14/05/2024;diagnóstico;Ing. Núñez;defect_rate_pct;0.5 %\r\n"
    "EV-1;Confecciones Peña;14/05/2024;diagnóstico;Ing. Núñez;final_inspection;2\r\n"
    "EV-1;Confecciones Peña;14/05/2024;diagnóstico;Ing. Núñez;lead_time_days;21\r\n"
    ";Bordados Ñuñoa;2024-06-01;preselección;;Inspección final;1\r\n"
)

@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons are asserted in English; the interface default is Spanish."""
    set_language("en")
    yield
    set_language("es")


def write(folder: Path, name: str, text: str, encoding: str = "cp1252") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def counts(session: Session) -> dict[str, int]:
    return {table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (FirmRow, LinkRow, AssessmentRow, ObservationRow, ImportBatchRow)}


def nothing_written(session: Session) -> bool:
    return not any(counts(session).values())


def spanish_set(folder: Path) -> list[ImportFile]:
    return [ImportFile(Kind.FIRMS, write(folder, "empresas.csv", FIRMS_ES)),
            ImportFile(Kind.LINKS, write(folder, "vinculos.csv", LINKS_ES)),
            ImportFile(Kind.ASSESSMENTS, write(folder, "evaluaciones.csv", ASSESSMENTS_ES))]


def test_spanish_file_set_imports_with_accents_intact(session: Session, catalog: Catalog,
                                                      tmp_path: Path) -> None:
    report = import_files(session, catalog, spanish_set(tmp_path), today=TODAY)
    assert report.ok
    assert report.written == {"firms": 4, "links": 2, "assessments": 2, "observations": 5}
    firms = {f["name"]: f for f in all_firms(session)}
    assert set(firms) == {"Confecciones Peña", "Bordados Ñuñoa", "Uniformes del Bajío",
                          "Tienda Azul"}
    assert firms["Bordados Ñuñoa"]["municipality"] == "Mérida"
    assert firms["Confecciones Peña"]["monthly_capacity"] == 12000
    assert firms["Bordados Ñuñoa"]["products"] == ["guayaberas", "camisas"]
    peña = get_firm(session, firms["Confecciones Peña"]["id"])
    assert peña.provenance["monthly_capacity"].ref == "empresas.csv row 2"
    shares = sorted(link["volume_share"] for link in all_links(session))
    assert shares == [0.25, 0.4]
    visits = {a["assessment_id"]: a for a in all_assessments(session)}
    assert set(visits["EV-1"]["observations"]) == {
        ("metric", "on_time_delivery_pct", 92.5), ("metric", "defect_rate_pct", 0.5),
        ("practice", "final_inspection", 2.0), ("metric", "lead_time_days", 21.0)}
    assert visits["EV-1"]["assessor"] == "Ing. Núñez"
    assert counts(session)["import_batches"] == 3


BAD_CASES: list[tuple[str, Kind, str, str, str]] = [
    # (name, kind, file name, content, expected code)
    ("malformed CSV", Kind.LINKS, "l.csv", 'source,target\n"abc,def\n', "malformed_file"),
    ("malformed XLSX", Kind.LINKS, "l.xlsx", "PK\x03\x04 not a workbook", "malformed_file"),
    ("unknown columns", Kind.LINKS, "l.csv",
     "source,target,type,start,colour\nx,y,tutelage,2020-01-01,red\n", "unknown_column"),
    ("missing column", Kind.LINKS, "l.csv", "source,target,start\nx,y,2020-01-01\n",
     "missing_column"),
    ("wrong types", Kind.FIRMS, "f.csv", "name,roles,state,employees\nX,jobber,Puebla,many\n",
     "not_a_number"),
    ("negative capacity", Kind.FIRMS, "f.csv",
     "name,roles,state,monthly_capacity\nX,jobber,Puebla,-100\n", "negative"),
    ("percent over 100", Kind.ASSESSMENTS, "a.csv",
     "firm_id,date,stage,item,value\nConfecciones Peña,2024-01-01,screening,"
     "on_time_delivery_pct,120 %\n", "out_of_range"),
    ("share over 100", Kind.LINKS, "l.csv", "source,target,type,start,volume_share\n"
     "Tienda Azul,Confecciones Peña,subcontracting,2020-01-01,140\n", "over_100"),
    ("future date", Kind.ASSESSMENTS, "a.csv", "firm_id,date,stage,item,value\n"
     "Confecciones Peña,2031-01-01,screening,lead_time_days,12\n", "future_date"),
    ("duplicate ids", Kind.FIRMS, "f.csv", f"id,name,roles,state\n{firm_id_from_int(77)},A,"
     f"jobber,Puebla\n{firm_id_from_int(77)},B,jobber,Puebla\n", "duplicate_id"),
    ("unknown metric", Kind.ASSESSMENTS, "a.csv", "firm_id,date,stage,item,value\n"
     "Confecciones Peña,2024-01-01,screening,smiles_per_hour,3\n", "unknown_item"),
    ("unknown firm", Kind.LINKS, "l.csv", "source,target,type,start\n"
     f"{firm_id_from_int(4242)},Tienda Azul,tutelage,2020-01-01\n", "unknown_firm"),
    ("maturity outside 0-3", Kind.ASSESSMENTS, "a.csv", "firm_id,date,stage,item,value\n"
     "Confecciones Peña,2024-01-01,screening,final_inspection,4\n", "maturity_range"),
]


@pytest.mark.parametrize(("kind", "name", "content", "code"),
                         [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_file_writes_nothing_not_even_the_good_files(
        session: Session, catalog: Catalog, tmp_path: Path, kind: Kind, name: str,
        content: str, code: str) -> None:
    files = [ImportFile(Kind.FIRMS, write(tmp_path, "empresas.csv", FIRMS_ES)),
             ImportFile(kind, write(tmp_path, name, content, "utf-8"))]
    with pytest.raises(ImportRejected) as info:
        import_files(session, catalog, files, today=TODAY)
    report = info.value.report
    assert isinstance(report, ImportReport)
    assert code in {e.code for e in report.errors}
    bad = next(e for e in report.errors if e.code == code)
    assert bad.file == name and bad.reason
    assert nothing_written(session)
    assert not (tmp_path / "empresas.rejects.csv").exists()


def test_every_bad_row_in_one_report(session: Session, catalog: Catalog,
                                     tmp_path: Path) -> None:
    text = ("name,roles,state,employees,monthly_capacity\n"
            "Bien,jobber,Puebla,4,100\nMal1,jobber,Puebla,-1,100\nBien2,jobber,Puebla,,\n"
            "Mal2,,Puebla,x,1.5\n")
    with pytest.raises(ImportRejected) as info:
        import_file(session, catalog, Kind.FIRMS, write(tmp_path, "f.csv", text))
    report = info.value.report
    assert isinstance(report, ImportReport)
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "employees", "-1", "negative"), (5, "roles", "", "missing_value"),
        (5, "employees", "x", "not_a_number"),
        (5, "monthly_capacity", "1.5", "not_a_whole_number")]
    assert report.files[0].rejected == 2
    assert nothing_written(session)


def test_skip_bad_writes_good_rows_and_a_rejects_file(session: Session, catalog: Catalog,
                                                      tmp_path: Path) -> None:
    text = FIRMS_ES + "Taller Malo;maquila;Puebla;;;-3;;\r\nOtro Malo;;Jalisco;;;;;\r\n"
    path = write(tmp_path, "empresas.csv", text)
    links = write(tmp_path, "vinculos.csv", LINKS_ES + "Taller Malo;Tienda Azul;tutoría;"
                  "2021-01-01;;;\r\n")
    report = import_files(session, catalog, [ImportFile(Kind.FIRMS, path),
                                             ImportFile(Kind.LINKS, links)],
                          skip_bad=True, today=TODAY)
    assert report.written == {"firms": 4, "links": 2}
    assert [(e.row, e.code) for e in report.errors] == [(6, "negative"),
                                                        (7, "missing_value")]
    assert [(e.file, e.row, e.code) for e in report.held] == [("vinculos.csv", 4, "held")]
    rejects = tmp_path / "empresas.rejects.csv"
    assert report.files[0].rejects_file == str(rejects)
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(";error") and lines[0].startswith("Razón social;")
    assert lines[1].startswith("Taller Malo;maquila;Puebla;;;-3;;;")
    assert "Empleados" in lines[1] and len(lines) == 3
    assert (tmp_path / "vinculos.rejects.csv").exists()
    # Fix the rejects file and import it: the error column is ignored.
    fixed = rejects.read_text(encoding="utf-8-sig").replace(";-3;", ";3;").replace(
        "Otro Malo;;", "Otro Malo;contratista;")
    again = import_file(session, catalog, Kind.FIRMS,
                        write(tmp_path, "corregidas.csv", fixed, "utf-8"), today=TODAY)
    assert again.written == {"firms": 2}
    batches = session.execute(select(ImportBatchRow.kind, ImportBatchRow.rows_written,
                                     ImportBatchRow.rows_rejected)
                              .order_by(ImportBatchRow.id)).all()
    assert [tuple(b) for b in batches] == [("firms", 4, 2), ("links", 2, 1), ("firms", 2, 0)]


def test_duplicates_are_reported_never_merged(session: Session, catalog: Catalog,
                                              tmp_path: Path) -> None:
    import_file(session, catalog, Kind.FIRMS, write(tmp_path, "a.csv", FIRMS_ES))
    later = ("nombre;roles;estado;municipio\r\nCONFECCIONES PENA, S.A. DE C.V.;maquila;"
             "Puebla;Tehuacan\r\nConfecciones Peña;maquila;Puebla;Puebla\r\n")
    report = import_file(session, catalog, Kind.FIRMS, write(tmp_path, "b.csv", later))
    assert [(d.new.name, d.new.row, d.other.name, d.other.row)
            for d in report.duplicates] == [
        ("CONFECCIONES PENA, S.A. DE C.V.", 2, "Confecciones Peña", None)]
    assert counts(session)["firms"] == 6  # both kept: a person decides
    assert any("duplicate" in note for note in report.notes)


def test_minted_ids_do_not_collide_with_stored_ones(session: Session, catalog: Catalog,
                                                    tmp_path: Path) -> None:
    given = f"id,name,roles,state\n{firm_id_from_int(1)},Uno,jobber,Puebla\n"
    import_file(session, catalog, Kind.FIRMS, write(tmp_path, "a.csv", given))
    import_file(session, catalog, Kind.FIRMS, write(tmp_path, "b.csv", FIRMS_ES))
    ids = [f["id"] for f in all_firms(session)]
    assert len(set(ids)) == 5 and ids[0] == firm_id_from_int(1)


def snapshot(session: Session) -> tuple[Any, ...]:
    return all_firms(session), all_links(session), all_assessments(session)


def wipe(session: Session) -> None:
    for table in (ObservationRow, AssessmentRow, LinkRow, FirmRow, ImportBatchRow):
        session.execute(delete(table))
    assert nothing_written(session)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_then_import_into_empty_database_is_equal(
        session: Session, catalog: Catalog, tmp_path: Path, fmt: ExportFormat) -> None:
    import_files(session, catalog, spanish_set(tmp_path), today=TODAY)
    peña = next(f["id"] for f in all_firms(session) if f["name"] == "Confecciones Peña")
    insert_assessment(session, public_id="EV-empty", firm_id=peña, stage=Stage.FOLLOW_UP,
                      assessed_on=dt.date(2024, 9, 1), assessor="", values={})
    insert_assessment(session, public_id="EV-draft", firm_id=peña,
                      stage=Stage.RANDOM_INSPECTION, assessed_on=dt.date(2024, 9, 2),
                      assessor="Ana", status="draft",
                      values={(ItemKind.METRIC, "defect_rate_pct"): 0.07,
                              (ItemKind.METRIC, "efficiency_pct"): 101.3})
    before = snapshot(session)
    result = export_all(session, catalog, tmp_path / "out", fmt)
    wipe(session)
    source = result.files[0] if fmt is ExportFormat.XLSX else tmp_path / "out"
    report = import_files(session, catalog, folder_files(source))
    assert report.ok
    assert snapshot(session) == before
