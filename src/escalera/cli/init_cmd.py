"""``escalera init``: create or upgrade the database schema."""

from __future__ import annotations

import typer

from escalera.cli.common import app_context, console, json_option, print_json
from escalera.i18n import _


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("init", help=_("Create the database (or bring its schema up to date)."))
    def init(ctx: typer.Context,
             json_out: bool = json_option()) -> None:
        """Create the database (or bring its schema up to date)."""
        context = app_context(ctx)
        _engine = context.engine  # migrates on first use
        url = context.settings.resolved_database_url()
        if json_out:
            print_json({"database": _engine.url.render_as_string(hide_password=True),
                        "status": "ready"})
        else:
            console.print(_("Database ready: {url}").format(url=url))
