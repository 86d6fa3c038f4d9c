"""``python -m escalera`` runs the CLI."""

from escalera.cli.main import run

run()
