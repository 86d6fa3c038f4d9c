"""Template files users can download: the documented header and an example row.

CSV templates are UTF-8 with BOM (Excel shows accents); XLSX templates add a sheet that
describes every column. Headers are Spanish or English; both import unchanged.
"""

from __future__ import annotations

from pathlib import Path

from escalera.ingest import csvsafe
from escalera.ingest.formats import COLUMNS, KIND_NAMES, Kind

# The template's own language, whatever the interface language is.
DOC_WORDS = {
    "es": ("columnas", "Columna", "Obligatoria", "Tipo", "Descripción", "Ejemplo", "sí", "no"),
    "en": ("columns", "Column", "Required", "Type", "Description", "Example", "yes", "no"),
}


def example_rows(kind: Kind, lang: str) -> list[list[str]]:
    """The example row(s) of a template: assessments show one metric and one practice."""
    row = [c.example(lang) for c in COLUMNS[kind]]
    if kind is not Kind.ASSESSMENTS:
        return [row]
    practice = list(row)
    names = [c.name for c in COLUMNS[kind]]
    practice[names.index("item")] = "final_inspection"
    practice[names.index("value")] = "2"
    return [row, practice]


def template_name(kind: Kind, fmt: str, lang: str) -> str:
    """Default file name: ``plantilla_empresas.csv`` or ``firms_template.csv``."""
    if lang == "en":
        return f"{kind}_template.{fmt}"
    return f"plantilla_{KIND_NAMES[kind][1]}.{fmt}"


def write_template(kind: Kind, path: Path, *, fmt: str = "csv", lang: str = "es") -> Path:
    """Write the template of ``kind`` to ``path`` as CSV or XLSX."""
    headers = [c.header(lang) for c in COLUMNS[kind]]
    rows = example_rows(kind, lang)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csvsafe.writer(handle)
            writer.writerow(headers)
            writer.writerows(rows)
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = KIND_NAMES[kind][0 if lang == "en" else 1]
    sheet.append(csvsafe.xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(csvsafe.xlsx_row(sheet, row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, col in enumerate(COLUMNS[kind], start=1):
        sheet.cell(row=1, column=number).number_format = "@"
        width = max(len(col.header(lang)), len(col.example(lang))) + 4
        sheet.column_dimensions[sheet.cell(row=1, column=number).column_letter].width = width
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.number_format = "@"  # text: keeps 12,000 and 01/03/2021 as typed
    words = DOC_WORDS["en" if lang == "en" else "es"]
    doc = workbook.create_sheet(words[0])
    doc.append(words[1:6])
    for col in COLUMNS[kind]:
        doc.append([col.header(lang), words[6] if col.required else words[7], str(col.type),
                    col.help(lang), col.example(lang)])
    workbook.save(path)
    return path
