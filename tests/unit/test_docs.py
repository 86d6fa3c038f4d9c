"""Documentation keeps up with the code: every setting is in the README."""

from __future__ import annotations

from pathlib import Path

from escalera.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"ESCALERA_{name.upper()}" for name in Settings.model_fields
               if f"ESCALERA_{name.upper()}" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"


def test_readme_gives_the_two_setup_commands_ci_uses() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in ci
