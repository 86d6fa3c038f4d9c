"""Files as spreadsheet programs in Mexico save them: encodings, delimiters, workbooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from escalera.i18n import set_language
from escalera.ingest.formats import Kind
from escalera.ingest.reading import MalformedFile, read_table
from escalera.ingest.text import clean, column_letter, fold

NAMES = ["Confecciones Peña", "Maquiladora del Bajío", "Niños Héroes Uniformes", "Ñandú"]

@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons are asserted in English; the interface default is Spanish."""
    set_language("en")
    yield
    set_language("es")


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def body(delimiter: str) -> str:
    lines = [delimiter.join(["Razón social", "Municipio", "Capacidad mensual"])]
    lines += [delimiter.join([name, "Tehuacán", "1,200" if delimiter != "," else "1200"])
              for name in NAMES]
    return "\r\n".join(lines) + "\r\n"


def test_latin1_semicolons_keep_accents_exactly(tmp_path: Path) -> None:
    # What Excel (Spanish, Mexico) writes for "CSV (delimitado por comas)".
    path = write(tmp_path / "empresas.csv", body(";"), "cp1252")
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.headers == ["Razón social", "Municipio", "Capacidad mensual"]
    assert [row.cells[0] for row in table.rows] == NAMES
    assert {row.cells[1] for row in table.rows} == {"Tehuacán"}
    assert [row.number for row in table.rows] == [2, 3, 4, 5]  # header is row 1


@pytest.mark.parametrize(("encoding", "delimiter", "expected"), [
    ("utf-8-sig", ",", "utf-8-sig"),  # "CSV UTF-8 (delimitado por comas)"
    ("utf-8", ";", "utf-8"),
    ("utf-8", "\t", "utf-8"),
    ("utf-16", "\t", "utf-16"),  # Excel "Texto Unicode"
    ("latin-1", "|", "cp1252"),
])
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str,
                                  expected: str) -> None:
    path = write(tmp_path / "f.csv", body(delimiter), encoding)
    table = read_table(path)
    assert (table.encoding, table.delimiter) == (expected, delimiter)
    assert table.headers[0] == "Razón social"  # no BOM left in the first header
    assert [row.cells[0] for row in table.rows] == NAMES


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "sep=;\r\n" + body(";").replace(";", ",", 1), "cp1252")
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.headers == ["Razón social,Municipio", "Capacidad mensual"]
    assert table.rows[0].number == 2


def test_quoted_values_blank_rows_and_extra_cells(tmp_path: Path) -> None:
    text = ('nombre,estado\n"Peña, S.A. de C.V.",Puebla\n,\n\n'
            'Taller Ñuñoa,Yucatán,sobra\n')
    table = read_table(write(tmp_path / "f.csv", text, "utf-8"))
    assert [r.cells for r in table.rows] == [("Peña, S.A. de C.V.", "Puebla"),
                                             ("Taller Ñuñoa", "Yucatán")]
    assert [r.number for r in table.rows] == [2, 5]
    assert table.extra_cells == {5: 1}


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b"  \r\n ", "empty"),
    (b"\x00\x01\x02binary\x00", "not a text table"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", ".xls"),
    (b'nombre,estado\n"Pe\xc3\xb1a,Puebla\n', "broken CSV"),
    (b'nombre,estado\n"Pena"x,Puebla\n', "broken CSV"),
    (b"PK\x03\x04not really a zip", "Excel"),
    (b"PAR1garbage", "Parquet"),
])
def test_malformed_files_name_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "roto.csv"
    path.write_bytes(content)
    with pytest.raises(MalformedFile) as info:
        read_table(path)
    assert info.value.file == "roto.csv"
    assert reason in info.value.reason
    assert "roto.csv" in str(info.value)


def test_xlsx_sheet_by_kind_percent_and_dates(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "Notas"
    first.append(["nada"])
    sheet = workbook.create_sheet("Evaluaciones")
    sheet.append(["Empresa", "Fecha", "Indicador", "Valor"])
    sheet.append(["Peña", dt.datetime(2024, 5, 14), "on_time_delivery_pct", 0.925])
    sheet["D2"].number_format = "0.0%"
    sheet.append(["Ñandú", dt.date(2024, 5, 15), "lead_time_days", 21.0])
    path = tmp_path / "libro.xlsx"
    workbook.save(path)
    table = read_table(path, Kind.ASSESSMENTS)
    assert table.sheet == "Evaluaciones"
    assert [r.cells for r in table.rows] == [
        ("Peña", "2024-05-14", "on_time_delivery_pct", "92.5%"),
        ("Ñandú", "2024-05-15", "lead_time_days", "21"),
    ]
    assert read_table(path).sheet == "Notas"  # no kind: the first sheet


def test_parquet_is_typed(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "firms.parquet"
    pq.write_table(pa.table({"name": ["Peña"], "roles": [["contractor", "jobber"]],
                             "employees": pa.array([None], pa.int64()),
                             "share": [0.07]}), path)
    table = read_table(path)
    assert table.typed
    assert table.rows[0].cells == ("Peña", "contractor; jobber", "", "0.07")


def test_text_helpers() -> None:
    assert fold("  Razón_SOCIAL ") == "razon social"
    assert fold("Capacidad (piezas/mes)") == "capacidad piezas mes"
    assert clean(" Pen\u0303a\u00a0") == "Peña"  # decomposed ñ composed; no-break space
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_xlsx_header_below_title_gap_and_empty_column_a(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"] = "nombre", "estado"
    sheet["B5"], sheet["C5"], sheet["E5"] = "Peña", "Puebla", "sobra"
    path = tmp_path / "hueco.xlsx"
    workbook.save(path)
    table = read_table(path)
    assert (table.header_row, table.headers, table.letters) == (3, ["nombre", "estado"],
                                                               ["B", "C"])
    assert [(r.number, r.cells) for r in table.rows] == [(5, ("Peña", "Puebla"))]
    assert table.extra_cells == {5: 1}
