"""``ingest.csvsafe``: OWASP's rule for CSV injection, numbers kept numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from escalera.ingest.csvsafe import safe_cell, safe_row, safe_text, writer, xlsx_cell
from escalera.ingest.reading import read_table


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+SUM(1,2)", "@SUM(1)",
                                  "-2+3+cmd|' /C calc'!A0", "\t=1", "\r=1", "＝1+1",
                                  "＋1", "－1", "＠SUM(1)", "-", "="])
def test_formula_leading_text_gets_a_quote(text: str) -> None:
    assert safe_text(text) == "'" + text
    assert safe_text(text, numeric=True) == "'" + text  # not a plain number either


@pytest.mark.parametrize("text", ["-2.5", "+3", "-12%", "-1,234.5", "-1e5"])
def test_a_plain_number_stays_in_a_numeric_column_only(text: str) -> None:
    assert safe_text(text, numeric=True) == text
    assert safe_text(text) == "'" + text  # a text column: the firm is named "-2.5"


def test_other_text_and_non_text_values_are_unchanged() -> None:
    for text in ("Taller Doña Ñeli", "", "a=b", " =1", "'=1"):
        assert safe_text(text) == text
    assert safe_row([-2.5, -3, True, None, "=1"]) == [-2.5, -3, True, None, "'=1"]
    assert safe_cell("-5", numeric=True) == "-5"


def test_the_writer_neutralises_every_row() -> None:
    out = io.StringIO()
    safe = writer(out, numeric=[False, True])
    safe.writerow(["=1", "-5"])
    safe.writerows([["@x", "-2+3"]])
    safe.writerow(["-5", "-5"], numeric=[True, False])
    assert out.getvalue().splitlines() == ["'=1,-5", "'@x,'-2+3", "-5,'-5"]


def test_an_xlsx_cell_keeps_text_as_text() -> None:
    sheet = Workbook().active
    assert xlsx_cell(sheet, "=SUM(1)").data_type == "s"
    assert xlsx_cell(sheet, -2.5).data_type == "n"
    assert xlsx_cell(sheet, "plain").data_type == "s"


def test_an_exported_csv_imports_with_the_names_as_they_were(tmp_path: Path) -> None:
    """The quote protects the spreadsheet, not the data: reading the file back drops it
    (only before a formula character; a name that starts with a quote keeps it)."""
    names = ['=HYPERLINK("http://x","y")', "+SUM(1,2)", "@SUM(1)", "-2+3+cmd", "'quoted"]
    path = tmp_path / "firms.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        safe = writer(handle)
        safe.writerow(["name", "employees"])
        safe.writerows([[name, 3] for name in names])
    table = read_table(path)
    assert [row.cells[0] for row in table.rows] == names
