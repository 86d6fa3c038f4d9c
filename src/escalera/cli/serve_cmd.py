"""``escalera serve``: the web application (database from ESCALERA_DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import typer

from escalera.cli.common import app_context, console
from escalera.i18n import _

SERVER_OPTIONS: dict[str, Any] = {"log_level": "warning", "proxy_headers": False,
                                  "forwarded_allow_ips": ""}
"""How uvicorn serves the application: without its own reading of X-Forwarded-For, which by
default trusts any request from 127.0.0.1 and so lets a client on the same machine pick its
address; the application reads those headers itself, from the proxies named in
ESCALERA_TRUSTED_PROXIES only (``web.security.client_address``)."""


def serve(settings_ctx: typer.Context, host: str, port: int) -> None:
    """Run the web application with uvicorn until interrupted."""
    import uvicorn

    from escalera.web.app import create_app

    context = app_context(settings_ctx)
    context.engine  # noqa: B018 - bring the schema up to date before serving
    console.print(_("Serving escalera at http://{host}:{port}/ (Ctrl+C stops it).").format(
        host=host, port=port), highlight=False)
    uvicorn.run(create_app(context.settings), host=host, port=port, **SERVER_OPTIONS)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command("serve", help=_("Serve the web application: the JSON API under /api/v1 and "
                                  "the pages, in Spanish and English."))
    def serve_cmd(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", "--host", help=_("Address to listen on.")),
        port: int = typer.Option(8000, "--port", min=1, max=65535,
                                 help=_("Port to listen on.")),
    ) -> None:
        """Serve the web application."""
        serve(ctx, host, port)
