"""Map a file's headers onto the documented columns: aliases, user mappings, problems.

Headers are compared folded (no accents, case or punctuation), so ``Razón social``,
``RAZON_SOCIAL`` and ``razon social`` are one header. A user mapping (YAML
``{header in the file: documented column}``; ``null`` ignores a column) is applied first and
can be saved for the next file from the same agency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from escalera.errors import EscaleraError
from escalera.i18n import _
from escalera.ingest.formats import COLUMNS, WIDE_ASSESSMENT_COLUMNS, Kind
from escalera.ingest.text import column_letter, fold

ALIASES: dict[Kind, dict[str, tuple[str, ...]]] = {
    Kind.FIRMS: {
        "id": ("firm id", "firm_id", "clave", "clave empresa", "clave de empresa", "id empresa",
               "folio", "identificador"),
        "name": ("nombre", "razon social", "nombre o razon social", "empresa",
                 "nombre de la empresa", "nombre comercial", "denominacion", "firm", "company",
                 "firm name", "company name", "business name"),
        "roles": ("rol", "role", "tipo", "tipo de empresa", "papel", "firm type"),
        "state": ("estado", "entidad", "entidad federativa", "edo"),
        "municipality": ("municipio", "alcaldia", "delegacion", "ciudad", "localidad", "city",
                         "town"),
        "products": ("producto", "productos", "giro", "tipo de producto", "tipos de producto",
                     "product", "product types", "product type"),
        "hs_chapters": ("capitulo", "capitulos", "capitulo sa", "capitulos sa",
                        "capitulo arancelario", "hs", "hs chapter", "hs chapters"),
        "employees": ("empleados", "numero de empleados", "no de empleados", "num empleados",
                      "trabajadores", "personal", "personal ocupado", "employees",
                      "number of employees", "headcount", "workers"),
        "monthly_capacity": ("capacidad", "capacidad mensual", "capacidad piezas mes",
                             "capacidad de produccion", "piezas por mes", "piezas mes",
                             "capacity", "monthly capacity", "units per month",
                             "capacity units month"),
        "export_regime": ("regimen", "regimen de exportacion", "regimen aduanero",
                          "export regime", "regime"),
        "hosts_visits": ("recibe visitas", "anfitrion", "visitas", "hosts visits", "host"),
        "founded_on": ("fundacion", "fecha de fundacion", "fecha fundacion", "fundada",
                       "fundada en", "inicio de operaciones", "founded", "founded on",
                       "founding date"),
        "working_capital": ("capital de trabajo", "capital trabajo", "capital de operacion",
                            "working capital"),
    },
    Kind.LINKS: {
        "source": ("origen", "empresa origen", "empresa de origen", "de", "from", "from firm"),
        "target": ("destino", "empresa destino", "empresa de destino", "a", "para", "to",
                   "to firm"),
        "type": ("tipo", "tipo de vinculo", "vinculo", "relacion", "link type",
                 "relationship"),
        "start": ("inicio", "fecha de inicio", "fecha inicio", "desde", "start date",
                  "since"),
        "end": ("fin", "fecha de fin", "fecha fin", "fecha de termino", "termino", "hasta",
                "end date", "until"),
        "exclusive": ("exclusivo", "exclusiva", "exclusividad"),
        "volume_share": ("participacion", "participacion en volumen", "porcentaje del volumen",
                         "porcentaje de volumen", "share", "volume share"),
        "ended_reason": ("motivo", "motivo de termino", "razon de termino", "reason",
                         "end reason", "ended reason"),
    },
    Kind.ASSESSMENTS: {
        "assessment_id": ("clave evaluacion", "clave de evaluacion", "id evaluacion",
                          "folio", "evaluacion", "assessment", "assessment id"),
        "firm_id": ("empresa", "clave empresa", "clave de empresa", "id empresa", "firm",
                    "firm id", "company"),
        "date": ("fecha", "fecha de visita", "fecha de evaluacion", "fecha visita",
                 "visit date", "assessed on"),
        "stage": ("etapa", "tipo de visita", "visita", "visit type"),
        "assessor": ("evaluador", "evaluadora", "asesor", "inspector"),
        "status": ("estatus",),
        "item": ("indicador", "concepto", "metrica", "practica", "metrica o practica",
                 "metric", "practice", "measure", "indicator"),
        "value": ("valor", "resultado", "puntaje", "calificacion", "score", "result"),
    },
}

# Columns escalera itself adds to a rejects file; ignored on re-import.
IGNORED = frozenset({"error", "errores", "errors"})


@dataclass(frozen=True)
class HeaderProblem:
    """A header-row problem: the header as written (or its column letter) and why."""

    column: str
    code: str
    reason: str


@dataclass
class HeaderMap:
    """Where each documented column (and, for wide files, each item) is in the file."""

    kind: Kind
    headers: list[str]
    columns: dict[str, int] = field(default_factory=dict)
    extra: dict[int, str] = field(default_factory=dict)  # index -> item id (wide form)
    ignored: list[int] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        """True for an assessments file with one column per metric or practice."""
        return bool(self.extra)

    def label(self, name: str) -> str:
        """The header as written in the file for documented column ``name``."""
        index = self.columns.get(name)
        return self.headers[index] if index is not None else name

    def as_mapping(self) -> dict[str, str | None]:
        """``{header in the file: column}`` for every header, to save and reuse."""
        out: dict[str, str | None] = {}
        for name, index in self.columns.items():
            out[self.headers[index]] = name
        for index, item in self.extra.items():
            out[self.headers[index]] = item
        for index in self.ignored:
            if fold(self.headers[index]) not in IGNORED:
                out[self.headers[index]] = None
        return out


def alias_table(kind: Kind) -> dict[str, str]:
    """Folded header -> documented column, from names, Spanish headers and aliases."""
    table: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for alias in (col.name, col.header_es, *ALIASES[kind].get(col.name, ())):
            table.setdefault(fold(alias), col.name)
    return table


def map_headers(kind: Kind, headers: list[str], *,
                mapping: Mapping[str, str | None] | None = None,
                extra: Mapping[str, str] | None = None,
                letters: list[str] | None = None) -> tuple[HeaderMap, list[HeaderProblem]]:
    """Map ``headers``; ``extra`` maps folded names to item ids (wide assessments);
    ``letters`` are the spreadsheet letters of the columns (A, B... by default)."""
    result = HeaderMap(kind=kind, headers=list(headers))
    problems: list[HeaderProblem] = []
    names = {col.name for col in COLUMNS[kind]}
    items = set(extra.values()) if extra else set()
    user = {fold(k): v for k, v in (mapping or {}).items()}
    aliases = alias_table(kind)
    for index, header in enumerate(headers):
        key = fold(header)
        letter = letters[index] if letters else column_letter(index)
        shown = header or _("(column {letter})").format(letter=letter)
        if not key:
            problems.append(HeaderProblem(shown, "no_header", _("this column has no header")))
            continue
        if key in user:
            target = user[key]
            if target is None:
                result.ignored.append(index)
                continue
            if target not in names and target not in items:
                problems.append(HeaderProblem(shown, "bad_mapping", _(
                    "the mapping file sends this header to {target!r}, which is not a "
                    "column of a {kind} file").format(target=target, kind=kind)))
                continue
        elif key in IGNORED:
            result.ignored.append(index)
            continue
        elif key in aliases:
            target = aliases[key]
        elif extra and key in extra:
            target = extra[key]
        else:
            problems.append(HeaderProblem(shown, "unknown_column", _(
                "unknown column; use a documented column or a mapping file (--mapping)")))
            continue
        if target in names:
            if target in result.columns:
                first = headers[result.columns[target]]
                problems.append(HeaderProblem(shown, "duplicate_column", _(
                    "this column and {first!r} both mean {column!r}").format(
                        first=first, column=target)))
                continue
            result.columns[target] = index
        else:
            if target in result.extra.values():
                problems.append(HeaderProblem(shown, "duplicate_column", _(
                    "{item!r} appears in two columns").format(item=target)))
                continue
            result.extra[index] = target
    problems.extend(_missing(kind, result))
    return result, problems


def _missing(kind: Kind, result: HeaderMap) -> list[HeaderProblem]:
    problems: list[HeaderProblem] = []
    if result.wide and ("item" in result.columns or "value" in result.columns):
        problems.append(HeaderProblem(result.label("item"), "mixed_forms", _(
            "a file has either item and value columns (long form) or one column per metric "
            "or practice (wide form), not both")))
    required = WIDE_ASSESSMENT_COLUMNS if result.wide else COLUMNS[kind]
    for col in required:
        if col.required and col.name not in result.columns:
            problems.append(HeaderProblem(col.name, "missing_column", _(
                "required column missing (Spanish header: {header!r})").format(
                    header=col.header_es)))
    return problems


def load_mapping(path: Path) -> dict[str, str | None]:
    """Read a mapping file ``{header in the file: documented column or null}``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EscaleraError(_("cannot read the mapping file {file}: {error}").format(
            file=path.name, error=exc)) from None
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in data.items()):
        raise EscaleraError(_("the mapping file {file} must map each header to a column name "
                              "(or to null to ignore it)").format(file=path.name))
    return dict(data)


def save_mapping(path: Path, mappings: list[dict[str, str | None]]) -> None:
    """Write the headers of one or more files and the columns they were read as."""
    merged: dict[str, str | None] = {}
    for mapping in mappings:
        merged.update(mapping)
    text = ("# escalera import mapping: header in your file -> documented column "
            "(null = ignore).\n# Use it with: escalera import ... --mapping THIS_FILE\n")
    text += yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
