"""Entry point: ``escalera [--lang es|en] [--debug] COMMAND``."""

from __future__ import annotations

import sys
import traceback

import typer
from typer.exceptions import TyperException

from escalera.cli import (
    aql_cmd,
    assess_cmd,
    bench_cmd,
    catalog_cmd,
    data_cmd,
    demo_cmd,
    firm_cmd,
    init_cmd,
    inspect_cmd,
    ladder_cmd,
    match_cmd,
    orders_cmd,
    program_cmd,
    report_cmd,
    serve_cmd,
)
from escalera.cli.common import err_console
from escalera.config import load_settings
from escalera.errors import ConfigError, EscaleraError
from escalera.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, set_language
from escalera.services.context import AppContext

_debug = {"on": False}


def build_app() -> typer.Typer:
    """The command tree; help texts are read in the current language when this runs."""
    app = typer.Typer(
        name="escalera",
        help=_("Ladders of quality standards for networks of small producers."),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def main(
        ctx: typer.Context,
        lang: str = typer.Option(None, "--lang", help=_("Interface language: es or en.")),
        debug: bool = typer.Option(False, "--debug", help=_("Show tracebacks on errors.")),
    ) -> None:
        """escalera: registry, ladders of standards, gaps and market segments."""
        _debug["on"] = debug
        settings = load_settings()
        if lang:
            if lang not in LANGUAGES:
                raise ConfigError(_("unsupported language {lang!r}; use es or en")
                                  .format(lang=lang))
            settings = settings.model_copy(update={"lang": lang})
        set_language(settings.lang)
        ctx.obj = AppContext(settings=settings)

    init_cmd.register(app)
    catalog_cmd.register(app)
    firm_cmd.register(app)
    demo_cmd.register(app)
    ladder_cmd.register(app)
    data_cmd.register(app)
    bench_cmd.register(app)
    assess_cmd.register(app)
    report_cmd.register(app)
    aql_cmd.register(app)
    orders_cmd.register(app, match_cmd.register(app))
    inspect_cmd.register(app)
    program_cmd.register(app)
    serve_cmd.register(app)
    return app


app = build_app()


def help_language(argv: list[str]) -> str:
    """The language ``run`` builds the help in: the callback's choice, decided before parsing.

    A global ``--lang X`` / ``--lang=X`` (before the command name) wins, then ``ESCALERA_LANG``,
    then the default. A value that is not a language falls through to the next choice; the
    callback reports it once the command line is parsed.
    """
    for index, arg in enumerate(argv):
        value = None
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        elif not arg.startswith("-") and (index == 0 or argv[index - 1] != "--lang"):
            break  # the command name: a later --lang belongs to the command (import template)
        if value in LANGUAGES:
            return value
    try:
        lang = load_settings().lang
    except ConfigError:  # a bad ESCALERA_* variable: the callback reports it
        return DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def run() -> None:
    """Console script: domain errors become one line and exit code 1 (traceback with --debug)."""
    set_language(help_language(sys.argv[1:]))
    cli = build_app()
    try:
        # Without standalone mode, typer.Exit(n) comes back as the return value.
        result = cli(standalone_mode=False)
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
