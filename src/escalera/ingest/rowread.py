"""Typed reads of documented columns from raw rows; every problem becomes a RowError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TypeVar

from escalera.i18n import _
from escalera.ingest.cells import parse_bool, parse_date
from escalera.ingest.headers import HeaderMap
from escalera.ingest.numbers import CellError, Written, parse_integer, parse_number
from escalera.ingest.reading import RawRow, RawTable
from escalera.ingest.report import RowError
from escalera.ingest.vocab import choices, lookup

V = TypeVar("V")


class RowReader:
    """Reads cells of one file by documented column name and collects RowErrors."""

    def __init__(self, table: RawTable, header_map: HeaderMap) -> None:
        self.table, self.map = table, header_map
        self.errors: list[RowError] = []
        self._bad_rows: set[int] = set()
        for number, count in table.extra_cells.items():
            self.fail_at(number, "", "", "extra_values", _(
                "{count} more value(s) than the header has columns (a delimiter inside a "
                "value without quotes?)").format(count=count))

    def text(self, row: RawRow, name: str) -> str:
        """The cell of documented column ``name`` ("" when the file has no such column)."""
        index = self.map.columns.get(name)
        return row.cells[index] if index is not None else ""

    def fail(self, row: RawRow, name: str, code: str, reason: str) -> None:
        """Record a problem with column ``name`` of ``row``."""
        self.fail_at(row.number, self.map.label(name), self.text(row, name), code, reason)

    def fail_at(self, number: int, column: str, value: str, code: str, reason: str) -> None:
        """Record a problem given the column label and value as written."""
        self.errors.append(RowError(self.table.file, number, column, value, code, reason))
        self._bad_rows.add(number)

    def bad(self, row: RawRow) -> bool:
        """True when ``row`` has a problem so far."""
        return row.number in self._bad_rows

    def required(self, row: RawRow, name: str) -> str:
        """The text of a required column; records ``missing_value`` when empty."""
        value = self.text(row, name)
        if not value:
            self.fail(row, name, "missing_value", _("a value is required"))
        return value

    def integer(self, row: RawRow, name: str, maximum: int) -> int | None:
        """A whole number 0..maximum, or None (empty or bad)."""
        text = self.text(row, name)
        if not text:
            return None
        try:
            value = parse_integer(text)
        except CellError as exc:
            self.fail(row, name, exc.code, exc.reason)
            return None
        if value < 0:
            self.fail(row, name, "negative", _("must not be negative"))
            return None
        if value > maximum:
            self.fail(row, name, "too_large", _("implausibly large (at most {maximum:,})")
                      .format(maximum=maximum))
            return None
        return value

    def number(self, row: RawRow, name: str) -> Written | None:
        """A number as written, or None (empty or bad)."""
        text = self.text(row, name)
        if not text:
            return None
        try:
            return parse_number(text)
        except CellError as exc:
            self.fail(row, name, exc.code, exc.reason)
            return None

    def date(self, row: RawRow, name: str, today: dt.date | None = None) -> dt.date | None:
        """A date, or None; with ``today``, a later date is a ``future_date`` problem."""
        text = self.text(row, name)
        if not text:
            return None
        try:
            value = parse_date(text)
        except CellError as exc:
            self.fail(row, name, exc.code, exc.reason)
            return None
        if today is not None and value > today:
            self.fail(row, name, "future_date", _("date in the future (today is {today})")
                      .format(today=today.isoformat()))
            return None
        return value

    def boolean(self, row: RawRow, name: str) -> bool | None:
        """Yes/no, or None when empty or bad."""
        text = self.text(row, name)
        if not text:
            return None
        try:
            return parse_bool(text)
        except CellError as exc:
            self.fail(row, name, exc.code, exc.reason)
            return None

    def choice(self, row: RawRow, name: str, table: Mapping[str, V],
               allowed: Iterable[object]) -> V | None:
        """One value of a vocabulary (Spanish or English words), or None."""
        text = self.text(row, name)
        if not text:
            return None
        value = lookup(table, text)
        if value is None:
            self.fail(row, name, "unknown_value", _("unknown value; use one of: {choices}")
                      .format(choices=choices(allowed)))
        return value

    def longer_than(self, row: RawRow, name: str, limit: int) -> bool:
        """Record ``too_long`` and return True when the text exceeds ``limit`` characters."""
        if len(self.text(row, name)) > limit:
            self.fail(row, name, "too_long", _("too long (at most {limit} characters)")
                      .format(limit=limit))
            return True
        return False
