"""Shared CLI plumbing: the app context, JSON output, and errors as one clear line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import typer
from rich.console import Console

from escalera.i18n import _
from escalera.services.context import AppContext

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # an error stays one line


def app_context(ctx: typer.Context) -> AppContext:
    """The context built by the top-level callback."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


# Options shared by many commands, built when a command is registered so their help is in
# the language of the run.
def json_option() -> Any:
    """``--json``: print one JSON document instead of tables."""
    return typer.Option(False, "--json", help=_("Print JSON."))


def on_option() -> Any:
    """``--on DATE``: the evaluation date."""
    return typer.Option(None, "--on", help=_("Evaluation date (YYYY-MM-DD); default today."))


def firm_id_argument() -> Any:
    """The public firm id argument."""
    return typer.Argument(..., help=_("Public firm id, e.g. F-00R2-WZY4-6."))


def parse_day(text: str | None) -> dt.date:
    """A date typed on the command line, or today."""
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(_("expected a date as YYYY-MM-DD, got {value!r}")
                                 .format(value=text)) from None
