"""What an import found: every bad row, likely duplicates, counts; as a table, JSON or CSV."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from escalera.i18n import _
from escalera.ingest import csvsafe
from escalera.ingest.duplicates import DuplicateCandidate, place
from escalera.ingest.reading import RawTable

# Problems with a whole file or its header row: --skip-bad cannot skip these.
FILE_CODES = frozenset({"malformed_file", "no_header", "bad_mapping", "unknown_column",
                        "duplicate_column", "missing_column", "mixed_forms"})


@dataclass(frozen=True)
class RowError:
    """One problem: file, spreadsheet row (None: the whole file), column as written, value."""

    file: str
    row: int | None
    column: str
    value: str
    code: str
    reason: str


@dataclass
class FileSummary:
    """One file read: what kind, how, how many rows, how many written and rejected."""

    kind: str
    file: str
    rows: int = 0
    written: int = 0
    rejected: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    rejects_file: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)  # header -> column read as


@dataclass
class ImportReport:
    """Everything an import found. ``held`` are good rows not written because a row they
    depend on was rejected (with ``--skip-bad`` only)."""

    files: list[FileSummary] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    held: list[RowError] = field(default_factory=list)
    duplicates: list[DuplicateCandidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no row was bad."""
        return not self.errors

    @property
    def rows_only(self) -> bool:
        """True when every problem is in a data row (so ``--skip-bad`` could go ahead)."""
        return not any(e.code in FILE_CODES for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document."""
        return {
            "ok": self.ok, "written": self.written,
            "files": [asdict(f) for f in self.files],
            "errors": [asdict(e) for e in self.errors],
            "held": [asdict(e) for e in self.held],
            "duplicates": [{"score": d.score, "new": asdict(d.new), "other": asdict(d.other)}
                           for d in self.duplicates],
            "notes": self.notes,
        }


def render(report: ImportReport, console: Console) -> None:
    """Print the report: files, every bad row, likely duplicates, notes."""
    for summary in report.files:
        console.print(_("{file}: {rows} rows read, {written} written, {rejected} rejected")
                      .format(file=summary.file, rows=summary.rows, written=summary.written,
                              rejected=summary.rejected), highlight=False)
    if report.errors:
        console.print(error_table(report.errors, _("Rows with errors")))
    if report.held:
        console.print(error_table(report.held, _("Rows held back")))
    if report.duplicates:
        console.print(duplicates_table(report.duplicates))
    for note in report.notes:
        console.print(f"• {note}", highlight=False)
    for summary in report.files:
        if summary.rejects_file:
            console.print(_("Rejected rows written to {path}").format(path=summary.rejects_file),
                          highlight=False)


def error_table(errors: list[RowError], title: str) -> Table:
    """Row, column, value, reason: one line per problem."""
    table = Table(title=title, show_lines=False)
    for header in (_("File"), _("Row"), _("Column"), _("Value"), _("Reason")):
        table.add_column(header, overflow="fold")
    for error in errors:
        table.add_row(error.file, "" if error.row is None else str(error.row), error.column,
                      error.value, error.reason)
    return table


def duplicates_table(candidates: list[DuplicateCandidate]) -> Table:
    """Likely duplicates, for a person to confirm (nothing is merged)."""
    table = Table(title=_("Possible duplicate firms (confirm; nothing was merged)"))
    for header in (_("New firm"), _("Looks like"), _("Score")):
        table.add_column(header, overflow="fold")
    for cand in candidates:
        table.add_row(f"{cand.new.name} ({cand.new.id}, {place(cand.new)})",
                      f"{cand.other.name} ({cand.other.id}, {place(cand.other)})",
                      f"{cand.score:g}")
    return table


def rejects_path(source: Path) -> Path:
    """Where the rejected rows of ``source`` go: ``firms.csv`` -> ``firms.rejects.csv``."""
    return source.with_name(f"{source.stem}.rejects.csv")


def write_rejects(table: RawTable, problems: list[RowError], path: Path) -> int:
    """The rejected rows as they were, plus an ``error`` column; UTF-8 with BOM for Excel.

    Fix the rows and import the rejects file itself: the ``error`` column is ignored. A cell
    that would start a formula gets a leading ``'`` (``ingest.csvsafe``; the messages echo
    what was typed too); a plain number such as ``-5`` stays as typed.
    """
    by_row: dict[int, list[RowError]] = {}
    for problem in problems:
        if problem.row is not None:
            by_row.setdefault(problem.row, []).append(problem)
    delimiter = table.delimiter or ","
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csvsafe.writer(handle, delimiter=delimiter)
        writer.writerow([*table.headers, "error"])
        for row in table.rows:
            found = by_row.get(row.number)
            if found:
                reasons = "; ".join(f"{p.column}: {p.reason}" if p.column else p.reason
                                    for p in found)
                cells = [*row.cells, _("row {row}: {reasons}").format(
                    row=row.number, reasons=reasons)]
                # the cells are text as typed: a plain number may stay one wherever it is
                writer.writerow(cells, numeric=[True] * len(row.cells) + [False])
    return len(by_row)
