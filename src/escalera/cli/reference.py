"""Generate the CLI reference (docs/cli.md) from the real command tree.

``python -m escalera.cli.reference > docs/cli.md``; a test fails when the file is stale,
so no command or option goes undocumented.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

HEADER = (
    "# CLI reference\n\n"
    "Generated from the commands themselves by `python -m escalera.cli.reference`; "
    "do not edit by hand.\n"
)


def _param_line(param: Any) -> str:
    if isinstance(param, TyperArgument):
        text = f"- `{(param.name or '').upper()}` (argument)"
        return text + (f": {param.help}" if param.help else "")
    assert isinstance(param, TyperOption)
    flags = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    text = f"- {flags}"
    if param.help:
        text += f": {param.help}"
    if param.default not in (None, False, ()) and not param.is_flag:
        text += f" (default: `{param.default}`)"
    return text


def _walk(command: Any, path: list[str], out: list[str]) -> None:
    if isinstance(command, TyperGroup):
        if any(p.name != "help" for p in command.params):  # a group that runs by itself
            _describe(command, path, out)
        for name in sorted(command.commands):
            _walk(command.commands[name], [*path, name], out)
        return
    _describe(command, path, out)


def _describe(command: Any, path: list[str], out: list[str]) -> None:
    out.append(f"\n## `{' '.join(path)}`\n")
    if command.help:
        out.append(command.help.strip().split("\n\n")[0])
    params = [p for p in command.params if p.name != "help"]
    if params:
        out.append("")
        out.extend(_param_line(p) for p in params)


def render(app: typer.Typer) -> str:
    """Markdown for every command of ``app``, in a stable order."""
    root = typer.main.get_command(app)
    out = [HEADER, "## Global options\n"]
    out.extend(_param_line(p) for p in root.params if p.name != "help")
    _walk(root, ["escalera"], out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    from escalera.cli.main import build_app
    from escalera.i18n import set_language

    set_language("en")  # the reference is written in English, whatever ESCALERA_LANG says
    print(render(build_app()), end="")
