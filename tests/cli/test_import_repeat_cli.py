"""``escalera import`` of a file imported before: refused with the earlier import named,
nothing written; ``--force`` imports it again on purpose."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.services.importing import AlreadyImported
from escalera.store.engine import make_engine
from escalera.store.tables import FirmRow

runner = CliRunner()
FIRMS = ("nombre;roles;estado;municipio\r\n"
         "Confecciones Repetidas;maquila;Puebla;Tehuacán\r\n"
         "Bordados Dos Veces;taller doméstico;Yucatán;Mérida\r\n")


def _firms(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count(FirmRow.id))) or 0)
    finally:
        engine.dispose()


def test_a_file_imported_twice_is_refused_unless_forced(fresh_database_url: str,
                                                         tmp_path: Path) -> None:
    env = {"ESCALERA_DATABASE_URL": fresh_database_url}
    path = tmp_path / "empresas.csv"
    path.write_text(FIRMS, encoding="utf-8")
    first = runner.invoke(app, ["--lang", "en", "import", "firms", str(path)], env=env)
    assert first.exit_code == 0, first.output
    assert _firms(fresh_database_url) == 2
    # the same bytes under another name are the same file
    copy = tmp_path / "copia.csv"
    copy.write_bytes(path.read_bytes())
    again = runner.invoke(app, ["--lang", "en", "import", "firms", str(copy)], env=env)
    assert again.exit_code == 1  # the console script prints the error's one line
    message = str(again.exception)
    assert isinstance(again.exception, AlreadyImported)
    assert "copia.csv was already imported into this database on" in message
    assert "nothing was written" in message and "--force" in message
    assert _firms(fresh_database_url) == 2
    forced = runner.invoke(app, ["--lang", "en", "import", "firms", str(copy), "--force"],
                           env=env)
    assert forced.exit_code == 0, forced.output
    assert _firms(fresh_database_url) == 4
