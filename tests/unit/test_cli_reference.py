"""docs/cli.md is generated from the real command tree; a stale file fails this test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escalera.cli.main import build_app
from escalera.cli.reference import render
from escalera.i18n import current_language, set_language

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.fixture()
def english_reference() -> Iterator[str]:
    """The reference rendered from a command tree built in English (the language of docs/cli.md)."""
    previous = current_language()
    set_language("en")
    try:
        yield render(build_app())
    finally:
        set_language(previous)


def test_cli_reference_is_current(english_reference: str) -> None:
    assert DOC.read_text(encoding="utf-8") == english_reference, (
        "regenerate: .venv/bin/python -m escalera.cli.reference > docs/cli.md")


def test_every_command_appears(english_reference: str) -> None:
    for command in ("init", "demo", "import firms", "export", "catalog validate", "firm show",
                    "ladder stats"):
        assert f"`escalera {command}`" in english_reference
