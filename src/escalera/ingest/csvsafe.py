"""Spreadsheet cells safe to open: no text of ours is ever run as a formula.

A CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
for a formula by Excel and LibreOffice (``=HYPERLINK(...)``, ``-2+3+cmd|' /C calc'!A0``);
firm names, order ids and the cells of an import's rejects file are typed by users. Such a
text cell gets a leading ``'`` (OWASP's rule for CSV injection); the full-width forms of
those characters (``＝＋－＠``), which some spreadsheets fold into the ASCII ones, too.
Numbers are never touched: a numeric column keeps ``-2.5`` a number, decided by the value's
type (or, for text read from a file, by the column being numeric and the text a plain
number), never by looking like one alone.

In XLSX a text starting with ``=`` would be written as a formula; ``xlsx_cell`` keeps it
text. Every CSV and XLSX writer of escalera goes through ``writer`` / ``safe_row`` and
``xlsx_cell``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

FORMULA_LEADS = frozenset("=+-@\t\r＝＋－＠")
"""First characters that make a spreadsheet read a cell as a formula."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,.]*|[.,]\d+)(e[+-]?\d+)?%?", re.IGNORECASE)


def is_number(value: object) -> bool:
    """A number value (never a bool)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def safe_text(text: str, numeric: bool = False) -> str:
    """``text`` with a leading ``'`` when it would start a formula; in a ``numeric`` column
    a plain number (``-2.5``, ``-12%``) stays as it is, whatever else begins with a sign
    does not (``-2+3+cmd|...``)."""
    if not text or text[0] not in FORMULA_LEADS:
        return text
    if numeric and _PLAIN_NUMBER.fullmatch(text):
        return text
    return "'" + text


def unescaped_text(text: str) -> str:
    """What ``safe_text`` wrote, read back: the leading ``'`` before a formula character
    is dropped, so an exported file imports with the names as they were."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_LEADS:
        return text[1:]
    return text


def safe_cell(value: Any, numeric: bool = False) -> Any:
    """A cell value to write: numbers and other non-text values unchanged, text through
    ``safe_text``."""
    if isinstance(value, str):
        return safe_text(value, numeric)
    return value


def safe_row(row: Iterable[Any], numeric: Sequence[bool] = ()) -> list[Any]:
    """Every cell of ``row`` through ``safe_cell``; ``numeric[i]``: column ``i`` holds
    numbers."""
    return [safe_cell(v, i < len(numeric) and numeric[i]) for i, v in enumerate(row)]


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """``csv.writer`` whose every row goes through ``safe_row`` (``numeric``: which columns
    hold numbers, by position)."""

    def __init__(self, inner: _Writer, numeric: Sequence[bool] = ()) -> None:
        self._inner, self.numeric = inner, tuple(numeric)

    def writerow(self, row: Iterable[Any], numeric: Sequence[bool] | None = None) -> Any:
        """Write one row, neutralised (``numeric``: this row's own column kinds)."""
        return self._inner.writerow(safe_row(row, self.numeric if numeric is None
                                             else numeric))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write rows, neutralised."""
        for row in rows:
            self.writerow(row)


def writer(handle: Any, numeric: Sequence[bool] = (), **options: Any) -> SafeWriter:
    """A CSV writer on ``handle`` that never writes a formula (``options`` as
    ``csv.writer``'s)."""
    return SafeWriter(csv.writer(handle, **options), numeric)


def xlsx_cell(worksheet: Any, value: Any) -> Any:
    """An openpyxl cell holding ``value`` as data: a text starting with ``=`` stays text
    (openpyxl would write it as a formula) and shows as typed; dates, numbers, booleans
    keep their type. Append it with ``worksheet.append([...cells])`` (plain or write-only
    worksheets)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"  # text, never a formula
    return cell


def xlsx_row(worksheet: Any, values: Iterable[Any]) -> list[Any]:
    """``xlsx_cell`` for every value of a row."""
    return [xlsx_cell(worksheet, v) for v in values]

