"""OR-Library's text format for GAP instances: read and write.

The file holds whitespace-separated whole numbers, wrapped across lines anyhow: the number of
problems P, then for each problem ``m n``, the m x n cost matrix row by row, the m x n
resource matrix row by row, and the m capacities. A broken file raises ``GapFormatError``
naming the file, the problem and what is missing or wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from escalera.errors import N_, EscaleraError
from escalera.solve.gap import GapError, GapInstance

_TOKEN = re.compile(r"\S+")


class GapFormatError(EscaleraError, ValueError):
    """An OR-Library GAP file that cannot be read; the message says where and why."""


class _Tokens:
    """The numbers of a file, each with its line, read front to back."""

    def __init__(self, text: str, name: str) -> None:
        self.items = [(match.group(), number) for number, line in
                      enumerate(text.splitlines(), start=1) for match in _TOKEN.finditer(line)]
        self.pos, self.name = 0, name

    def left(self) -> int:
        return len(self.items) - self.pos

    def take(self, count: int, problem: int, missing: str) -> np.ndarray:
        """The next ``count`` whole numbers; ``missing`` is the template when the file ends."""
        if self.left() < count:
            raise GapFormatError(missing, file=self.name, problem=problem, expected=count,
                                 found=self.left())
        chunk = self.items[self.pos:self.pos + count]
        self.pos += count
        try:
            return np.array([int(text) for text, _ in chunk], dtype=np.int64)
        except ValueError:
            text, line = next((t, ln) for t, ln in chunk if not _is_int(t))
            raise GapFormatError(
                N_("{file}, problem {problem}, line {line}: expected a whole number, "
                   "found {token!r}"), file=self.name, problem=problem, line=line,
                token=text[:20]) from None


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def parse_gap(text: str, name: str = "<text>") -> list[GapInstance]:
    """Every problem of an OR-Library GAP file's ``text``; ``name`` is used in errors."""
    tokens = _Tokens(text, name)
    if not tokens.left():
        raise GapFormatError(N_("{file}: the file is empty; expected the number of problems"),
                             file=name)
    first, line = tokens.items[0]
    if not _is_int(first):
        raise GapFormatError(N_("{file}, line {line}: expected the number of problems, "
                                "found {token!r}"), file=name, line=line, token=first[:20])
    count = int(tokens.take(1, 0, N_("{file}: the file is empty; expected the number of "
                                     "problems"))[0])
    if count < 1:
        raise GapFormatError(N_("{file}: the number of problems must be at least 1, got "
                                "{count}"), file=name, count=count)
    problems = []
    for problem in range(1, count + 1):
        m, n = (int(v) for v in tokens.take(2, problem, N_(
            "{file}, problem {problem}: expected the sizes m and n, the file ends after "
            "{found} more numbers")))
        if m < 1 or n < 1:
            raise GapFormatError(N_("{file}, problem {problem}: sizes must be at least 1, got "
                                    "m={m} n={n}"), file=name, problem=problem, m=m, n=n)
        cost = tokens.take(m * n, problem, N_(
            "{file}, problem {problem}: expected {expected} costs, the file ends after "
            "{found}"))
        resource = tokens.take(m * n, problem, N_(
            "{file}, problem {problem}: expected {expected} resource requirements, the file "
            "ends after {found}"))
        capacity = tokens.take(m, problem, N_(
            "{file}, problem {problem}: expected {expected} capacities, the file ends after "
            "{found}"))
        try:
            problems.append(GapInstance.of(cost.reshape(m, n), resource.reshape(m, n),
                                           capacity))
        except GapError as exc:
            raise GapFormatError(N_("{file}, problem {problem}: {reason}"), file=name,
                                 problem=problem, reason=exc) from None
    if tokens.left():
        raise GapFormatError(N_("{file}: {extra} numbers left after the {count} problems the "
                                "file announces"), file=name, extra=tokens.left(), count=count)
    return problems


def read_gap(path: Path) -> list[GapInstance]:
    """Every problem of the OR-Library GAP file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GapFormatError(N_("{file}: no such file"), file=path.name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GapFormatError(N_("{file}: cannot be read ({reason})"), file=path.name,
                             reason=exc.__class__.__name__) from None
    return parse_gap(text, path.name)


def _lines(values: np.ndarray, width: int) -> Iterator[str]:
    flat = [str(int(v)) for v in values.ravel()]
    for start in range(0, len(flat), width):
        yield " " + " ".join(flat[start:start + width])


def format_gap(instances: Sequence[GapInstance], width: int = 12) -> str:
    """OR-Library text for ``instances`` (whole numbers), ``width`` numbers a line."""
    out = [f" {len(instances)}"]
    for inst in instances:
        out.append(f" {inst.m} {inst.n}")
        for block in (inst.cost, inst.resource, inst.capacity):
            out.extend(_lines(np.rint(block), width))
    return "\n".join(out) + "\n"
