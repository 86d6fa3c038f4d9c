"""Shared CLI plumbing: the app context, JSON output, and errors as one clear line."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

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
