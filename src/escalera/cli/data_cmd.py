"""``escalera import firms|links|assessments|all FILE``, ``import template``, ``export DIR``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn

from escalera.cli.common import app_context, console, err_console, json_option, print_json
from escalera.errors import ImportRejected
from escalera.i18n import _, current_language
from escalera.ingest.formats import Kind, parse_kind
from escalera.ingest.headers import load_mapping, save_mapping
from escalera.ingest.report import ImportReport, render
from escalera.ingest.templates import template_name, write_template
from escalera.services.exporting import ExportFormat, export_all
from escalera.services.importing import ImportFile, folder_files, import_files


# The shared options are built when a command is registered, not at import, so their help
# is read in the language chosen for this run (see escalera.cli.main.run).
def skip_bad_option() -> Any:
    """``--skip-bad``."""
    return typer.Option(False, "--skip-bad",
                        help=_("Write the good rows; put bad ones in FILE.rejects.csv."))


def mapping_option() -> Any:
    """``--mapping``."""
    return typer.Option(None, "--mapping", help=_("YAML file: header in your file -> column."))


def force_option() -> Any:
    """``--force``."""
    return typer.Option(False, "--force",
                        help=_("Import even a file that was imported before (same bytes, "
                               "same kind): its rows are added again."))


def save_mapping_option() -> Any:
    """``--save-mapping``."""
    return typer.Option(None, "--save-mapping",
                        help=_("Save how the headers were read, to reuse with --mapping."))


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback drawing on stderr (quiet when stderr is not a terminal)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), console=err_console,
                  transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("", total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=max(total, 1))

        yield update


def run_import(ctx: typer.Context, files: list[ImportFile], skip_bad: bool,
               mapping: Path | None, save_to: Path | None, json_out: bool,
               force: bool = False) -> None:
    """Import, print the report, exit 1 when the import was rejected or the same file was
    imported before (``AlreadyImported``: the entry point prints it)."""
    context = app_context(ctx)
    user_mapping = load_mapping(mapping) if mapping else None
    rejected: ImportRejected | None = None
    try:
        with progress_bar() as on_progress, context.transaction() as session:
            report = import_files(session, context.catalog, files, skip_bad=skip_bad,
                                  mapping=user_mapping, on_progress=on_progress, force=force)
    except ImportRejected as exc:
        assert isinstance(exc.report, ImportReport)
        report, rejected = exc.report, exc
    if save_to is not None:
        save_mapping(save_to, [f.columns for f in report.files])
    if json_out:
        print_json(report.to_dict())
    else:
        render(report, console)
        if rejected is not None:
            if report.rows_only:
                err_console.print(_("Fix the rows above and import again, or use --skip-bad "
                                    "to write the good rows."), highlight=False)
        else:
            labels = {"firms": _("firms"), "links": _("links"),
                      "assessments": _("assessments"), "observations": _("observations")}
            console.print(_("Written: {counts}").format(counts=", ".join(
                f"{n} {labels[kind]}" for kind, n in report.written.items()) or "0"),
                highlight=False)
    if rejected is not None:
        raise rejected  # the entry point prints its one-line summary and exits 1


def _kind_command(group: typer.Typer, kind: Kind, help_text: str) -> None:
    @group.command(str(kind), help=help_text)
    def command(ctx: typer.Context,
                file: Path = typer.Argument(..., help=_("CSV, XLSX or Parquet file.")),
                skip_bad: bool = skip_bad_option(), mapping: Path | None = mapping_option(),
                save_to: Path | None = save_mapping_option(),
                json_out: bool = json_option(), force: bool = force_option()) -> None:
        run_import(ctx, [ImportFile(kind, file)], skip_bad, mapping, save_to, json_out, force)


def register(app: typer.Typer) -> None:
    """Add the ``import`` group and the ``export`` command to ``app``."""
    group = typer.Typer(help=_("Import firms, links and assessments from CSV, XLSX or Parquet "
                               "(see docs/import-format.md)."), no_args_is_help=True)
    app.add_typer(group, name="import")
    _kind_command(group, Kind.FIRMS, _("Import firms (empresas)."))
    _kind_command(group, Kind.LINKS, _("Import links between firms (vínculos)."))
    _kind_command(group, Kind.ASSESSMENTS, _("Import assessments: one row per observation, "
                                             "or one column per metric or practice."))

    @group.command("all", help=_("Import the firms, links and assessments files of a folder "
                                 "(or workbook sheets)."))
    def import_all(ctx: typer.Context,
                   path: Path = typer.Argument(..., help=_("Export folder or workbook.")),
                   skip_bad: bool = skip_bad_option(), mapping: Path | None = mapping_option(),
                   save_to: Path | None = save_mapping_option(),
                   json_out: bool = json_option(), force: bool = force_option()) -> None:
        """Import the firms, links and assessments files of a folder (or workbook sheets)."""
        run_import(ctx, folder_files(path), skip_bad, mapping, save_to, json_out, force)

    @group.command("template", help=_("Write a template: the documented header and an "
                                      "example row."))
    def template(
        kind: str = typer.Argument(..., help=_("firms, links or assessments.")),
        fmt: str = typer.Option("csv", "--format", help=_("csv or xlsx.")),
        lang: str = typer.Option(None, "--lang", help=_("Header language: es or en.")),
        output: Path | None = typer.Option(None, "-o", "--output", help=_("File to write.")),
    ) -> None:
        """Write a template: the documented header and an example row."""
        chosen = parse_kind(kind)
        language = lang or current_language()
        if fmt not in {"csv", "xlsx"} or language not in {"es", "en"}:
            raise typer.BadParameter(_("use --format csv|xlsx and --lang es|en"))
        path = output or Path(template_name(chosen, fmt, language))
        write_template(chosen, path, fmt=fmt, lang=language)
        console.print(_("Template written to {path}").format(path=path), highlight=False)

    @app.command("export", help=_("Export firms, links and assessments; the files import back "
                                  "unchanged."))
    def export(ctx: typer.Context,
               folder: Path = typer.Argument(..., help=_("Folder to write into.")),
               fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format",
                                                help=_("csv, xlsx or parquet.")),
               json_out: bool = json_option()) -> None:
        """Export firms, links and assessments; the files import back unchanged."""
        context = app_context(ctx)
        with progress_bar() as on_progress, context.transaction() as session:
            result = export_all(session, context.catalog, folder, fmt, on_progress)
        if json_out:
            print_json({"files": [str(p) for p in result.files], "rows": result.rows})
            return
        for path in result.files:
            console.print(str(path), highlight=False)
        console.print(_("Exported {firms} firms, {links} links, {rows} assessment rows.")
                      .format(firms=result.rows["firms"], links=result.rows["links"],
                              rows=result.rows["assessments"]), highlight=False)
