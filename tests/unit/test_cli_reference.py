"""docs/cli.md is generated from the real command tree; a stale file fails this test."""

from __future__ import annotations

from pathlib import Path

from escalera.cli.main import app
from escalera.cli.reference import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(app), (
        "regenerate: .venv/bin/python -m escalera.cli.reference > docs/cli.md")


def test_every_command_appears() -> None:
    text = render(app)
    for command in ("init", "demo", "import firms", "export", "catalog validate", "firm show",
                    "ladder stats"):
        assert f"`escalera {command}`" in text
