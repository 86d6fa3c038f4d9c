"""YAML documents that keep their node tree, so a problem can be traced to a file line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

Loc = Sequence[str | int]
Found = Iterator[tuple[list[str | int], int | None]]


class _Loader(yaml.SafeLoader):
    """The safe loader, but dates stay text: pydantic then parses them and reports a bad one
    (``2020-13-01``) with its field and line, where PyYAML would raise a bare ValueError."""


def _timestamp_as_text(loader: _Loader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class YamlSyntaxError(Exception):
    """The text is not a single well-formed YAML document; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None) -> None:
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class Document:
    """One parsed file: its name as shown in messages, its node tree and its plain data."""

    name: str
    root: yaml.Node | None
    data: Any


def parse(name: str, text: str) -> Document:
    """Compose and construct ``text`` in one pass (raises YamlSyntaxError)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(
            reason or "invalid YAML", None if mark is None else mark.line + 1
        ) from exc
    except (yaml.YAMLError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise YamlSyntaxError(first, None) from exc
    finally:
        loader.dispose()
    return Document(name=name, root=root, data=data)


def line(node: yaml.Node) -> int | None:
    """1-based line where ``node`` starts."""
    return None if node.start_mark is None else node.start_mark.line + 1


def _step(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(node whose line to report, node to walk on) for one step of a path, or None."""
    if isinstance(node, yaml.MappingNode):
        # The last equal key wins, as when PyYAML builds the dict.
        found = None
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                found = (key, value)
        return found
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        item: yaml.Node = node.value[part]
        return item, item
    return None


def line_at(root: yaml.Node, loc: Loc) -> int | None:
    """Line of the node at ``loc``, or of its nearest existing parent (a missing field)."""
    node, where = root, line(root)
    for part in loc:
        step = _step(node, part)
        if step is None:
            break
        where, node = line(step[0]), step[1]
    return where


def duplicate_keys(root: yaml.Node) -> Found:
    """(path, line) of every mapping key repeated in its mapping: PyYAML would keep the last."""
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node, path: list[str | int]) -> Found:
        if id(node) in seen_nodes:  # an alias: already walked
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name is not None and name in keys:
                    yield [*path, name], line(key)
                if name is not None:
                    keys.add(name)
                yield from walk(value, [*path, name if name is not None else "?"])
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                yield from walk(item, [*path, i])

    yield from walk(root, [])
