"""Entry point: ``escalera [--lang es|en] [--debug] COMMAND``."""

from __future__ import annotations

import sys
import traceback

import typer
from typer.exceptions import TyperException

from escalera.cli import catalog_cmd, data_cmd, demo_cmd, firm_cmd, init_cmd, ladder_cmd
from escalera.cli.common import err_console
from escalera.config import Settings
from escalera.errors import EscaleraError
from escalera.i18n import _, set_language
from escalera.services.context import AppContext

app = typer.Typer(
    name="escalera",
    help="Ladders of quality standards for networks of small producers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_debug = {"on": False}


@app.callback()
def main(
    ctx: typer.Context,
    lang: str = typer.Option(None, "--lang", help="Interface language: es or en."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    """escalera: registry, ladders of standards, gaps and market segments."""
    settings = Settings()
    if lang:
        settings = settings.model_copy(update={"lang": lang})
    set_language(settings.lang)
    _debug["on"] = debug
    ctx.obj = AppContext(settings=settings)


init_cmd.register(app)
catalog_cmd.register(app)
firm_cmd.register(app)
demo_cmd.register(app)
ladder_cmd.register(app)
data_cmd.register(app)


def run() -> None:
    """Console script: domain errors become one line and exit code 1 (traceback with --debug)."""
    try:
        # Without standalone mode, typer.Exit(n) comes back as the return value.
        result = app(standalone_mode=False)
        if isinstance(result, int) and result:
            sys.exit(result)
    except EscaleraError as exc:
        if _debug["on"]:
            traceback.print_exc()
        label = _("Error")
        err_console.print(f"[red]{label}:[/red] {exc}", highlight=False)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print(_("Aborted."))
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except TyperException as exc:  # usage errors: show them the way Typer does
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(exc.format_message(), highlight=False)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _debug["on"]:
            traceback.print_exc()
        else:
            label, hint = _("Unexpected error"), _("run with --debug for details")
            err_console.print(f"[red]{label}:[/red] {exc!r} ({hint})", highlight=False)
        sys.exit(2)
