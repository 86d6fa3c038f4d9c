"""Rows -> domain models or RowErrors: firms, and what links and assessments share.

Links are in ``validate_links``, assessments in ``validate_assessments``.

No database access: what already exists is passed in as :class:`Known`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import ValidationError

from escalera.domain.firms import ExportRegime, Firm, Role, Source, SourceKind, normalise_name
from escalera.domain.ids import firm_id_from_int, parse_firm_id
from escalera.errors import InvalidFirmId
from escalera.i18n import _
from escalera.ingest.cells import parse_int_list, split_list
from escalera.ingest.duplicates import FirmRef, place
from escalera.ingest.headers import HeaderMap
from escalera.ingest.numbers import CellError
from escalera.ingest.reading import RawRow, RawTable
from escalera.ingest.report import RowError
from escalera.ingest.rowread import RowReader
from escalera.ingest.vocab import REGIMES, ROLES, choices, lookup

T = TypeVar("T")
_ID_SHAPE = re.compile(r"[Ff][\s-]?[0-9A-Za-z]{4}[\s-]?[0-9A-Za-z]{4}[\s-]?[0-9A-Za-z*~$=]")


@dataclass
class Known:
    """What the database already holds, as far as validation needs to know."""

    firms: list[FirmRef] = field(default_factory=list)
    assessment_ids: set[str] = field(default_factory=set)
    link_keys: set[tuple[str, str, str, dt.date]] = field(default_factory=set)


@dataclass
class Validated(Generic[T]):
    """Good rows (row number, model), bad rows' errors, and rows held back."""

    items: list[tuple[int, T]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    held: list[RowError] = field(default_factory=list)


def where(file: str, row: int) -> str:
    """Provenance reference: ``firms.csv row 12``."""
    return f"{file} row {row}"


def validate_firms(table: RawTable, header_map: HeaderMap, known: Known) -> Validated[Firm]:
    """Firms, with ids minted for rows without one (never colliding with stored ids)."""
    read = RowReader(table, header_map)
    stored = {f.id for f in known.firms}
    explicit: dict[str, list[int]] = defaultdict(list)
    drafts: list[tuple[RawRow, str | None, dict[str, object]]] = []
    for row in table.rows:
        firm_id = _firm_id(read, row, stored)
        if firm_id is not None:
            explicit[firm_id].append(row.number)
        drafts.append((row, firm_id, _firm_fields(read, row)))
    for firm_id, rows in explicit.items():
        if len(rows) > 1:
            for number in rows:
                read.fail_at(number, header_map.label("id"), firm_id, "duplicate_id",
                             _("the same id is on rows {rows}").format(
                                 rows=", ".join(map(str, rows))))
    taken = stored | explicit.keys()
    serial = len(stored) + 1
    out: Validated[Firm] = Validated()
    for row, firm_id, values in drafts:
        if read.bad(row):
            continue
        if firm_id is None:
            while firm_id_from_int(serial) in taken:
                serial += 1
            firm_id = firm_id_from_int(serial)
            taken.add(firm_id)
        source = Source(kind=SourceKind.IMPORT, ref=where(table.file, row.number))
        provenance = {name: source for name in ("id", *values) if read.text(row, name)}
        try:
            firm = Firm.model_validate({"id": firm_id, **values, "provenance": provenance})
        except ValidationError as exc:
            model_errors(read, row, exc)
            continue
        out.items.append((row.number, firm))
    out.errors = read.errors
    return out


def _firm_id(read: RowReader, row: RawRow, stored: set[str]) -> str | None:
    text = read.text(row, "id")
    if not text:
        return None
    try:
        firm_id = parse_firm_id(text)
    except InvalidFirmId as exc:
        read.fail(row, "id", "bad_firm_id", _id_reason(exc))
        return None
    if firm_id in stored:
        read.fail(row, "id", "id_exists", _("a firm with this id is already in the database"))
    return firm_id


def _id_reason(exc: InvalidFirmId) -> str:
    if "check character" in str(exc):
        return _("the id fails its check character: probably mistyped")
    return _("not a firm id (expected F-XXXX-XXXX-C)")


def _firm_fields(read: RowReader, row: RawRow) -> dict[str, object]:
    values: dict[str, object] = {}
    values["name"] = read.required(row, "name")
    read.longer_than(row, "name", 200)
    roles: list[Role] = []
    for word in split_list(read.required(row, "roles")):
        role = lookup(ROLES, word)
        if role is None:
            read.fail(row, "roles", "unknown_value", _("unknown role {word!r}; use: {choices}")
                      .format(word=word, choices=choices(Role)))
        elif role not in roles:
            roles.append(role)
    values["roles"] = roles
    values["state"] = read.required(row, "state")
    read.longer_than(row, "state", 80)
    values["municipality"] = read.text(row, "municipality")
    read.longer_than(row, "municipality", 120)
    values["products"] = split_list(read.text(row, "products"))
    try:
        chapters = parse_int_list(read.text(row, "hs_chapters"))
    except CellError as exc:
        read.fail(row, "hs_chapters", exc.code, exc.reason)
        chapters = []
    if any(not 1 <= c <= 99 for c in chapters):
        read.fail(row, "hs_chapters", "out_of_range", _("HS chapters are 1-99 (61 knitted, "
                                                         "62 woven)"))
    values["hs_chapters"] = chapters
    values["employees"] = read.integer(row, "employees", 200_000)
    values["monthly_capacity"] = read.integer(row, "monthly_capacity", 100_000_000)
    regime = read.choice(row, "export_regime", REGIMES, ExportRegime)
    values["export_regime"] = regime or ExportRegime.DOMESTIC
    values["hosts_visits"] = bool(read.boolean(row, "hosts_visits"))
    values["founded_on"] = read.date(row, "founded_on")
    capital = read.integer(row, "working_capital", 10**12)
    values["working_capital"] = None if capital is None else float(capital)
    return values


def model_errors(read: RowReader, row: RawRow, exc: ValidationError) -> None:
    """A model's own checks, as row errors on the column they concern."""
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        read.fail(row, name, "invalid", str(error["msg"]))


class FirmIndex:
    """Firms a link or assessment may name: by id, or by a name that is unique."""

    def __init__(self, firms: Iterable[FirmRef], rejected: dict[str, FirmRef],
                 rejected_names: dict[str, FirmRef]) -> None:
        self.ids = set()
        self.names: dict[str, set[str]] = defaultdict(set)
        self.founded: dict[str, dt.date] = {}  # firms whose founding date is known
        for firm in firms:
            self.ids.add(firm.id)
            if firm.founded_on is not None:
                self.founded[firm.id] = firm.founded_on
            self.names[normalise_name(firm.name)].add(firm.id)
        self.rejected, self.rejected_names = rejected, rejected_names

    def resolve(self, read: RowReader, row: RawRow, name: str) -> str | None:
        """The firm id column ``name`` refers to; records an error (or a hold) otherwise."""
        text = read.text(row, name)
        if not text:
            return None
        try:
            firm_id = parse_firm_id(text)
        except InvalidFirmId as exc:
            if _ID_SHAPE.fullmatch(text):
                read.fail(row, name, "bad_firm_id", _id_reason(exc))
                return None
            return self._by_name(read, row, name, text)
        if firm_id in self.ids:
            return firm_id
        if firm_id in self.rejected:
            self._hold(read, row, name, self.rejected[firm_id])
        else:
            read.fail(row, name, "unknown_firm", _("no firm with this id in the files or the "
                                                  "database"))
        return None

    def _by_name(self, read: RowReader, row: RawRow, name: str, text: str) -> str | None:
        key = normalise_name(text)
        found = self.names.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            read.fail(row, name, "ambiguous_firm", _("several firms have this name ({ids}); "
                                                    "use the firm id").format(
                                                        ids=", ".join(sorted(found))))
        elif key in self.rejected_names:
            self._hold(read, row, name, self.rejected_names[key])
        else:
            read.fail(row, name, "unknown_firm", _("no firm with this id or name in the files "
                                                  "or the database"))
        return None

    @staticmethod
    def _hold(read: RowReader, row: RawRow, name: str, firm: FirmRef) -> None:
        read.fail(row, name, "held", _("refers to a firm that was rejected ({where})")
                  .format(where=place(firm)))


def split_held(errors: list[RowError]) -> tuple[list[RowError], list[RowError]]:
    """Errors proper, and rows held back only because a row they depend on was rejected."""
    held_rows = {(e.file, e.row) for e in errors if e.code == "held"}
    real_rows = {(e.file, e.row) for e in errors if e.code != "held"}
    only_held = held_rows - real_rows
    return ([e for e in errors if (e.file, e.row) not in only_held],
            [e for e in errors if (e.file, e.row) in only_held])
