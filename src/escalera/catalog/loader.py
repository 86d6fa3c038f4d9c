"""Load a catalog from YAML, reporting every problem with its file, line and field."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from escalera.catalog._yaml import Document, Loc, YamlSyntaxError, duplicate_keys, line, line_at
from escalera.catalog._yaml import parse as parse_yaml
from escalera.domain.catalog_model import Catalog, catalog_problems
from escalera.errors import CatalogError

SECTIONS = ("metrics", "practices", "ladders", "segments", "screening", "sourcing")
OPTIONAL_SECTIONS = frozenset({"segments", "screening", "sourcing"})
DEFAULT_PACKAGE = "escalera.catalog"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalog, located as precisely as the YAML allows."""

    file: str
    line: int | None
    field: str | None
    message: str

    def render(self) -> str:
        """``file:line: field: message``, leaving out the parts that are unknown."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {field}{self.message}"


def field_path(loc: Loc) -> str:
    """``("ladders", 0, "levels")`` -> ``ladders[0].levels``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_catalog(path: Path | None = None) -> Catalog:
    """The packaged default catalog (``path`` None), or a user catalog.

    A user ``path`` is one YAML file, or a directory whose ``*.yaml`` files are read
    together; sections (metrics, practices, ladders, segments, screening) may be spread over
    the files in any way, but each section lives in one file. metrics, practices and ladders
    are required; segments and screening are optional. Any problem raises CatalogError naming
    file, line and field; the message lists every problem found, one per line.
    """
    if path is None:
        return _default_catalog()
    path = Path(path)
    return _build(_read_user_files(path), where=str(path))


@functools.cache
def _default_catalog() -> Catalog:
    # The catalog is frozen, so one shared instance is safe.
    root = resources.files(DEFAULT_PACKAGE)
    entries = sorted((e for e in root.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    return _build([(e.name, e.read_bytes()) for e in entries], where=DEFAULT_PACKAGE)


def _read_user_files(path: Path) -> list[tuple[str, bytes]]:
    if path.is_dir():
        files = sorted(p for p in path.glob("*.yaml") if p.is_file())
        if not files:
            raise CatalogError(f"{path}: no *.yaml files in this directory", file=str(path))
    elif path.is_file():
        files = [path]
    else:
        raise CatalogError(f"{path}: no such file or directory", file=str(path))
    try:
        return [(str(f), f.read_bytes()) for f in files]
    except OSError as exc:
        raise CatalogError(f"{exc.filename}: {exc.strerror}", file=str(exc.filename)) from exc


def _raise_if(problems: Sequence[Problem]) -> None:
    if problems:
        first = problems[0]
        raise CatalogError(
            "\n".join(p.render() for p in problems),
            file=first.file,
            line=first.line,
            field=first.field,
        )


def _parse_all(files: Iterable[tuple[str, bytes]]) -> list[Document]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for name, raw in files:
        try:
            docs.append(parse_yaml(name, raw.decode("utf-8-sig")))
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, None, None, f"not UTF-8 text (byte {exc.start})"))
        except YamlSyntaxError as exc:
            problems.append(Problem(name, exc.line, None, f"YAML syntax error: {exc}"))
    _raise_if(problems)
    return docs


def _sections(docs: Sequence[Document], where: str) -> dict[str, Document]:
    """Which document holds each section; structural problems raise."""
    owner: dict[str, Document] = {}
    problems: list[Problem] = []
    for doc in docs:
        if doc.root is None:  # an empty file holds no sections
            continue
        problems.extend(
            Problem(doc.name, at, field_path(path), "key given twice in this mapping")
            for path, at in duplicate_keys(doc.root)
        )
        if not isinstance(doc.root, yaml.MappingNode) or not isinstance(doc.data, dict):
            problems.append(
                Problem(
                    doc.name,
                    line(doc.root),
                    None,
                    "the top level must be a mapping of sections: " + ", ".join(SECTIONS),
                )
            )
            continue
        for key, _ in doc.root.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name not in SECTIONS:
                problems.append(
                    Problem(
                        doc.name,
                        line(key),
                        None,
                        f"unknown section {name!r}; expected one of " + ", ".join(SECTIONS),
                    )
                )
            elif name in owner and owner[name] is not doc:
                problems.append(
                    Problem(
                        doc.name,
                        line(key),
                        name,
                        f"section {name!r} is already given in {owner[name].name}",
                    )
                )
            else:
                owner[name] = doc
    for section in SECTIONS:
        if section not in owner and section not in OPTIONAL_SECTIONS:
            problems.append(
                Problem(
                    where,
                    None,
                    section,
                    f"no {section!r} section; a catalog needs metrics, "
                    "practices and ladders (segments, screening and sourcing are optional)",
                )
            )
    _raise_if(problems)
    return owner


def _got(value: Any) -> str:
    if isinstance(value, dict | list | tuple):
        return ""
    text = repr(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


def _locate(owner: dict[str, Document], loc: Loc, message: str, where: str) -> Problem:
    doc = owner.get(str(loc[0])) if loc else None
    if doc is None or doc.root is None:
        return Problem(where, None, field_path(loc) or None, message)
    return Problem(doc.name, line_at(doc.root, loc), field_path(loc), message)


def _knock_on(kind: str, loc: Loc, errors: Sequence[Any]) -> bool:
    """A "too short" list whose items failed: pydantic drops them and counts; the items'
    own errors say what is wrong."""
    return kind == "too_short" and any(
        len(e["loc"]) > len(loc) and tuple(e["loc"][: len(loc)]) == tuple(loc) for e in errors
    )


def _threshold_problems(catalog: Catalog) -> Iterator[tuple[Loc, str]]:
    """Metric thresholds outside the metric's plausible range (e.g. on-time >= 180 %)."""
    metrics = {m.id: m for m in catalog.metrics}
    for li, ladder in enumerate(catalog.ladders):
        for vi, level in enumerate(ladder.levels):
            for si, version in enumerate(level.versions):
                base = ("ladders", li, "levels", vi, "versions", si, "metrics")
                for ri, req in enumerate(version.metrics):
                    metric = metrics.get(req.metric)
                    why = None if metric is None else metric.check_value(req.threshold)
                    if why is not None:
                        yield (*base, ri, "threshold"), f"threshold {req.threshold:g} is {why}"


def _build(files: Sequence[tuple[str, bytes]], where: str) -> Catalog:
    docs = _parse_all(files)
    owner = _sections(docs, where)
    data = {section: doc.data[section] for section, doc in owner.items()}
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        _raise_if(
            [
                _locate(
                    owner,
                    err["loc"],
                    err["msg"] + ("" if err["type"] == "missing" else _got(err.get("input"))),
                    where,
                )
                for err in errors
                if not _knock_on(err["type"], err["loc"], errors)
            ]
        )
        raise  # unreachable: a ValidationError always carries errors
    _raise_if(
        [
            _locate(owner, loc, reason, where)
            for loc, reason in (*catalog_problems(catalog), *_threshold_problems(catalog))
        ]
    )
    return catalog
