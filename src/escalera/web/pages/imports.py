"""The import page: upload a CSV or XLSX of firms, links, assessments or orders, run the
import the CLI runs (``services.importing``; orders through ``ingest.orders``), and show the
row-level error report or the counts written. Export buttons for the registry."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from escalera.domain.orders import OrderError, requirement
from escalera.domain.permissions import Action
from escalera.errors import EscaleraError, ImportRejected
from escalera.i18n import _
from escalera.ingest.formats import Kind
from escalera.ingest.orders import read_orders
from escalera.ingest.report import ImportReport
from escalera.services import accounts
from escalera.services.context import AppContext
from escalera.services.exporting import ExportFormat, export_all
from escalera.services.importing import AlreadyImported, ImportFile, import_files
from escalera.store import orders as order_repo
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.pages.assess import Form, check_csrf
from escalera.web.templating import render

router = APIRouter()
Ctx = Annotated[AppContext, Depends(context)]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SUFFIXES = (".csv", ".txt", ".xlsx")
KINDS = ("firms", "links", "assessments", "orders")
TABLES = ("firms", "links", "assessments")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: Request, who: Any, data: dict[str, Any] | None = None,
          status_code: int = 200) -> Response:
    return render(request, "import.html.j2", {
        "who": who, "kinds": KINDS, "kind": "firms", "report": None, "problems": [],
        "message": "", "written": None, "filename": "", "max_mb": MAX_UPLOAD_BYTES // 2**20,
        "tables": TABLES, **(data or {})}, status_code=status_code)


@router.get("/import")
def import_page(request: Request, who: PageWho) -> Response:
    """The upload form and the export buttons."""
    allow(who, Action.IMPORT)
    return _page(request, who)


def _safe_name(name: str) -> str:
    base = Path(name or "upload.csv").name
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .") or "upload.csv"
    return cleaned[:100]


@router.post("/import")
def run_import(request: Request, who: PageWho, session: DB, ctx: Ctx, form: Form) -> Response:
    """Import the uploaded file; all or nothing unless "write the good rows" is ticked; a
    file imported before is refused (409) unless "import it again" is ticked."""
    check_csrf(request, form)
    allow(who, Action.IMPORT)
    kind = str(form.get("kind") or "")
    upload = form.get("file")
    skip_bad = form.get("skip_bad") == "1"
    base = {"kind": kind if kind in KINDS else "firms"}
    if kind not in KINDS:
        return _page(request, who, {**base, "message": _(
            "unknown kind of file {kind!r}: use firms, links or assessments").format(
            kind=kind)}, 422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, who, {**base, "message": _("choose a file to import")}, 422)
    name = _safe_name(upload.filename)
    if not name.lower().endswith(SUFFIXES):
        return _page(request, who, {**base, "filename": name, "message": _(
            "import a .csv or .xlsx file, not {name!r}").format(name=name)}, 422)
    content = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, _("the file is larger than {mb} MB").format(
            mb=MAX_UPLOAD_BYTES // 2**20))
    with tempfile.TemporaryDirectory(prefix="escalera-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        if kind == "orders":
            return _import_orders(request, who, session, ctx, path, base)
        report: ImportReport
        try:  # a refused import writes nothing (it is refused before writing)
            report = import_files(session, ctx.catalog, [ImportFile(Kind(kind), path)],
                                  skip_bad=skip_bad, force=form.get("force") == "1")
        except ImportRejected as exc:
            assert isinstance(exc.report, ImportReport)
            return _page(request, who, {**base, "filename": name, "report": exc.report,
                                        "message": str(exc)}, 422)
        except AlreadyImported as exc:
            return _page(request, who, {**base, "filename": name, "message": str(exc)}, 409)
        accounts.audit(session, actor=who.username, action="import", entity=kind,
                       entity_id=name, before=None,
                       after={"written": report.written, "rejected": len(report.errors)})
    return _page(request, who, {**base, "filename": name, "report": report,
                                "written": report.written})


def _import_orders(request: Request, who: Any, session: Any, ctx: AppContext, path: Path,
                   base: dict[str, Any]) -> Response:
    try:
        orders = read_orders(path)
        for order in orders:
            requirement(order, ctx.catalog)
        clash = order_repo.existing_ids(session, [o.id for o in orders])
        if clash:
            raise OrderError(_("order {id} is already in the database").format(
                id=sorted(clash)[0]))
    except EscaleraError as exc:
        return _page(request, who, {**base, "filename": path.name,
                                    "problems": str(exc).splitlines(),
                                    "message": _("nothing was written")}, 422)
    order_repo.insert_orders(session, orders)
    accounts.audit(session, actor=who.username, action="import", entity="orders",
                   entity_id=path.name, before=None,
                   after={"written": {"orders": len(orders)},
                          "orders": [o.id for o in orders]})
    return _page(request, who, {**base, "filename": path.name,
                                "written": {"orders": len(orders)}})


@router.get("/import/export.{fmt}")
def export_registry(fmt: str, who: PageWho, session: DB, ctx: Ctx,
                    table: str = "firms") -> Response:
    """The registry as a download: one XLSX workbook, or one table as CSV."""
    allow(who, Action.IMPORT)
    if fmt not in ("csv", "xlsx") or table not in TABLES:
        raise HTTPException(404, _("no such export format"))
    chosen = ExportFormat(fmt)
    with tempfile.TemporaryDirectory(prefix="escalera-export-") as folder:
        result = export_all(session, ctx.catalog, Path(folder), chosen)
        path = result.files[0] if chosen is ExportFormat.XLSX else next(
            p for p in result.files if p.stem == table)
        body = path.read_bytes()
    name = "escalera.xlsx" if chosen is ExportFormat.XLSX else f"{table}.csv"
    media = XLSX if chosen is ExportFormat.XLSX else "text/csv; charset=utf-8"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
