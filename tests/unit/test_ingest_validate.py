"""Rows -> firms, links, assessments or row errors (pure: no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from escalera.domain.catalog_model import Catalog
from escalera.domain.chain import LinkType
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Role, SourceKind
from escalera.domain.ids import firm_id_from_int
from escalera.i18n import set_language
from escalera.ingest.duplicates import FirmRef, find_duplicates
from escalera.ingest.formats import Kind
from escalera.ingest.headers import map_headers
from escalera.ingest.reading import read_table
from escalera.ingest.validate import FirmIndex, Known, Validated, validate_firms
from escalera.ingest.validate_assessments import item_index, minted_id, validate_assessments
from escalera.ingest.validate_links import validate_links

TODAY = dt.date(2025, 6, 30)
A, B, C = (firm_id_from_int(n) for n in (101, 102, 103))
KNOWN = Known(firms=[FirmRef(A, "Confecciones Peña", "Puebla", "Tehuacán"),
                     FirmRef(B, "Maquiladora del Bajío", "Guanajuato", "León"),
                     FirmRef(C, "Maquiladora del Bajío", "Jalisco", "Zapopan")])

@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons are asserted in English; the interface default is Spanish."""
    set_language("en")
    yield
    set_language("es")


def run(tmp_path: Path, kind: Kind, text: str, catalog: Catalog,
        known: Known = KNOWN) -> Validated[Any]:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    table = read_table(path, kind)
    extra = {k: v for k, (_kind, v) in item_index(catalog).items()}
    header_map, problems = map_headers(kind, table.headers,
                                       extra=extra if kind is Kind.ASSESSMENTS else None)
    assert problems == []
    if kind is Kind.FIRMS:
        return validate_firms(table, header_map, known)
    index = FirmIndex(known.firms, {firm_id_from_int(999): FirmRef(
        firm_id_from_int(999), "Rechazada", "Puebla", "", "firms.csv", 9)}, {})
    if kind is Kind.LINKS:
        return validate_links(table, header_map, index, known, TODAY)
    return validate_assessments(table, header_map, catalog, index, known, TODAY)


def codes(result: Validated[Any]) -> set[tuple[int | None, str, str]]:
    return {(e.row, e.column, e.code) for e in result.errors}


def test_good_firms_spanish_words_and_provenance(tmp_path: Path, catalog: Catalog) -> None:
    result = run(tmp_path, Kind.FIRMS,
                 "nombre;roles;estado;municipio;giro;empleados;capacidad mensual;régimen;"
                 "recibe visitas\n"
                 "Confecciones Ñuñoa;Maquila, fabricante;Puebla;Tehuacán;jeans, camisas;45;"
                 "12,000;maquila;sí\n", catalog)
    assert result.errors == []
    (row, firm), = result.items
    assert row == 2
    assert firm.name == "Confecciones Ñuñoa" and firm.municipality == "Tehuacán"
    assert firm.roles == (Role.CONTRACTOR, Role.MANUFACTURER)
    assert firm.export_regime is ExportRegime.TEMPORARY
    assert (firm.monthly_capacity, firm.employees, firm.hosts_visits) == (12000, 45, True)
    assert firm.products == ("jeans", "camisas")
    assert firm.provenance["monthly_capacity"].kind is SourceKind.IMPORT
    assert firm.provenance["name"].ref == "firms.csv row 2"


def test_minted_ids_skip_stored_and_file_ids(tmp_path: Path, catalog: Catalog) -> None:
    stored = Known(firms=[FirmRef(firm_id_from_int(2), "X", "Puebla", "")])
    result = run(tmp_path, Kind.FIRMS, "id,name,roles,state\n,Uno,contractor,Puebla\n"
                 f"{firm_id_from_int(3)},Dos,contractor,Puebla\n,Tres,jobber,Puebla\n",
                 catalog, stored)
    assert [f.id for _r, f in result.items] == [
        firm_id_from_int(4), firm_id_from_int(3), firm_id_from_int(5)]
    again = run(tmp_path, Kind.FIRMS, "id,name,roles,state\n,Uno,contractor,Puebla\n"
                f"{firm_id_from_int(3)},Dos,contractor,Puebla\n,Tres,jobber,Puebla\n",
                catalog, stored)
    assert [f.id for _r, f in again.items] == [f.id for _r, f in result.items]  # deterministic


def test_bad_firm_rows_each_reported(tmp_path: Path, catalog: Catalog) -> None:
    mistyped = A[:-1] + ("0" if A[-1] != "0" else "1")
    text = ("id,name,roles,state,employees,monthly_capacity,export_regime,hs_chapters\n"
            f"{firm_id_from_int(7)},Uno,contractor,Puebla,muchos,-5,,61\n"  # 2
            f"{firm_id_from_int(7)},Dos,astronauta,Puebla,3,,marciano,\n"  # 3
            f"{mistyped},Tres,contractor,Puebla,,,,\n"  # 4
            f"{A},Cuatro,contractor,Puebla,,,,\n"  # 5
            ",,,,,,,\n"  # blank: skipped
            ",Seis,contractor,,,12.5,,99;100\n"  # 7
            f",{'x' * 201},contractor,Puebla,,,,\n")  # 8
    result = run(tmp_path, Kind.FIRMS, text, catalog)
    assert result.items == []
    assert codes(result) == {
        (2, "employees", "not_a_number"), (2, "monthly_capacity", "negative"),
        (2, "id", "duplicate_id"), (3, "id", "duplicate_id"),
        (3, "roles", "unknown_value"), (3, "export_regime", "unknown_value"),
        (4, "id", "bad_firm_id"), (5, "id", "id_exists"),
        (7, "state", "missing_value"), (7, "monthly_capacity", "not_a_whole_number"),
        (7, "hs_chapters", "out_of_range"), (8, "name", "too_long"),
    }
    reasons = {e.row: e.reason for e in result.errors if e.column == "id"}
    assert "check character" in reasons[4]
    assert "2, 3" in reasons[2]
    assert next(e.value for e in result.errors if e.code == "negative") == "-5"


def test_links(tmp_path: Path, catalog: Catalog) -> None:
    text = ("origen;destino;tipo;inicio;fin;exclusivo;participación en volumen\n"
            f"{A};{B};tutoría;01/03/2021;;sí;40 %\n"  # 2 good
            f"Confecciones Peña;{B};subcontratación;2022-01-01;2023-01-01;;0.5\n"  # 3 by name
            f"{A};{B};tutoría;01/03/2021;;;\n"  # 4 duplicate of 2
            f"{A};Maquiladora del Bajío;paquete completo;2022-01-01;;;\n"  # 5 ambiguous
            f"{A};Nadie S.A.;paquete completo;2022-01-01;;;\n"  # 6 unknown name
            f"{A};{B};subcontratación;2099-01-01;;;\n"  # 7 future
            f"{A};{A};subcontratación;2020-01-01;2019-01-01;sí;140 %\n"  # 8
            f"{A};{firm_id_from_int(999)};tutoría;2020-01-01;;;\n")  # 9 held
    result = run(tmp_path, Kind.LINKS, text, catalog)
    assert [(r, x.source, x.target, x.type) for r, x in result.items] == [
        (3, A, B, LinkType.SUBCONTRACTING)]
    assert codes(result) == {
        (2, "inicio", "duplicate_link"), (4, "inicio", "duplicate_link"),
        (5, "destino", "ambiguous_firm"), (6, "destino", "unknown_firm"),
        (7, "inicio", "future_date"), (8, "destino", "same_firm"),
        (8, "fin", "end_before_start"), (8, "exclusivo", "not_tutelage"),
        (8, "participación en volumen", "over_100"),
    }
    assert [(e.row, e.code) for e in result.held] == [(9, "held")]
    assert "firms.csv row 9" in result.held[0].reason


@pytest.mark.parametrize(("shares", "expected"), [
    (["40 %", "0.5"], [0.4, 0.5]), (["0.4", "0.07"], [0.4, 0.07]), (["40", "7"], [0.4, 0.07]),
])
def test_volume_share_percent_rule(tmp_path: Path, catalog: Catalog, shares: list[str],
                                   expected: list[float]) -> None:
    text = "source,target,type,start,volume_share\n" + "".join(
        f"{A},{B},subcontracting,2020-01-0{i + 1},{s}\n" for i, s in enumerate(shares))
    result = run(tmp_path, Kind.LINKS, text, catalog)
    assert [x.volume_share for _r, x in result.items] == expected


def test_assessments_long_form(tmp_path: Path, catalog: Catalog) -> None:
    text = ("clave evaluación,empresa,fecha,etapa,evaluador,indicador,valor\n"
            f"EV-1,{A},14/05/2024,diagnóstico,Ing. Núñez,on_time_delivery_pct,0.92\n"
            f"EV-1,{A},14/05/2024,diagnóstico,Ing. Núñez,Tasa de defectos,0.5 %\n"
            f"EV-1,{A},14/05/2024,diagnóstico,Ing. Núñez,final_inspection,documentada\n"
            f"EV-1,{A},14/05/2024,diagnóstico,Ing. Núñez,lead_time_days,\n"  # not observed
            f",{B},2024-06-01,seguimiento,,capacity_units_month,\"12,000\"\n")
    result = run(tmp_path, Kind.ASSESSMENTS, text, catalog)
    assert result.errors == []
    first, second = (draft for _r, draft in result.items)
    assert first.public_id == "EV-1" and first.stage is Stage.DIAGNOSTIC
    assert first.assessor == "Ing. Núñez" and first.rows == [2, 3, 4, 5]
    assert first.values == {(ItemKind.METRIC, "on_time_delivery_pct"): 92.0,
                            (ItemKind.METRIC, "defect_rate_pct"): 0.5,
                            (ItemKind.PRACTICE, "final_inspection"): 2.0}
    assert second.public_id == minted_id(B, dt.date(2024, 6, 1), Stage.FOLLOW_UP)
    assert second.values == {(ItemKind.METRIC, "capacity_units_month"): 12000.0}
    assert len(second.public_id) <= 40


def test_bad_assessment_rows(tmp_path: Path, catalog: Catalog) -> None:
    known = Known(firms=KNOWN.firms, assessment_ids={"EV-OLD"})
    text = ("assessment_id,firm_id,date,stage,item,value\n"
            f"EV-1,{A},2024-05-14,diagnostic,on_time_delivery_pct,105 %\n"  # 2
            f"EV-1,{A},2024-05-14,diagnostic,final_inspection,5\n"  # 3
            f"EV-1,{A},2024-05-14,diagnostic,sonrisas_por_hora,3\n"  # 4
            f"EV-1,{A},2024-05-15,diagnostic,lead_time_days,-2\n"  # 5
            f"EV-2,{B},2099-01-01,screening,lead_time_days,10\n"  # 6
            f"EV-3,{B},2024-01-01,visita al cine,lead_time_days,10 %\n"  # 7
            f"EV-OLD,{B},2024-01-01,screening,lead_time_days,10\n"  # 8
            f"EV-4,{B},2024-01-01,screening,lead_time_days,10\n"  # 9
            f"EV-4,{B},2024-01-01,screening,lead_time_days,11\n"  # 10
            f"EV-5,{B},2024-01-01,screening,lead_time_days,12\n"  # 11: good
            f"EV-6,{B},2024-01-01,screening,defect_rate_pct,2\n"  # 12: bad visit, held
            f"EV-6,{B},2024-01-01,screening,final_inspection,tres\n")  # 13
    result = run(tmp_path, Kind.ASSESSMENTS, text, catalog, known)
    assert [d.public_id for _r, d in result.items] == ["EV-5"]
    assert codes(result) == {
        (2, "value", "out_of_range"), (3, "value", "maturity_range"),
        (4, "item", "unknown_item"), (5, "date", "inconsistent"), (5, "value", "out_of_range"),
        (6, "date", "future_date"), (7, "stage", "unknown_value"),
        (7, "value", "not_a_percentage"), (8, "assessment_id", "assessment_exists"),
        (10, "value", "duplicate_item"), (13, "value", "maturity_range"),
    }
    assert {(e.row, e.code) for e in result.held} == {(9, "held"), (12, "held")}
    over = next(e for e in result.errors if e.row == 2)
    assert over.value == "105 %" and "100" in over.reason


def test_assessments_wide_form(tmp_path: Path, catalog: Catalog) -> None:
    text = ("empresa,fecha,etapa,Entregas a tiempo,defect_rate_pct,final_inspection\n"
            f"{A},2024-05-14,diagnostic,0.9,0.02,3\n"
            f"{B},2024-05-14,screening,0.85,,1\n"
            f"{C},2024-05-14,screening,1.5,,\n")
    result = run(tmp_path, Kind.ASSESSMENTS, text, catalog)
    # 1.5 is a plain number above 1, so the column holds percentages: 0.9 is 0.9 %.
    assert [d.values.get((ItemKind.METRIC, "on_time_delivery_pct"))
            for _r, d in result.items] == [0.9, 0.85, 1.5]
    assert result.items[0][1].values[(ItemKind.PRACTICE, "final_inspection")] == 3.0
    result = run(tmp_path, Kind.ASSESSMENTS, text.replace(",1.5,", ",101,"), catalog)
    assert codes(result) == {(4, "Entregas a tiempo", "out_of_range")}


def test_duplicates_by_normalised_name_and_place() -> None:
    stored = [FirmRef(A, "Confecciones Peña, S.A. de C.V.", "Puebla", "Tehuacán"),
              FirmRef(B, "Confecciones Peña", "Puebla", "Puebla")]
    new = [FirmRef("n1", "CONFECCIONES PENA", "Puebla", "Tehuacan", "f.csv", 2),
           FirmRef("n2", "Peña Confecciones", "puebla", "TEHUACÁN", "f.csv", 3),
           FirmRef("n3", "Bordados Yucatecos", "Puebla", "Tehuacán", "f.csv", 4)]
    found = [(d.new.id, d.other.id, d.score) for d in find_duplicates(new, stored)]
    assert found == [("n1", A, 100.0), ("n2", A, 100.0), ("n2", "n1", 100.0)]
    assert find_duplicates(new[2:], stored) == []
