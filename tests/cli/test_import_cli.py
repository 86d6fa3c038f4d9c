"""``escalera import ...``, ``import template`` and ``export`` through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.i18n import set_language
from escalera.store.dump import all_assessments, all_firms, all_links
from escalera.store.engine import make_engine

runner = CliRunner()

FIRMS = ("Razón social;Tipo;Estado;Municipio;Capacidad mensual;Régimen\r\n"
         "Confecciones Peña;maquila;Puebla;Tehuacán;12,000;maquila\r\n"
         "Bordados Ñuñoa;taller doméstico;Yucatán;Mérida;-200;nacional\r\n"
         "Uniformes del Bajío;fabricante;Guanajuato;León;30 000;definitivo\r\n")
LINKS = ("origen;destino;tipo;inicio;participación\r\n"
         "Uniformes del Bajío;Confecciones Peña;subcontratación;2022-01-15;0.3\r\n")
VISITS = ("empresa;fecha;etapa;indicador;valor\r\n"
          "Confecciones Peña;14/05/2024;diagnóstico;on_time_delivery_pct;0.92\r\n"
          "Confecciones Peña;14/05/2024;diagnóstico;final_inspection;2\r\n")


@pytest.fixture(autouse=True)
def language() -> Iterator[None]:
    yield
    set_language("es")


@pytest.fixture()
def env(fresh_database_url: str) -> dict[str, str]:
    """An empty database of the kind under test (SQLite file or PostgreSQL schema)."""
    return {"ESCALERA_DATABASE_URL": fresh_database_url}


def invoke(env: dict[str, str], *args: str) -> Any:
    return runner.invoke(app, ["--lang", "en", *args], env=env)


def latin1(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("cp1252"))
    return path


def snapshot(url: str) -> tuple[Any, ...]:
    engine = make_engine(url)
    with Session(engine) as session:
        data = all_firms(session), all_links(session), all_assessments(session)
    engine.dispose()
    return data


def test_bad_row_rejects_the_file_and_reports_it(tmp_path: Path, env: dict[str, str]) -> None:
    path = latin1(tmp_path / "empresas.csv", FIRMS)
    result = invoke(env, "import", "firms", str(path), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["written"] == {}
    assert [(e["row"], e["column"], e["value"], e["code"]) for e in report["errors"]] == [
        (3, "Capacidad mensual", "-200", "negative")]
    assert report["errors"][0]["reason"] == "must not be negative"
    assert snapshot(env["ESCALERA_DATABASE_URL"])[0] == []
    text = invoke(env, "import", "firms", str(path))
    assert text.exit_code == 1
    assert "-200" in text.stdout and "Capacidad mensual" in text.stdout
    assert "--skip-bad" in text.output


def test_spanish_interface_reasons(tmp_path: Path, env: dict[str, str]) -> None:
    path = latin1(tmp_path / "empresas.csv", FIRMS)
    result = runner.invoke(app, ["--lang", "es", "import", "firms", str(path), "--json"],
                           env=env)
    assert json.loads(result.stdout)["errors"][0]["reason"] == "no puede ser negativo"


def test_skip_bad_then_links_and_assessments_by_name(tmp_path: Path,
                                                     env: dict[str, str]) -> None:
    path = latin1(tmp_path / "empresas.csv", FIRMS)
    result = invoke(env, "import", "firms", str(path), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "empresas.rejects.csv").exists()
    assert "Rejected rows written to" in result.stdout
    for kind, text in (("links", LINKS), ("assessments", VISITS)):
        result = invoke(env, "import", kind, str(latin1(tmp_path / f"{kind}.csv", text)),
                        "--json")
        assert result.exit_code == 0, result.output
    firms, links, visits = snapshot(env["ESCALERA_DATABASE_URL"])
    assert sorted(f["name"] for f in firms) == ["Confecciones Peña", "Uniformes del Bajío"]
    assert [link["volume_share"] for link in links] == [0.3]
    assert sorted(visits[0]["observations"]) == [("metric", "on_time_delivery_pct", 92.0),
                                                 ("practice", "final_inspection", 2.0)]


def test_mapping_saved_and_reused(tmp_path: Path, env: dict[str, str]) -> None:
    odd = ("Taller;Qué hace;Entidad;Piezas al mes;Notas\r\n"
           "Confecciones Peña;maquila;Puebla;1,000;llamar el lunes\r\n")
    path = latin1(tmp_path / "agencia.csv", odd)
    first = invoke(env, "import", "firms", str(path), "--json")
    assert first.exit_code == 1
    unknown = {e["column"] for e in json.loads(first.stdout)["errors"]}
    assert unknown == {"Taller", "Qué hace", "Piezas al mes", "Notas", "name", "roles"}
    mapping = tmp_path / "mapeo.yaml"
    mapping.write_text("Taller: name\nQué hace: roles\nPiezas al mes: monthly_capacity\n"
                       "Notas: null\n", encoding="utf-8")
    saved = tmp_path / "guardado.yaml"
    result = invoke(env, "import", "firms", str(path), "--mapping", str(mapping),
                    "--save-mapping", str(saved))
    assert result.exit_code == 0, result.output
    assert "Entidad: state" in saved.read_text(encoding="utf-8")
    again = latin1(tmp_path / "agencia2.csv", odd.replace("Confecciones Peña", "Otro Taller"))
    result = invoke(env, "import", "firms", str(again), "--mapping", str(saved), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == {"firms": 1}


@pytest.mark.parametrize(("fmt", "lang"), [("csv", "es"), ("csv", "en"), ("xlsx", "es"),
                                           ("xlsx", "en")])
def test_templates_import_cleanly(tmp_path: Path, env: dict[str, str], fmt: str,
                                  lang: str) -> None:
    paths = {}
    for kind in ("firms", "assessments"):
        paths[kind] = tmp_path / f"{kind}.{fmt}"
        result = invoke(env, "import", "template", kind, "--format", fmt, "--lang", lang,
                        "-o", str(paths[kind]))
        assert result.exit_code == 0, result.output
    if fmt == "csv":
        header = paths["firms"].read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.startswith("clave,nombre,roles" if lang == "es" else "id,name,roles")
    for kind in ("firms", "assessments"):
        result = invoke(env, "import", kind, str(paths[kind]), "--json")
        assert result.exit_code == 0, result.output
    firms, _links, visits = snapshot(env["ESCALERA_DATABASE_URL"])
    assert firms[0]["name"] == "Confecciones Peña" and firms[0]["monthly_capacity"] == 12000
    assert len(visits[0]["observations"]) == 2


def test_default_template_name_and_bad_kind(workdir: Path) -> None:
    result = runner.invoke(app, ["--lang", "es", "import", "template", "vínculos"])
    assert result.exit_code == 0, result.output
    assert (workdir / "plantilla_vinculos.csv").exists()
    result = invoke({}, "import", "template", "pedidos")
    assert result.exit_code != 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_then_import_all_into_a_new_database(tmp_path: Path, env: dict[str, str],
                                                    fmt: str) -> None:
    # From an SQLite file into an empty database of the kind under test.
    source = {"ESCALERA_DATABASE_URL": f"sqlite:///{tmp_path / 'source.db'}"}
    target = env
    for kind, text in (("firms", FIRMS.replace("-200", "200")), ("links", LINKS),
                       ("assessments", VISITS)):
        result = invoke(source, "import", kind, str(latin1(tmp_path / f"{kind}.csv", text)))
        assert result.exit_code == 0, result.output
    out = tmp_path / "export"
    result = invoke(source, "export", str(out), "--format", fmt, "--json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    result = invoke(target, "import", "all", files[0] if fmt == "xlsx" else str(out),
                    "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == {"firms": 3, "links": 1, "assessments": 1,
                                                    "observations": 2}
    assert snapshot(target["ESCALERA_DATABASE_URL"]) == \
        snapshot(source["ESCALERA_DATABASE_URL"])
