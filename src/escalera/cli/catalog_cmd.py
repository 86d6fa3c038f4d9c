"""``escalera catalog validate``: check a catalog file or folder."""

from __future__ import annotations

from pathlib import Path

import typer

from escalera.catalog import load_catalog
from escalera.cli.common import console, json_option, print_json
from escalera.i18n import _


def register(app: typer.Typer) -> None:
    """Add the ``catalog`` group to ``app``."""
    group = typer.Typer(help=_("Metrics, practices, ladders and segments."),
                        no_args_is_help=True)
    app.add_typer(group, name="catalog")

    @group.command("validate", help=_("Load and check a catalog; a broken file is reported "
                                        "with file, line and field."))
    def validate(
        path: Path | None = typer.Argument(None, help=_("Catalog folder or YAML file; "
                                             "default: the packaged catalog.")),
        json_out: bool = json_option(),
    ) -> None:
        """Load and check a catalog; a broken file is reported with file, line and field."""
        catalog = load_catalog(path)
        summary = {
            "metrics": len(catalog.metrics), "practices": len(catalog.practices),
            "ladders": {lad.id: [lv.id for lv in lad.levels] for lad in catalog.ladders},
            "segments": [s.id for s in catalog.segments],
        }
        if json_out:
            print_json({"valid": True, **summary})
            return
        console.print(_("Catalog is valid: {m} metrics, {p} practices, {l} ladders, "
                        "{s} segments.").format(m=summary["metrics"], p=summary["practices"],
                                                l=len(catalog.ladders),
                                                s=len(catalog.segments)))
