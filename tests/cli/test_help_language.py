"""``--help`` speaks the language chosen for the run: --lang wins, then ESCALERA_LANG, then es."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _run_cli(*args: str, lang_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ESCALERA_LANG"}
    if lang_env is not None:
        env["ESCALERA_LANG"] = lang_env
    env["COLUMNS"] = "200"  # keep each help line whole, so phrases are not wrapped apart
    return subprocess.run([sys.executable, "-m", "escalera", *args], capture_output=True,
                          text=True, env=env, check=False, timeout=120)


def test_help_is_spanish_by_default() -> None:
    proc = _run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Escaleras de estándares de calidad para redes de pequeños productores." in proc.stdout
    assert "Idioma de la interfaz" in proc.stdout and "Empresas del registro." in proc.stdout
    assert "Ladders of quality standards" not in proc.stdout


@pytest.mark.parametrize("lang_args", [("--lang", "en"), ("--lang=en",)])
def test_lang_option_gives_english_help(lang_args: tuple[str, ...]) -> None:
    proc = _run_cli(*lang_args, "--help", lang_env="es")
    assert proc.returncode == 0, proc.stderr
    assert "Ladders of quality standards for networks of small producers." in proc.stdout
    assert "Interface language: es or en." in proc.stdout
    assert "Idioma de la interfaz" not in proc.stdout


def test_environment_gives_english_help_of_a_command() -> None:
    proc = _run_cli("firm", "show", "--help", lang_env="en")
    assert proc.returncode == 0, proc.stderr
    assert "A firm's level on each ladder" in proc.stdout
    assert "Evaluation date (YYYY-MM-DD); default today." in proc.stdout
    assert "Nivel de una empresa" not in proc.stdout


def test_lang_option_wins_over_the_environment() -> None:
    proc = _run_cli("--lang", "es", "firm", "show", "--help", lang_env="en")
    assert proc.returncode == 0, proc.stderr
    assert "Nivel de una empresa en cada escalera" in proc.stdout


def test_a_command_lang_option_does_not_pick_the_help_language() -> None:
    # import template has a --lang of its own (the header language); the global one is absent.
    proc = _run_cli("import", "template", "--lang", "en", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Escribir una plantilla" in proc.stdout


def test_unknown_language_is_one_clean_error_line() -> None:
    proc = _run_cli("--lang", "xx", "firm", "show", "X")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "'xx'" in lines[0], proc.stderr


def test_bad_environment_value_is_one_line_naming_the_variable() -> None:
    env = {**os.environ, "ESCALERA_STALE_AFTER_DAYS": "abc"}
    proc = subprocess.run([sys.executable, "-m", "escalera", "init"], capture_output=True,
                          text=True, env=env, check=False, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "ESCALERA_STALE_AFTER_DAYS='abc'" in lines[0]
