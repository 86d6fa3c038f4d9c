"""A run's results as files: JSON (everything), XLSX (orders and allocations sheets) or CSV
(orders, and allocations beside them) — what ``escalera match run|show --export`` and the
run page's download buttons write. Order ids and firm names are chosen by buyers and
producers: no cell is ever written as a formula (``ingest.csvsafe``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from escalera.errors import N_, EscaleraError
from escalera.i18n import _
from escalera.ingest import csvsafe
from escalera.services.matching import RunView


class ExportRefused(EscaleraError):
    """An export path whose format is not known."""


def _order_rows(view: RunView) -> list[dict[str, Any]]:
    return [{"run": view.id, "order": o["order"], "buyer": o["buyer"], "product": o["product"],
             "quantity": o["quantity"], "filled": o["filled"], "producers": o["producers"],
             "delivery_days": o["delivery_days"],
             "explanations": " | ".join(e["text"] for e in o["explanations"])}
            for o in view.orders]


def _allocation_rows(view: RunView) -> list[dict[str, Any]]:
    return [{"run": view.id, "order": o["order"], **{k: v for k, v in a.items()}}
            for o in view.orders for a in o["allocations"]]


EXPORT_SUFFIXES = (".json", ".xlsx", ".csv")


def check_export(path: Path) -> None:
    """Refuse an export path whose format is not known."""
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise ExportRefused(N_("export to a .csv, .xlsx or .json file, not {name!r}"),
                            name=path.name)


def export_run(view: RunView, path: Path) -> list[Path]:
    """Write a run to ``path``: .json (everything), .xlsx (two sheets) or .csv (orders in
    ``path``, allocations beside it in ``<name>-allocations.csv``)."""
    check_export(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(view.as_dict(), ensure_ascii=False, indent=2,
                                   default=str), encoding="utf-8")
        return [path]
    sheets = {_("orders"): _order_rows(view), _("allocations"): _allocation_rows(view)}
    if suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            columns = list(rows[0]) if rows else []
            sheet.append(columns)
            for row in rows:
                sheet.append(csvsafe.xlsx_row(sheet, [row[c] for c in columns]))
        book.save(path)
        return [path]
    if suffix == ".csv":
        written = []
        for (_title, rows), target in zip(
                sheets.items(), (path, path.with_name(f"{path.stem}-allocations.csv")),
                strict=True):
            columns = list(rows[0]) if rows else []
            with target.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csvsafe.writer(handle)
                writer.writerow(columns)
                writer.writerows([[row[c] for c in columns] for row in rows])
            written.append(target)
        return written
    raise AssertionError(f"unchecked export suffix {suffix}")  # pragma: no cover


