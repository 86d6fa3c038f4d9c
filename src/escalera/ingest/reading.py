"""Read a CSV, XLSX or Parquet file into text cells, whatever program saved it.

CSV: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252/Latin-1 (what Excel in
Mexico writes for "CSV (delimitado por comas)"); delimiter ``,`` ``;`` tab or ``|``, chosen
by which one splits the header row into the most columns, or given by an Excel ``sep=;``
first line. XLSX: the sheet named after the
kind (``firms``/``empresas``...) or else the first sheet; percent-formatted cells keep their
``%``. Parquet: typed columns, turned into text the way escalera writes them.

Row numbers are those a person sees in the spreadsheet: the header is row 1.

Limits, so that a small hostile file cannot take the server's memory or time: at most
``MAX_ROWS`` rows (the header included) and ``MAX_COLUMNS`` columns with a value, cells of
at most ``MAX_CELL_CHARS`` characters (Excel's own limit); a workbook may unpack to at most
``MAX_UNCOMPRESSED_BYTES`` and no part of it may be compressed more than
``MAX_COMPRESSION_RATIO`` to one. The size a sheet declares (``<dimension>``) is ignored:
only the cells present are read, row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escalera.errors import EscaleraError
from escalera.i18n import _
from escalera.ingest.csvsafe import unescaped_text
from escalera.ingest.formats import KIND_NAMES, Kind
from escalera.ingest.text import clean, column_letter, fold

DELIMITERS = (",", ";", "\t", "|")
MAX_ROWS = 100_000
"""Rows of a file, the header included."""
MAX_COLUMNS = 300
"""Columns with a value (empty formatted cells past the last value are not counted)."""
MAX_CELL_CHARS = 32_767
"""Characters of one cell (the most Excel keeps in a cell)."""
MAX_UNCOMPRESSED_BYTES = 150 * 2**20
"""What the parts of a workbook may unpack to, together."""
MAX_COMPRESSION_RATIO = 100
"""How much more a part of a workbook over 1 MB may unpack to than it takes in the file."""


class MalformedFile(EscaleraError):
    """A file that cannot be read as a table at all; the message names the file."""

    def __init__(self, file: str, reason: str) -> None:
        self.file, self.reason = file, reason
        super().__init__(f"{file}: {reason}")


@dataclass(frozen=True)
class RawRow:
    """One data row: its spreadsheet row number and its cells as text."""

    number: int
    cells: tuple[str, ...]


@dataclass
class RawTable:
    """A file read as text: headers, rows and how it was read."""

    file: str
    headers: list[str]
    rows: list[RawRow]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    typed: bool = False  # Parquet: numbers are taken as stored, without guessing
    header_row: int = 1
    letters: list[str] = field(default_factory=list)  # spreadsheet letter of each column
    extra_cells: dict[int, int] = field(default_factory=dict)  # row -> cells past the header


def read_table(path: Path, kind: Kind | None = None) -> RawTable:
    """Read ``path`` (format from its content, not its name); raises MalformedFile."""
    name = path.name
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise MalformedFile(name, _("cannot read the file ({error})").format(
            error=exc.strerror or exc)) from None
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(path, kind)
    if head.startswith(b"PAR1"):
        return read_parquet(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise MalformedFile(name, _("this is an old Excel .xls file: save it as .xlsx or CSV"))
    return read_csv(path)


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in (see module doc)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first line into the most fields (``,`` on ties)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        try:
            count = len(next(csv.reader([first], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def read_csv(path: Path) -> RawTable:
    """Read a delimited text file."""
    name = path.name
    data = path.read_bytes()
    if not data.strip():
        raise MalformedFile(name, _("the file is empty"))
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise MalformedFile(name, _("this is not a text table (CSV), XLSX or Parquet file"))
    text, encoding = decode(data)
    first, _newline, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        # Excel's hint line ("sep=;"): Excel hides it, so the header stays row 1.
        delimiter, text = first.strip()[4], rest
    else:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            _within_limits(name, number, record)
            records.append((number, record))
    except csv.Error as exc:
        raise MalformedFile(name, _("broken CSV near line {line}: {error}").format(
            line=reader.line_num, error=exc)) from None
    table = _table(name, records)
    table.encoding, table.delimiter = encoding, delimiter
    return table


def read_xlsx(path: Path, kind: Kind | None = None) -> RawTable:
    """Read one sheet of a workbook (see module doc for which sheet)."""
    import openpyxl

    name = path.name
    check_workbook_size(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise MalformedFile(name, _("not a readable Excel workbook ({error})").format(
            error=type(exc).__name__)) from None
    try:
        sheet = pick_sheet(workbook.sheetnames, kind)
        records = _xlsx_records(name, workbook[sheet])
    except MalformedFile:
        raise
    except Exception as exc:
        raise MalformedFile(name, _("not a readable Excel workbook ({error})").format(
            error=type(exc).__name__)) from None
    finally:
        workbook.close()
    table = _table(name, records)
    table.sheet = sheet
    return table


def check_workbook_size(path: Path) -> None:
    """Refuse a workbook that would unpack to too much (a "zip bomb"), before opening it."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise MalformedFile(name, _("not a readable Excel workbook ({error})").format(
            error=type(exc).__name__)) from None
    total = sum(part.file_size for part in parts)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise MalformedFile(name, _(
            "the workbook unpacks to {size} MB; at most {limit} MB are read").format(
            size=total // 2**20, limit=MAX_UNCOMPRESSED_BYTES // 2**20))
    for part in parts:
        if part.file_size > 2**20 and (
                part.file_size > MAX_COMPRESSION_RATIO * max(part.compress_size, 1)):
            raise MalformedFile(name, _(
                "part {part} of the workbook unpacks to {size} MB, more than {ratio} times "
                "its size in the file").format(part=part.filename,
                                               size=part.file_size // 2**20,
                                               ratio=MAX_COMPRESSION_RATIO))


def _xlsx_records(name: str, worksheet: Any) -> list[tuple[int, list[str]]]:
    """The rows of a sheet with their numbers, read from the cells present only."""
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # never trust (nor allocate) the declared size
    records = []
    for number, row in enumerate(worksheet.iter_rows(), start=1):
        if any(cell.value is not None for cell in row[MAX_COLUMNS:]):
            raise MalformedFile(name, _("row {row} has more than {limit} columns").format(
                row=number, limit=MAX_COLUMNS))
        cells = [xlsx_text(cell) for cell in row[:MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if cells:  # blank rows are left out (and not counted) whatever their number
            _within_limits(name, number, cells)
            records.append((number, cells))
    return records


def _within_limits(name: str, number: int, cells: list[str]) -> None:
    """Refuse a file at its first row past the limits of rows, columns or cell size."""
    if number > MAX_ROWS:
        raise MalformedFile(name, _("more than {limit} rows: split the file").format(
            limit=f"{MAX_ROWS:,}"))
    if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
        raise MalformedFile(name, _("row {row} has more than {limit} columns").format(
            row=number, limit=MAX_COLUMNS))
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            raise MalformedFile(name, _(
                "cell {cell} holds more than {limit} characters").format(
                cell=f"{column_letter(index)}{number}", limit=f"{MAX_CELL_CHARS:,}"))


def sheet_kinds(path: Path) -> list[Kind]:
    """The kinds a workbook has a sheet for (by sheet name)."""
    import openpyxl

    check_workbook_size(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:
        raise MalformedFile(path.name, _("not a readable Excel workbook ({error})").format(
            error=type(exc).__name__)) from None
    names = {fold(sheet) for sheet in workbook.sheetnames}
    workbook.close()
    return [kind for kind, aliases in KIND_NAMES.items() if names & set(aliases)]


def pick_sheet(sheetnames: list[str], kind: Kind | None) -> str:
    """The sheet named after ``kind`` in English or Spanish, else the first one."""
    if kind is not None:
        for sheet in sheetnames:
            if fold(sheet) in KIND_NAMES[kind]:
                return sheet
    return sheetnames[0]


def xlsx_text(cell: Any) -> str:
    """A cell as text: dates as YYYY-MM-DD, percent-formatted numbers with ``%``."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in str(getattr(cell, "number_format", "") or ""):
            return number_text(round(value * 100, 9)) + "%"
        return number_text(value)
    return str(value)


def number_text(value: float) -> str:
    """A number without binary noise or a needless ``.0``: 12000, 92.5, 1e-05."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()
                                  and abs(value) < 1e15):
        return str(int(value))
    return repr(value)


def read_parquet(path: Path) -> RawTable:
    """Read a Parquet file; lists become ``a; b``, numbers are kept exact."""
    import pyarrow.parquet as pq

    name = path.name
    try:
        metadata = pq.read_metadata(path)
        if metadata.num_rows + 1 > MAX_ROWS or metadata.num_columns > MAX_COLUMNS:
            raise MalformedFile(name, _(
                "{rows} rows and {columns} columns: at most {max_rows} rows and "
                "{max_columns} columns").format(
                rows=f"{metadata.num_rows:,}", columns=metadata.num_columns,
                max_rows=f"{MAX_ROWS - 1:,}", max_columns=MAX_COLUMNS))
        data = pq.read_table(path)
    except MalformedFile:
        raise
    except Exception as exc:
        raise MalformedFile(name, _("not a readable Parquet file ({error})").format(
            error=type(exc).__name__)) from None
    headers = [str(h) for h in data.column_names]
    records = [(1, headers)]
    for number, row in enumerate(data.to_pylist(), start=2):
        records.append((number, [_typed_text(row[h]) for h in headers]))
    table = _table(name, records)
    table.typed = True
    return table


def _typed_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_typed_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return number_text(value)
    return str(value)


def _table(name: str, records: list[tuple[int, list[str]]]) -> RawTable:
    """Headers from the first non-blank record, then the non-blank data rows."""
    records = [(n, [unescaped_text(clean(c)) for c in cells]) for n, cells in records]
    filled = [(n, cells) for n, cells in records if any(cells)]
    if not filled:
        raise MalformedFile(name, _("the file has no header row"))
    header_row, headers = filled[0]
    # The header's width: cells past the last header are reported per row, not as columns.
    width = max((i + 1 for i, h in enumerate(headers) if h), default=0)
    rows = [(n, (cells + [""] * width)) for n, cells in filled[1:]]
    # Columns with neither a header nor a value (often column A) are layout, not data.
    keep = [i for i in range(width) if headers[i] or any(c[i] for _n, c in rows)]
    table = RawTable(file=name, headers=[headers[i] for i in keep], rows=[],
                     header_row=header_row, letters=[column_letter(i) for i in keep])
    for number, cells in rows:
        extra = [c for c in cells[width:] if c]
        if extra:
            table.extra_cells[number] = len(extra)
        table.rows.append(RawRow(number, tuple(cells[i] for i in keep)))
    return table
