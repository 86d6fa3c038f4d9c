"""Import firms, links and assessments from files: all or nothing, or ``skip_bad``.

Reading and validation are pure (``escalera.ingest``); this module loads what is stored,
runs them, and writes the good rows in the caller's transaction. With any bad row and no
``skip_bad`` nothing is written and :class:`ImportRejected` carries the full report.

A file whose bytes were imported before as the same kind (``import_batches.content_sha256``)
is refused with :class:`AlreadyImported`, naming the earlier import, unless ``force``: a
retried import (no answer came, the command was run twice) never adds its rows twice. On
SQLite the transaction takes the write lock only when it starts writing, after the files
were read and checked (``store.engine``), so a long import does not hold up other writers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.chain import Link
from escalera.domain.firms import Firm, normalise_name
from escalera.domain.ids import parse_firm_id
from escalera.errors import N_, EscaleraError, ImportRejected, InvalidFirmId
from escalera.i18n import _
from escalera.ingest.duplicates import DEFAULT_THRESHOLD, FirmRef, find_duplicates
from escalera.ingest.formats import KIND_NAMES, Kind
from escalera.ingest.headers import HeaderMap, map_headers
from escalera.ingest.reading import MalformedFile, RawTable, read_table, sheet_kinds
from escalera.ingest.report import FileSummary, ImportReport, RowError, rejects_path, write_rejects
from escalera.ingest.text import fold
from escalera.ingest.validate import FirmIndex, Known, validate_firms
from escalera.ingest.validate_assessments import (
    AssessmentDraft,
    item_index,
    validate_assessments,
)
from escalera.ingest.validate_links import validate_links
from escalera.store.firms import insert_firms, insert_links
from escalera.store.imports import (
    earlier_batch,
    hold_content,
    insert_assessments,
    record_batch,
    stored_assessment_ids,
    stored_firms,
    stored_link_keys,
)

Progress = Callable[[str, int, int], None]
ORDER = (Kind.FIRMS, Kind.LINKS, Kind.ASSESSMENTS)


class AlreadyImported(EscaleraError):
    """The same file (the same bytes) was imported into this database before, as the same
    kind; nothing was written."""


@dataclass(frozen=True)
class ImportFile:
    """One file to import and what it holds."""

    kind: Kind
    path: Path


def import_file(session: Session, catalog: Catalog, kind: Kind, path: Path, *,
                skip_bad: bool = False, mapping: Mapping[str, str | None] | None = None,
                today: dt.date | None = None, on_progress: Progress | None = None,
                force: bool = False) -> ImportReport:
    """Import one file; see :func:`import_files`."""
    return import_files(session, catalog, [ImportFile(kind, path)], skip_bad=skip_bad,
                        mapping=mapping, today=today, on_progress=on_progress, force=force)


def content_digest(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_repeats(session: Session, files: Sequence[ImportFile],
                    digests: Mapping[Path, str]) -> None:
    for item in files:
        earlier = earlier_batch(session, str(item.kind), digests[item.path])
        if earlier is not None:
            raise AlreadyImported(
                N_("{file} was already imported into this database on {date} (import "
                   "{batch}: {rows} rows written); nothing was written. To import the same "
                   "file again all the same, use --force (or tick \"import it again\")."),
                file=item.path.name, date=f"{earlier.created_at:%Y-%m-%d %H:%M}",
                batch=earlier.id, rows=earlier.rows_written)


def import_files(session: Session, catalog: Catalog, files: Sequence[ImportFile], *,
                 skip_bad: bool = False, mapping: Mapping[str, str | None] | None = None,
                 today: dt.date | None = None, on_progress: Progress | None = None,
                 threshold: float = DEFAULT_THRESHOLD, force: bool = False) -> ImportReport:
    """Import a set of files (firms first, then links, then assessments) in ``session``.

    Links and assessments may name firms of the same set. Raises ImportRejected, writing
    nothing, when any row is bad (or, even with ``skip_bad``, when a file is unreadable),
    and AlreadyImported when a file was imported before as the same kind (unless
    ``force``).
    """
    today = today or dt.date.today()
    progress = on_progress or (lambda _step, _done, _total: None)
    files = sorted(files, key=lambda f: ORDER.index(f.kind))
    digests = {item.path: content_digest(item.path) for item in files}
    if not force:
        _refuse_repeats(session, files, digests)
    report = ImportReport()
    tables: list[tuple[ImportFile, RawTable, HeaderMap]] = []
    for number, item in enumerate(files):
        progress(_("Reading {file}").format(file=item.path.name), number, len(files))
        loaded = _load(item, catalog, mapping, report)
        if loaded is not None:
            tables.append((item, *loaded))
    if not report.ok:
        raise ImportRejected(_("{count} problem(s) in the files; nothing was written")
                             .format(count=len(report.errors)), report)
    progress(_("Checking rows"), 0, 1)
    known = _known(session)
    good = _validate(tables, catalog, known, today, report, threshold)
    for summary, (_item, table, _map) in zip(report.files, tables, strict=True):
        summary.rejected = len({e.row for e in report.errors + report.held
                                if e.file == table.file})
    if not report.ok and not skip_bad:
        raise ImportRejected(_("{count} problem(s) in {rows} row(s); nothing was written")
                             .format(count=len(report.errors),
                                     rows=sum(f.rejected for f in report.files)), report)
    progress(_("Writing"), 0, 1)
    for digest in sorted(set(digests.values())):
        hold_content(session, digest)
    if not force:  # again, now that no one else can import the same file meanwhile
        _refuse_repeats(session, files, digests)
    _write(session, good, report)
    for summary, (item, table, _map) in zip(report.files, tables, strict=True):
        record_batch(session, kind=str(item.kind), filename=str(item.path),
                     written=summary.written, rejected=summary.rejected,
                     content_sha256=digests[item.path])
        problems = [e for e in report.errors + report.held if e.file == table.file]
        if problems:
            target = rejects_path(item.path)
            write_rejects(table, problems, target)
            summary.rejects_file = str(target)
    progress(_("Done"), 1, 1)
    return report


def _load(item: ImportFile, catalog: Catalog, mapping: Mapping[str, str | None] | None,
          report: ImportReport) -> tuple[RawTable, HeaderMap] | None:
    try:
        table = read_table(item.path, item.kind)
    except MalformedFile as exc:
        report.errors.append(RowError(exc.file, None, "", "", "malformed_file", exc.reason))
        return None
    extra = ({k: v for k, (_kind, v) in item_index(catalog).items()}
             if item.kind is Kind.ASSESSMENTS else None)
    header_map, problems = map_headers(item.kind, table.headers, mapping=mapping, extra=extra,
                                       letters=table.letters)
    report.errors.extend(RowError(table.file, table.header_row, p.column, "", p.code, p.reason)
                         for p in problems)
    report.files.append(FileSummary(
        kind=str(item.kind), file=table.file, rows=len(table.rows), encoding=table.encoding,
        delimiter=table.delimiter, sheet=table.sheet, columns=header_map.as_mapping()))
    if not table.rows:
        report.notes.append(_("{file} has a header but no rows").format(file=table.file))
    return table, header_map


def _known(session: Session) -> Known:
    return Known(
        firms=[FirmRef(i, n, s, m, founded_on=f) for i, n, s, m, f in stored_firms(session)],
        assessment_ids=stored_assessment_ids(session),
        link_keys=stored_link_keys(session),
    )


@dataclass
class _Good:
    """The good models of one file, in file order."""

    firms: list[Firm] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    assessments: list[AssessmentDraft] = field(default_factory=list)

    def rows(self) -> int:
        """How many file rows these models came from."""
        return len(self.firms) + len(self.links) + sum(len(a.rows) for a in self.assessments)


def _validate(tables: list[tuple[ImportFile, RawTable, HeaderMap]], catalog: Catalog,
              known: Known, today: dt.date, report: ImportReport,
              threshold: float) -> list[_Good]:
    """Validate every table (firms first); the good models per table."""
    good: list[_Good] = []
    new_refs: list[FirmRef] = []
    rejected: dict[str, FirmRef] = {}
    rejected_names: dict[str, FirmRef] = {}
    index: FirmIndex | None = None
    for item, table, header_map in tables:
        out = _Good()
        good.append(out)
        if item.kind is Kind.FIRMS:
            firms = validate_firms(table, header_map, known)
            report.errors.extend(firms.errors)
            out.firms = [f for _n, f in firms.items]
            new_refs.extend(FirmRef(f.id, f.name, f.state, f.municipality, table.file, n,
                                    f.founded_on) for n, f in firms.items)
            _remember_rejected(table, header_map, {e.row for e in firms.errors}, rejected,
                               rejected_names)
            continue
        if index is None:
            index = FirmIndex([*known.firms, *new_refs], rejected, rejected_names)
        if item.kind is Kind.LINKS:
            links = validate_links(table, header_map, index, known, today)
            report.errors.extend(links.errors)
            report.held.extend(links.held)
            out.links = [x for _n, x in links.items]
        else:
            visits = validate_assessments(table, header_map, catalog, index, known, today)
            report.errors.extend(visits.errors)
            report.held.extend(visits.held)
            out.assessments = [x for _n, x in visits.items]
    report.duplicates = find_duplicates(new_refs, known.firms, threshold)
    if report.duplicates:
        report.notes.append(_("{count} possible duplicate firm(s): check them; nothing was "
                              "merged").format(count=len(report.duplicates)))
    return good


def _remember_rejected(table: RawTable, header_map: HeaderMap, bad_rows: set[int | None],
                       rejected: dict[str, FirmRef],
                       rejected_names: dict[str, FirmRef]) -> None:
    """Ids and names of rejected firm rows, so rows naming them are held, not unknown."""
    id_col, name_col = header_map.columns.get("id"), header_map.columns.get("name")
    for row in table.rows:
        if row.number not in bad_rows:
            continue
        at = FirmRef("", "", "", "", table.file, row.number)
        if id_col is not None and row.cells[id_col]:
            rejected.setdefault(_canonical(row.cells[id_col]), at)
        if name_col is not None and row.cells[name_col]:
            rejected_names.setdefault(normalise_name(row.cells[name_col]), at)


def _write(session: Session, good: list[_Good], report: ImportReport) -> None:
    """Insert the good models, firms first; counts go into the report."""
    written = dict.fromkeys(("firms", "links", "assessments", "observations"), 0)
    for out, summary in zip(good, report.files, strict=True):
        written["firms"] += insert_firms(session, out.firms)
        written["links"] += insert_links(session, out.links) if out.links else 0
        written["assessments"] += len(out.assessments)
        written["observations"] += insert_assessments(session, [{
            "public_id": a.public_id, "firm_id": a.firm_id, "stage": a.stage,
            "assessed_on": a.assessed_on, "assessor": a.assessor, "status": a.status,
            "origin": a.origin, "values": a.values} for a in out.assessments])
        summary.written = out.rows()
    report.written = {k: v for k, v in written.items() if v}


def _canonical(text: str) -> str:
    try:
        return parse_firm_id(text)
    except InvalidFirmId:
        return text


def folder_files(path: Path) -> list[ImportFile]:
    """The files of an export folder or the sheets of a workbook, by kind name."""
    if path.is_file():
        kinds = sheet_kinds(path)
        if not kinds:
            raise EscaleraError(_("{file} has no sheet named firms, links or assessments "
                                  "(empresas, vinculos, evaluaciones)").format(file=path.name))
        return [ImportFile(kind, path) for kind in kinds]
    found: list[ImportFile] = []
    for kind in ORDER:
        for candidate in sorted(path.iterdir()) if path.is_dir() else []:
            if (candidate.suffix.lower() in {".csv", ".txt", ".xlsx", ".parquet"}
                    and fold(candidate.stem) in KIND_NAMES[kind]):
                found.append(ImportFile(kind, candidate))
                break
    if not found:
        raise EscaleraError(_("no firms, links or assessments file found in {path}")
                            .format(path=path))
    return found
