"""Headers in Spanish or English mapped to the documented columns; user mapping files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from escalera.errors import EscaleraError
from escalera.i18n import set_language
from escalera.ingest.formats import COLUMNS, Kind
from escalera.ingest.headers import ALIASES, load_mapping, map_headers, save_mapping
from escalera.ingest.text import fold


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons are asserted in English; the interface default is Spanish."""
    set_language("en")
    yield
    set_language("es")


def test_spanish_and_english_aliases_any_accent_or_case() -> None:
    headers = ["Razón Social", "GIRO", "Número de empleados", "Capacidad (piezas/mes)",
               "Régimen", "Entidad federativa", "alcaldía", "Rol"]
    mapped, problems = map_headers(Kind.FIRMS, headers)
    assert problems == []
    assert mapped.columns == {"name": 0, "products": 1, "employees": 2, "monthly_capacity": 3,
                              "export_regime": 4, "state": 5, "municipality": 6, "roles": 7}
    english, problems = map_headers(Kind.FIRMS, ["Company name", "role", "State",
                                                 "monthly_capacity", "Export regime"])
    assert problems == []
    assert set(english.columns) == {"name", "roles", "state", "monthly_capacity",
                                    "export_regime"}


def test_template_headers_map_in_both_languages() -> None:
    for kind in Kind:
        for lang in ("es", "en"):
            headers = [c.header(lang) for c in COLUMNS[kind]]
            mapped, problems = map_headers(kind, headers)
            assert problems == []
            assert list(mapped.columns) == [c.name for c in COLUMNS[kind]]


def test_no_alias_means_two_columns() -> None:
    for kind, table in ALIASES.items():
        seen: dict[str, str] = {}
        names = {c.name for c in COLUMNS[kind]}
        assert set(table) <= names
        for col in COLUMNS[kind]:
            for alias in (col.name, col.header_es, *table.get(col.name, ())):
                key = fold(alias)
                assert seen.setdefault(key, col.name) == col.name, (kind, alias)


def test_unknown_duplicate_missing_and_headerless_columns() -> None:
    _mapped, problems = map_headers(Kind.FIRMS, ["nombre", "Razón social", "color favorito",
                                                 "", "estado"])
    found = {(p.column, p.code) for p in problems}
    assert ("Razón social", "duplicate_column") in found
    assert ("color favorito", "unknown_column") in found
    assert ("(column D)", "no_header") in found
    assert ("roles", "missing_column") in found


def test_user_mapping_first_and_null_ignores(tmp_path: Path) -> None:
    mapping = {"Nombre del taller": "name", "Tipo de taller": "roles", "Notas": None,
               "Estado": "state"}
    mapped, problems = map_headers(Kind.FIRMS, ["NOMBRE DEL TALLER", "Tipo de taller",
                                                "notas", "Estado", "error"], mapping=mapping)
    assert problems == []
    assert mapped.columns == {"name": 0, "roles": 1, "state": 3}
    assert mapped.ignored == [2, 4]  # "error" is the column a rejects file adds
    path = tmp_path / "mapeo.yaml"
    save_mapping(path, [mapped.as_mapping()])
    assert load_mapping(path) == {"NOMBRE DEL TALLER": "name", "Tipo de taller": "roles",
                                  "notas": None, "Estado": "state"}
    assert "Tipo de taller" in path.read_text(encoding="utf-8")


def test_bad_mappings(tmp_path: Path) -> None:
    _m, problems = map_headers(Kind.FIRMS, ["Nombre", "x"], mapping={"x": "color"})
    assert [p.code for p in problems if p.column == "x"] == ["bad_mapping"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(EscaleraError, match=r"bad\.yaml"):
        load_mapping(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [unclosed\n", encoding="utf-8")
    with pytest.raises(EscaleraError, match=r"broken\.yaml"):
        load_mapping(broken)


def test_wide_assessments_need_no_item_column() -> None:
    extra = {"on time delivery pct": "on_time_delivery_pct", "entregas a tiempo":
             "on_time_delivery_pct", "final inspection": "final_inspection"}
    mapped, problems = map_headers(Kind.ASSESSMENTS, ["empresa", "fecha", "etapa",
                                                      "Entregas a tiempo", "final_inspection"],
                                   extra=extra)
    assert problems == []
    assert mapped.wide and mapped.extra == {3: "on_time_delivery_pct", 4: "final_inspection"}
    _m, problems = map_headers(Kind.ASSESSMENTS, ["empresa", "fecha", "etapa", "indicador",
                                                  "valor", "final_inspection"], extra=extra)
    assert [p.code for p in problems] == ["mixed_forms"]


def test_docs_describe_every_column_and_alias() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "import-format.md").read_text(encoding="utf-8")
    for kind in Kind:
        for col in COLUMNS[kind]:
            assert f"`{col.name}`" in docs and f"`{col.header_es}`" in docs, col.name
            for alias in ALIASES[kind].get(col.name, ()):
                assert f"`{alias}`" in docs, alias
