"""Export firms, links and assessments (with observations) to CSV, XLSX or Parquet.

The files use the documented import columns, so they import back unchanged
(``escalera import all FOLDER``). CSV is UTF-8 with BOM so Excel shows accents, and a text
cell that would start a formula gets a leading ``'`` (``ingest.csvsafe``); percentage
metrics carry a ``%`` sign; ``volume_share`` is a fraction 0-1. XLSX is one workbook with
a sheet per table, percentages as percent-formatted numbers. Parquet keeps types: lists are
lists, percentages are 0-100 and ``volume_share`` 0-1, exactly as stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.ingest import csvsafe
from escalera.ingest.formats import COLUMNS, Kind
from escalera.ingest.reading import number_text
from escalera.store.dump import all_assessments, all_firms, all_links

Progress = Callable[[str, int, int], None]


class ExportFormat(StrEnum):
    """File formats for export."""

    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"


@dataclass
class ExportResult:
    """The files written and how many rows each table has."""

    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Sheet:
    kind: Kind
    columns: list[str]
    rows: list[list[Any]]
    percent_rows: frozenset[int]  # rows whose ``value`` is a percentage


def tables(session: Session, catalog: Catalog) -> list[_Sheet]:
    """The three tables with documented columns, values typed."""
    percent = {m.id for m in catalog.metrics if m.unit == "%"}
    names = {kind: [c.name for c in COLUMNS[kind]] for kind in Kind}
    firms = [[f[c] for c in names[Kind.FIRMS]] for f in all_firms(session)]
    links = [[x[c] for c in names[Kind.LINKS]] for x in all_links(session)]
    visits: list[list[Any]] = []
    percent_rows: set[int] = set()
    for a in all_assessments(session):
        head = [a["assessment_id"], a["firm_id"], a["date"], a["stage"], a["assessor"],
                a["status"]]
        for kind, item, value in a["observations"] or [("", "", None)]:
            if kind == "metric" and item in percent:
                percent_rows.add(len(visits))
            visits.append([*head, item, value])
    return [_Sheet(Kind.FIRMS, names[Kind.FIRMS], firms, frozenset()),
            _Sheet(Kind.LINKS, names[Kind.LINKS], links, frozenset()),
            _Sheet(Kind.ASSESSMENTS, names[Kind.ASSESSMENTS], visits, frozenset(percent_rows))]


def export_all(session: Session, catalog: Catalog, folder: Path,
               fmt: ExportFormat = ExportFormat.CSV,
               on_progress: Progress | None = None) -> ExportResult:
    """Write every table into ``folder`` (created if needed)."""
    progress = on_progress or (lambda _step, _done, _total: None)
    folder.mkdir(parents=True, exist_ok=True)
    sheets = tables(session, catalog)
    result = ExportResult(rows={str(s.kind): len(s.rows) for s in sheets})
    if fmt is ExportFormat.XLSX:
        progress("escalera.xlsx", 0, 1)
        result.files.append(_write_xlsx(sheets, folder / "escalera.xlsx"))
        return result
    for number, sheet in enumerate(sheets):
        progress(f"{sheet.kind}.{fmt}", number, len(sheets))
        path = folder / f"{sheet.kind}.{fmt}"
        if fmt is ExportFormat.CSV:
            _write_csv(sheet, path)
        else:
            _write_parquet(sheet, path)
        result.files.append(path)
    return result


def _text(value: Any, percent: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return number_text(value) + ("%" if percent else "")
    return str(value)


def _write_csv(sheet: _Sheet, path: Path) -> None:
    value_col = sheet.columns.index("value") if "value" in sheet.columns else -1
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csvsafe.writer(handle)
        writer.writerow(sheet.columns)
        for number, row in enumerate(sheet.rows):
            # numbers stay numbers (-2.5), text never starts a formula: by the value's type
            writer.writerow([_text(v, i == value_col and number in sheet.percent_rows)
                             for i, v in enumerate(row)],
                            numeric=[csvsafe.is_number(v) for v in row])


def _write_xlsx(sheets: Sequence[_Sheet], path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(str(sheet.kind))
        ws.append(sheet.columns)
        share_col = sheet.columns.index("volume_share") if sheet.kind is Kind.LINKS else -1
        value_col = sheet.columns.index("value") if sheet.kind is Kind.ASSESSMENTS else -1
        for number, row in enumerate(sheet.rows):
            cells = []
            for i, value in enumerate(row):
                if isinstance(value, list | tuple):
                    value = _text(value)
                cell = csvsafe.xlsx_cell(ws, value)  # text, never a formula
                if isinstance(value, float) and (
                        i == share_col or (i == value_col and number in sheet.percent_rows)):
                    cell.value = value if i == share_col else value / 100
                    cell.number_format = "0.##########%"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            ws.append(cells)
    workbook.save(path)
    return path


def _write_parquet(sheet: _Sheet, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"roles": pa.list_(pa.string()), "products": pa.list_(pa.string()),
             "hs_chapters": pa.list_(pa.int64()), "employees": pa.int64(),
             "monthly_capacity": pa.int64(), "hosts_visits": pa.bool_(),
             "founded_on": pa.date32(), "working_capital": pa.float64(),
             "start": pa.date32(), "end": pa.date32(), "exclusive": pa.bool_(),
             "volume_share": pa.float64(), "date": pa.date32(), "value": pa.float64()}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in sheet.columns])
    data = {c: [row[i] for row in sheet.rows] for i, c in enumerate(sheet.columns)}
    pq.write_table(pa.table(data, schema=schema), path)
